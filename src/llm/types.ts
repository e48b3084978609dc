export type { Json } from '../util/json.js';

/** A problem the schema cannot see: the keys where it is (relative to what was checked; none: that thing itself) and what is wrong. */
export interface Problem {
  key: string[];
  message: string;
}

/** Sampling settings sent in the request body (`openai`) or given to generate.py (`local`). */
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
    readonly kind: 'rate-limit' | 'server' | 'timeout' | 'connection' | 'malformed' | 'empty' | 'refused' | 'client' | 'auth',
    readonly retryable: boolean,
    readonly status?: number,
    /** From `retry-after-ms` or `retry-after`. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}
