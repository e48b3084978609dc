/** JSON Schema of one entry of `models:`. */
export const MODEL_SCHEMA = {
  description:
    'A language model: an OpenAI-compatible Chat Completions endpoint (`openai`), recorded generations (`replay`), a model run on this machine by trainers/generate.py (`local`), or a classical pseudo-relevance-feedback expander that writes its expansion as text (`prf`: no LLM, deterministic). `from: TRAIN_STAGE` makes it a trained student.',
  type: 'object',
  additionalProperties: false,
  required: ['provider'],
  properties: {
    description: {
      description: 'Free text.',
      type: 'string',
    },
    provider: {
      description:
        "`openai`: any Chat Completions endpoint (DeepSeek, OpenAI, vLLM, SGLang, Ollama); `replay`: answers recorded earlier; `local`: offline generation with trainers/generate.py (vLLM's offline engine, else transformers). `prf`: BM25 pseudo-relevance feedback written as text (RM3's expansion terms, or the first sentences of a top document), for offline pipelines and classical baselines.",
      enum: ['openai', 'replay', 'local', 'prf'],
    },
    model: {
      description: 'Model name the endpoint serves (e.g. `deepseek-chat`, `Qwen/Qwen3-4B`). Required for `openai`.',
      type: 'string',
      minLength: 1,
    },
    base_url: {
      description:
        'Endpoint base URL (ending in `/v1` for most servers), or a list of replicas: each request goes to the replica with the fewest requests outstanding.',
      oneOf: [
        {
          type: 'string',
          minLength: 1,
        },
        {
          type: 'array',
          items: {
            type: 'string',
            minLength: 1,
          },
          minItems: 1,
        },
      ],
    },
    api_key_env: {
      type: 'string',
      pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      description:
        'Name of the environment variable that holds the API key. Never the key itself: the value is read when a request is sent and is never stored or logged.',
    },
    headers: {
      description: 'Extra HTTP headers sent with every request (not secrets: use `headers_env` for those).',
      type: 'object',
      additionalProperties: {
        type: 'string',
      },
    },
    headers_env: {
      description: 'Extra HTTP headers whose values come from environment variables: header name → variable name.',
      type: 'object',
      additionalProperties: {
        type: 'string',
        pattern: '^[A-Za-z_][A-Za-z0-9_]*$',
      },
    },
    extra_body: {
      description: 'Extra members of the request body, e.g. `chat_template_kwargs: {enable_thinking: false}` for Qwen3 on vLLM.',
      type: 'object',
    },
    sampling: {
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
    },
    concurrency: {
      description: 'Most requests outstanding per endpoint; halved on HTTP 429 and grown back slowly.',
      type: 'integer',
      minimum: 1,
      default: 16,
    },
    timeout_s: {
      description: 'Seconds before a request is abandoned and retried.',
      type: 'number',
      exclusiveMinimum: 0,
      default: 120,
    },
    max_retries: {
      description: 'Retries of a request after a rate limit, a server error, a timeout or a malformed answer.',
      type: 'integer',
      minimum: 0,
      default: 5,
    },
    price: {
      description: 'Price in US dollars per million tokens, for cost accounting and `max_cost_usd`.',
      type: 'object',
      additionalProperties: false,
      required: ['input_per_million', 'output_per_million'],
      properties: {
        input_per_million: {
          description: 'Dollars per million prompt tokens.',
          type: 'number',
          minimum: 0,
        },
        output_per_million: {
          description: 'Dollars per million completion tokens.',
          type: 'number',
          minimum: 0,
        },
      },
    },
    max_requests: {
      description: 'Stop a stage cleanly once it has sent this many requests.',
      type: 'integer',
      minimum: 1,
    },
    max_cost_usd: {
      description: 'Stop a stage cleanly once its requests have cost this much (needs `price`).',
      type: 'number',
      exclusiveMinimum: 0,
    },
    max_error_rate: {
      description: 'Fraction of failed requests (after retries) a stage tolerates; past it the stage stops and fails.',
      type: 'number',
      minimum: 0,
      maximum: 1,
      default: 0,
    },
    tokenizer: {
      description: 'Tokenizer that estimates token counts when an answer has no `usage` (the estimate is flagged).',
      enum: ['o200k_base', 'cl100k_base'],
      default: 'o200k_base',
    },
    cache_key: {
      description:
        'Identity of the endpoint in the request cache, instead of its base URLs (so that replicas can be added without asking again).',
      type: 'string',
      minLength: 1,
    },
    serve: {
      description:
        'A server qexp starts for the stages that use this model (e.g. vLLM serving a trained student), waits for, and stops afterwards.',
      type: 'object',
      additionalProperties: false,
      required: ['command', 'port'],
      properties: {
        command: {
          description: 'Shell command that starts an OpenAI-compatible server.',
          type: 'string',
          minLength: 1,
        },
        port: {
          description: 'Port it listens on, on 127.0.0.1 (the base URL defaults to http://127.0.0.1:PORT/v1).',
          type: 'integer',
          minimum: 1,
          maximum: 65535,
        },
        ready_timeout_s: {
          description: 'Seconds to wait for `/v1/models` to answer.',
          type: 'number',
          exclusiveMinimum: 0,
          default: 600,
        },
        env: {
          description: 'Extra environment variables for the server.',
          type: 'object',
          additionalProperties: {
            type: 'string',
          },
        },
      },
    },
    file: {
      description:
        "For `replay`: recorded generations — JSONL with `qid` and `text` (optionally `sample`; a generate stage's `generations` output), a JSON list of `[qid, query, text]`, or TSV `qid<TAB>text`.",
      $ref: '#/$defs/path',
    },
    stage: {
      description: 'For `replay`: a generate stage whose stored generations (in this store) are replayed.',
      $ref: '#/$defs/name',
    },
    from: {
      description:
        "A train stage whose checkpoint this model is. For `openai` with `serve`, `{{checkpoint}}` in `model`, `serve.command` and `serve.env` is replaced by the checkpoint's path (e.g. `vllm serve {{checkpoint}} --served-model-name student --port 8011`); for `local`, generate.py loads it. Stages using the model run after it and are re-run when it changes.",
      $ref: '#/$defs/name',
    },
    path: {
      description: 'For `local`: a model folder (relative to this file) or a Hugging Face id, instead of `from`.',
      type: 'string',
      minLength: 1,
    },
    engine: {
      description: 'For `local`: `vllm` (offline engine), `transformers` (generate), or `auto` (vLLM when installed).',
      enum: ['auto', 'vllm', 'transformers'],
      default: 'auto',
    },
    chat_template_kwargs: {
      description: 'For `local`: arguments of the chat template (e.g. `enable_thinking: false` for Qwen3).',
      type: 'object',
    },
    command: {
      description: "For `local`: what runs trainers/generate.py (default `python3`; e.g. a virtual environment's python).",
      type: 'string',
      minLength: 1,
    },
    cuda_visible_devices: {
      description: 'For `local`: CUDA_VISIBLE_DEVICES of the generation.',
      type: 'string',
    },
    batch_size: {
      description: 'For `local`: requests per batch.',
      type: 'integer',
      minimum: 1,
      default: 32,
    },
    method: {
      description:
        "For `prf`: `rm3-terms` (RM3's expansion terms over the top `fb_docs` documents, as the documents' own words, by weight) or `doc-sentences` (the first `sentences` sentences of the top document). Sample s of a generate stage reads the documents ranked from s + 1 on.",
      enum: ['rm3-terms', 'doc-sentences'],
      default: 'rm3-terms',
    },
    index: {
      description: 'For `prf`: the index stage searched (with the `retrieval:` BM25 settings).',
      type: 'string',
      minLength: 1,
    },
    corpus: {
      description: "For `prf`: the dataset stage whose corpus gives the documents' text.",
      type: 'string',
      minLength: 1,
    },
    fb_docs: {
      description: "For `prf` rm3-terms: feedback documents (Anserini's default 10).",
      type: 'integer',
      minimum: 1,
      default: 10,
    },
    fb_terms: {
      description: "For `prf` rm3-terms: expansion terms (Anserini's default 10).",
      type: 'integer',
      minimum: 1,
      default: 10,
    },
    sentences: {
      description: 'For `prf` doc-sentences: sentences taken from the document.',
      type: 'integer',
      minimum: 1,
      default: 3,
    },
  },
};
