/** JSON Schema of one entry of `prompts:`. */
export const PROMPT_SCHEMA = {
  description:
    'A chat prompt template. Its messages have `{{query}}` and `{{examples}}` slots; its source is part of every fingerprint that uses it.',
  type: 'object',
  additionalProperties: false,
  required: ['messages'],
  properties: {
    description: {
      description: 'Free text.',
      type: 'string',
    },
    messages: {
      description: 'Chat messages in order.',
      type: 'array',
      minItems: 1,
      items: {
        description: 'One chat message.',
        type: 'object',
        additionalProperties: false,
        required: ['role', 'content'],
        properties: {
          role: {
            description: 'Who speaks.',
            enum: ['system', 'user', 'assistant'],
          },
          content: {
            description: 'Text with `{{query}}` / `{{examples}}` slots.',
            type: 'string',
          },
        },
      },
    },
    examples: {
      description:
        "Few-shot exemplars for the `{{examples}}` slot: k (query, passage) pairs from a pool, never the query being expanded. The pool is `pool` here, or the generate stage's `examples_pool`.",
      type: 'object',
      additionalProperties: false,
      required: ['k'],
      properties: {
        pool: {
          description:
            'A file of (id, query, passage): JSONL with `query` and `passage` (and `id`), a JSON list of `[id, query, passage]`, or TSV `id<TAB>query<TAB>passage`.',
          $ref: '#/$defs/path',
        },
        k: {
          description: 'Exemplars per query.',
          type: 'integer',
          minimum: 1,
        },
        select: {
          description: '`random`: a seeded draw per query; `fixed`: the pool entries named in `ids`, in that order.',
          enum: ['random', 'fixed'],
          default: 'random',
        },
        ids: {
          description: 'For `fixed`: pool ids.',
          type: 'array',
          items: {
            type: 'string',
          },
          minItems: 1,
        },
        seed: {
          description: "Seed of the draw (default: the experiment's seed).",
          type: 'integer',
        },
        template: {
          description: 'How one exemplar is written, with `{{query}}` and `{{passage}}` slots.',
          type: 'string',
          default: 'Query: {{query}}\nPassage: {{passage}}',
        },
        separator: {
          description: 'Text between exemplars.',
          type: 'string',
          default: '\n\n',
        },
      },
    },
    postprocess: {
      description: 'What is done to each answer before it is used.',
      type: 'object',
      additionalProperties: false,
      default: {},
      properties: {
        strip_think: {
          description: 'Remove `<think>…</think>` blocks (reasoning models).',
          type: 'boolean',
          default: true,
        },
        normalize_whitespace: {
          description: 'Fold runs of white space into one space and trim.',
          type: 'boolean',
          default: true,
        },
        max_words: {
          description: 'Keep at most this many words.',
          type: 'integer',
          minimum: 1,
        },
      },
    },
  },
};
