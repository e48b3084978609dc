import { credentialProblems } from '../credentials.js';
import { streamOf } from '../event-stream.js';
import { AdaptiveLimit, ReplicaPool } from '../limiter.js';
import { OpenAIEndpoint } from '../openai-endpoint.js';
import { runRequests } from '../runner.js';
import { acquireServer } from '../serve.js';
import type { Json, Sampling } from '../types.js';
import { FROM_SCHEMA, SAMPLING_SCHEMA } from './common-schema.js';
import { bodyToSend, defineProvider, type KeyedRequest, type Problem } from './provider.js';

/** Settings of an OpenAI-compatible model, as the schema declares them (defaults filled in). */
export interface OpenAIModelDecl {
  provider: 'openai';
  description?: string;
  model: string;
  base_url?: string | string[];
  api_key_env?: string;
  headers?: Record<string, string>;
  headers_env?: Record<string, string>;
  extra_body?: Record<string, unknown>;
  sampling?: Sampling;
  concurrency: number;
  timeout_s: number;
  max_retries: number;
  price?: { input_per_million: number; output_per_million: number };
  max_requests?: number;
  max_cost_usd?: number;
  max_error_rate: number;
  tokenizer: 'o200k_base' | 'cl100k_base';
  cache_key?: string;
  serve?: ServeDecl;
  /** A train stage whose checkpoint this model is (`{{checkpoint}}` in `serve` is its path). */
  from?: string;
}

type ServeDecl = { command: string; port: number; ready_timeout_s: number; env?: Record<string, string> };

/** What changes the answers: the fingerprint's `models.NAME`, and through `endpoint` every request key. */
interface OpenAIIdentity {
  [k: string]: Json;
  provider: 'openai';
  model: string;
  endpoint: string;
  sampling: Json;
  extra_body: Json;
  headers: Json;
  headers_env: Json;
  from: string | null;
}

/** What only changes how fast (and whether) answers come. */
interface OpenAIRuntime {
  concurrency: number;
  timeout_s: number;
  max_retries: number;
  max_requests?: number;
  max_cost_usd?: number;
  max_error_rate: number;
  price?: { input_per_million: number; output_per_million: number };
  tokenizer: 'o200k_base' | 'cl100k_base';
  api_key_env?: string;
  base_urls: string[];
  serve?: ServeDecl;
}

/** The endpoint's identity in request keys: `cache_key`, else the trained student, else the server command, else the base URLs. */
function endpointIdentity(m: OpenAIModelDecl): string {
  if (m.cache_key) return m.cache_key;
  if (m.from) return `student:${m.from}`;
  if (m.serve) return `serve:${m.serve.command}`;
  return baseUrls(m).sort().join(' ');
}

function baseUrls(m: OpenAIModelDecl): string[] {
  if (m.base_url !== undefined) return Array.isArray(m.base_url) ? m.base_url : [m.base_url];
  return m.serve ? [`http://127.0.0.1:${m.serve.port}/v1`] : [];
}

/** The trained checkpoint's path in place of `{{checkpoint}}`. */
const withCheckpoint = (text: string, path: string) => text.replace(/\{\{\s*checkpoint\s*\}\}/g, path);

/**
 * `openai`: any Chat Completions endpoint, one or several replicas, or a server qexp starts
 * (`serve`, e.g. vLLM serving a trained student). Requests go out with adaptive concurrency,
 * retries and the guards of `runner.ts`.
 */
