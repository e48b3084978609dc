import type { Json } from '../types.js';

// Settings more than one provider has: declared once, so that the assembled schema has one meaning for each key.

/** `sampling` (`openai`, `local`). */
export const SAMPLING_SCHEMA: Json = {
  description: 'Sampling settings sent in the request body.',
  type: 'object',
  additionalProperties: false,
  properties: {
    temperature: {
      description: 'Sampling temperature.',
      type: 'number',
      minimum: 0,
      maximum: 2,
    },
    top_p: {
      description: 'Nucleus sampling mass.',
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 1,
    },
    max_tokens: {
      description: 'Most tokens to generate.',
      type: 'integer',
      minimum: 1,
    },
    n: {
      description: 'Completions per request (the endpoint must support `n`).',
      type: 'integer',
      minimum: 1,
    },
    seed: {
      description: 'Sampling seed, where the endpoint supports it.',
      type: 'integer',
    },
    stop: {
      description: 'Stop sequence(s).',
      oneOf: [
        {
          type: 'string',
        },
        {
          type: 'array',
          items: {
            type: 'string',
          },
          maxItems: 4,
        },
      ],
    },
  },
};

/** `from` (`openai`, `local`): a trained student. */
export const FROM_SCHEMA: Json = {
  description:
    "A train stage whose checkpoint this model is. For `openai` with `serve`, `{{checkpoint}}` in `model`, `serve.command` and `serve.env` is replaced by the checkpoint's path (e.g. `vllm serve {{checkpoint}} --served-model-name student --port 8011`); for `local`, generate.py loads it. Stages using the model run after it and are re-run when it changes.",
  $ref: '#/$defs/name',
};
