import { setMaxListeners } from 'node:events';
import { type AdaptiveLimit, backoffMs, type ReplicaPool } from './limiter.js';
import type { OpenAIEndpoint } from './openai-endpoint.js';
import { estimateUsage } from './tokens.js';
import { type ChatMessage, type Completion, LlmError } from './types.js';

/** A request to send: its cache key, its body, and the messages (for token estimates). */
export interface PlannedRequest {
  key: string;
  body: Record<string, unknown>;
  messages: ChatMessage[];
}

export interface RunnerOptions<Q extends PlannedRequest = PlannedRequest> {
  pool: ReplicaPool<OpenAIEndpoint>;
  maxRetries: number;
  tokenizer: 'o200k_base' | 'cl100k_base';
  price?: { input_per_million: number; output_per_million: number };
  maxRequests?: number;
  maxCostUsd?: number;
  maxErrorRate: number;
  signal: AbortSignal;
  /** An answer, as it arrives (the run goes on meanwhile). */
  onAnswer(req: Q, c: Completion, costUsd: number): void;
  /** A failed attempt (never cached). */
  onError(req: Q, err: LlmError, attempt: number, final: boolean): void;
  onProgress?(stats: RunStats): void;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export interface RunStats {
  /** Requests sent over the network, retries included. */
  sent: number;
  answered: number;
  /** Requests that failed for good (after their retries). */
  failed: number;
  promptTokens: number;
  completionTokens: number;
  /** Answers whose token counts were estimated (no `usage`). */
  estimated: number;
  costUsd: number;
  latenciesMs: number[];
  /** Why the run stopped before the end, if it did. */
  stopped?: string;
}

/** Error rates are judged once this many requests have ended (or at the end). */
const MIN_FOR_RATE = 20;

const sleepFor = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/**
 * Sends requests with bounded, adaptive concurrency per replica: a rate limit halves that
 * replica's concurrency and the request waits `retry-after` (or an exponential backoff with
 * jitter) before trying again; server errors, timeouts and malformed answers are retried too, up
 * to `maxRetries`; client errors are not. Guards: `maxRequests` sent, `maxCostUsd` spent and
 * `maxErrorRate` stop the run cleanly: nothing new is sent, what is in flight is waited for.
 */
export async function runRequests<Q extends PlannedRequest>(reqs: Q[], o: RunnerOptions<Q>): Promise<RunStats> {
  const stats: RunStats = {
    sent: 0,
    answered: 0,
    failed: 0,
    promptTokens: 0,
    completionTokens: 0,
    estimated: 0,
    costUsd: 0,
    latenciesMs: [],
  };
  const sleep = o.sleep ?? sleepFor;
  // every request adds an abort listener while it is in flight
  setMaxListeners(0, o.signal);
  let next = 0;
  const stop = (why: string) => {
    if (stats.stopped === undefined) stats.stopped = why;
    o.pool.wake();
  };
  const guard = (): boolean => {
    if (stats.stopped !== undefined || o.signal.aborted) return false;
    if (o.maxRequests !== undefined && stats.sent >= o.maxRequests) {
      stop(`max_requests (${o.maxRequests}) reached`);
      return false;
    }
    if (o.maxCostUsd !== undefined && stats.costUsd >= o.maxCostUsd) {
      stop(`max_cost_usd ($${o.maxCostUsd}) reached: $${stats.costUsd.toFixed(4)} spent`);
      return false;
    }
    return true;
  };
  const checkRate = () => {
    const ended = stats.answered + stats.failed;
    if (stats.failed === 0 || (ended < MIN_FOR_RATE && ended < reqs.length)) return;
    const rate = stats.failed / ended;
    if (rate > o.maxErrorRate)
      stop(`${stats.failed} of ${ended} requests failed (${(100 * rate).toFixed(1)}%), more than max_error_rate ${o.maxErrorRate}`);
  };

  const one = async (req: Q) => {
    for (let attempt = 1; ; attempt++) {
      if (!guard()) return;
      let slot: { target: OpenAIEndpoint; limit: AdaptiveLimit };
      try {
        slot = await o.pool.acquire(o.signal);
      } catch {
        return;
      }
      if (!guard()) {
        o.pool.release(slot);
        return;
      }
      stats.sent++;
      let raw: Awaited<ReturnType<OpenAIEndpoint['complete']>> | undefined;
      let error: LlmError | undefined;
      // the slot is held until the answer is handed on (and journaled): what a kill can lose stays within the concurrency
      try {
        try {
          raw = await slot.target.complete(req.body, o.signal);
          slot.limit.succeeded();
        } catch (err) {
          error = err instanceof LlmError ? err : new LlmError(String(err), 'malformed', true);
          if (error.kind === 'rate-limit') slot.limit.rateLimited();
        }
        if (raw) {
          const usage = raw.usage ?? (await estimateUsage(o.tokenizer, req.messages, raw.texts));
          const c: Completion = {
            texts: raw.texts,
            finishReasons: raw.finishReasons,
            promptTokens: usage.promptTokens,
            completionTokens: usage.completionTokens,
            estimated: raw.usage === undefined,
            latencyMs: raw.latencyMs,
            endpoint: slot.target.baseUrl,
          };
          const cost = o.price ? (c.promptTokens * o.price.input_per_million + c.completionTokens * o.price.output_per_million) / 1e6 : 0;
          o.onAnswer(req, c, cost);
          stats.answered++;
          stats.promptTokens += c.promptTokens;
          stats.completionTokens += c.completionTokens;
          if (c.estimated) stats.estimated++;
          stats.costUsd += cost;
          stats.latenciesMs.push(c.latencyMs);
          o.onProgress?.(stats);
          return;
        }
      } finally {
        o.pool.release(slot);
      }
      const err = error as LlmError;
      if (o.signal.aborted) return;
      const final = !err.retryable || attempt > o.maxRetries;
      o.onError(req, err, attempt, final);
      if (final) {
        stats.failed++;
        o.onProgress?.(stats);
        if (err.kind === 'auth') stop(err.message);
        checkRate();
        return;
      }
      await sleep(err.retryAfterMs ?? backoffMs(attempt), o.signal);
    }
  };

  const width = o.pool.replicas.reduce((n, r) => n + r.limit.max, 0);
  await Promise.all(
    Array.from({ length: Math.min(width, reqs.length) }, async () => {
      while (next < reqs.length && stats.stopped === undefined && !o.signal.aborted) await one(reqs[next++] as Q);
    }),
  );
  checkRate();
  return stats;
}

/** The p-th percentile (0–100) of values, by nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
