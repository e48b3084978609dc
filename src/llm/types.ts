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
  serve?: { command: string; port: number; ready_timeout_s: number; env?: Record<string, string> };
  /** A train stage whose checkpoint this model is (`{{checkpoint}}` in `model` and `serve` is its path). */
  from?: string;
}

/** A model run on this machine by trainers/generate.py (vLLM offline, else transformers). */
export interface LocalModelDecl {
  provider: 'local';
  description?: string;
  /** A train stage whose checkpoint is the model. */
  from?: string;
  /** A model folder or Hugging Face id, instead of `from`. */
  path?: string;
  engine: 'auto' | 'vllm' | 'transformers';
  sampling?: Sampling;
  chat_template_kwargs?: Record<string, unknown>;
  /** What runs generate.py (default python3). */
  command?: string;
  cuda_visible_devices?: string;
  batch_size: number;
}

export interface ReplayModelDecl {
  provider: 'replay';
  description?: string;
  file?: string;
  stage?: string;
}

/** A classical pseudo-relevance-feedback expander written as text: no LLM, deterministic (the quickstart's pools). */
export interface PrfModelDecl {
  provider: 'prf';
  description?: string;
  method: 'rm3-terms' | 'doc-sentences';
  /** An index stage (searched with the retrieval: settings). */
  index: string;
  /** A dataset stage whose corpus gives the documents' text. */
  corpus: string;
  fb_docs: number;
  fb_terms: number;
  sentences: number;
}

export type ModelDecl = OpenAIModelDecl | ReplayModelDecl | LocalModelDecl | PrfModelDecl;

export interface Sampling {
  temperature?: number;
  top_p?: number;
  max_tokens?: number;
  n?: number;
  seed?: number;
  stop?: string | string[];
}

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** One answer of an endpoint: the completions' texts, usage, latency. */
export interface Completion {
  texts: string[];
  finishReasons: (string | null)[];
  promptTokens: number;
  completionTokens: number;
  /** True when usage was missing and the counts come from a tokenizer. */
  estimated: boolean;
  latencyMs: number;
  /** Base URL of the replica that answered. */
  endpoint: string;
}

/** Why a request failed, and whether trying again may help. */
export class LlmError extends Error {
  constructor(
    message: string,
    readonly kind: 'rate-limit' | 'server' | 'timeout' | 'connection' | 'malformed' | 'empty' | 'client' | 'auth',
    readonly retryable: boolean,
    readonly status?: number,
    /** From `retry-after-ms` or `retry-after`. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