export const openaiProvider = defineProvider<OpenAIModelDecl, OpenAIIdentity, OpenAIRuntime>({
  name: 'openai',
  noun: 'an OpenAI-compatible Chat Completions endpoint (`openai`)',
  summary: 'any Chat Completions endpoint (DeepSeek, OpenAI, vLLM, SGLang, Ollama)',
  schema: {
    ...{
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
        // no `pattern`: its error would repeat the value, which may be the key (credentials.ts checks it)
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
        },
      },
      extra_body: {
        description: 'Extra members of the request body, e.g. `chat_template_kwargs: {enable_thinking: false}` for Qwen3 on vLLM.',
        type: 'object',
      },
      concurrency: {
        description: 'Most requests outstanding per endpoint; halved on HTTP 429 and grown back slowly.',
        type: 'integer',
        minimum: 1,
        default: 16,
      },
      timeout_s: {
        description:
          'Deadline of one attempt, in seconds: from sending the request to the last byte of its answer (a server that drips its answer is cut off too). Past it the attempt is abandoned and retried.',
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
    },
    sampling: SAMPLING_SCHEMA,
    from: FROM_SCHEMA,
  },
  fewShot: true,

  refs: (m) =>
    typeof m.from === 'string' ? [{ key: 'from', ref: m.from, output: 'checkpoint', kind: 'train', what: 'its checkpoint' }] : [],

  check(m) {
    const out: Problem[] = [];
    if (!m.model) out.push({ key: [], message: "an 'openai' model needs 'model': the name the endpoint serves" });
    if (m.base_url === undefined && !m.serve)
      out.push({ key: [], message: "an 'openai' model needs 'base_url' (or 'serve', to start its server)" });
    out.push(...credentialProblems(m as unknown as Record<string, unknown>));
    if (m.max_cost_usd !== undefined && !m.price)
      out.push({ key: ['max_cost_usd'], message: 'max_cost_usd needs price (dollars per million tokens)' });
    return out;
  },

  resolve(m) {
    const identity: OpenAIIdentity = {
      provider: 'openai',
      model: m.model,
      endpoint: endpointIdentity(m),
      sampling: (m.sampling ?? {}) as Json,
      extra_body: (m.extra_body ?? {}) as Json,
      headers: (m.headers ?? {}) as Json,
      headers_env: (m.headers_env ?? {}) as Json,
      from: m.from ?? null,
    };
    const runtime: OpenAIRuntime = {
      concurrency: m.concurrency,
      timeout_s: m.timeout_s,
      max_retries: m.max_retries,
      max_requests: m.max_requests,
      max_cost_usd: m.max_cost_usd,
      max_error_rate: m.max_error_rate,
      price: m.price,
      tokenizer: m.tokenizer,
      api_key_env: m.api_key_env,
      base_urls: baseUrls(m),
      serve: m.serve,
    };
    return { identity, runtime: JSON.parse(JSON.stringify(runtime)) as OpenAIRuntime, files: [] };
  },

  secrets: (identity, rt) => [
    ...(rt.api_key_env ? [rt.api_key_env] : []),
    ...Object.values(identity.headers_env as Record<string, string>),
  ],

  requests: {
    model: (m) => m.model,
    // a trained student's answers are keyed by its training too: a retrained student is asked again
    endpoint: (m, fingerprintOf) => (m.from ? `${m.endpoint}@${fingerprintOf(m.from)}` : m.endpoint),
    sampling: (m) => m.sampling as Sampling,
    body: (m, messages, sampling) => ({ ...(m.extra_body as Record<string, unknown>), ...sampling, model: m.model, messages }),
  },

  answer(requests, { identity: m, runtime: rt }, ctx) {
    const pending = requests as KeyedRequest[];
    return streamOf(ctx.signal, async (emit, signal) => {
      const apiKey = rt.api_key_env ? ctx.env[rt.api_key_env] : undefined;
      if (rt.api_key_env && !apiKey)
        throw new Error(
          `${pending.length} requests must be sent to ${m.model}, but the environment variable ${rt.api_key_env} (models.${ctx.name}.api_key_env) is not set; set it, or import a ledger that holds these answers (qexp ledger import)`,
        );
      const headers: Record<string, string> = { ...(m.headers as Record<string, string>) };
      for (const [h, v] of Object.entries(m.headers_env as Record<string, string>)) {
        const value = ctx.env[v];
        if (!value)
          throw new Error(`header ${h} comes from the environment variable ${v} (models.${ctx.name}.headers_env), which is not set`);
        headers[h] = value;
      }
      let serve = rt.serve;
      if (serve && m.from) {
        // a trained student: its server loads the checkpoint
        const checkpoint = ctx.input(`${m.from}.checkpoint`);
        serve = {
          ...serve,
          command: withCheckpoint(serve.command, checkpoint),
          env: serve.env && Object.fromEntries(Object.entries(serve.env).map(([k, v]) => [k, withCheckpoint(v, checkpoint)])),
        };
      }
      const release = serve ? await acquireServer(ctx.name, serve, ctx.log) : undefined;
      let run: Awaited<ReturnType<typeof runRequests>>;
      try {
        const replicas = rt.base_urls.map((url) => ({
          target: new OpenAIEndpoint(url, { apiKey, headers, timeoutMs: rt.timeout_s * 1000 }),
          limit: new AdaptiveLimit(rt.concurrency),
        }));
        // what is sent leaves the ledger's draw number out; what is emitted is the request as keyed
        const sendable = pending.map((r) => ({ ...r, body: bodyToSend(r.body), planned: r }));
        run = await runRequests(sendable, {
          pool: new ReplicaPool(replicas),
          maxRetries: rt.max_retries,
          tokenizer: rt.tokenizer,
          price: rt.price,
          maxRequests: rt.max_requests,
          maxCostUsd: rt.max_cost_usd,
          maxErrorRate: rt.max_error_rate,
          signal,
          onAnswer: (request, completion, costUsd) => emit({ kind: 'answer', request: request.planned, completion, costUsd }),
          onError: (request, error, attempt, final) => emit({ kind: 'error', request: request.planned, error, attempt, final }),
        });
      } finally {
        await release?.();
      }
      if (signal.aborted) throw new Error('interrupted');
      if (run.stopped)
        throw new Error(
          `stopped: ${run.stopped}. ${run.answered} answers of this run are stored; a rerun sends only the ${pending.length - run.answered} others`,
        );
      if (run.failed > 0)
        ctx.log(
          `warning: ${run.failed} of ${pending.length} requests failed (within max_error_rate ${rt.max_error_rate}); their queries have no generation. See the store's llm_errors table; rerun with --force ${ctx.stage} to ask again`,
        );
      emit({ kind: 'done', sent: run.sent });
    });
  },
});
