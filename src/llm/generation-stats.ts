import type { LedgerAnswer } from './ledger-writer.js';
import { percentile } from './runner.js';
import type { Json } from './types.js';

/** What one run of a provider did: requests sent (retries included), answers, final failures, cost, and figures of its own. */
export interface Traffic {
  sent: number;
  answered: number;
  failed: number;
  costUsd: number;
  about: Record<string, Json>;
}

/** Stats of a ledgered provider's generations: what the answers used cost (cached or not), and this run's traffic. */
export function ledgerStats(o: {
  provider: string;
  model: string;
  endpoint: string;
  queries: number;
  requests: number;
  cached: number;
  generations: number;
  missing: number;
  /** The answers the generations come from. */
  used: LedgerAnswer[];
  traffic: Traffic | undefined;
}): Record<string, Json> {
  const sum = (f: (a: LedgerAnswer) => number) => o.used.reduce((x, a) => x + f(a), 0);
  const completion = sum((a) => a.completionTokens);
  const cost = sum((a) => a.costUsd);
  const latencies = o.used.map((a) => a.latencyMs);
  return {
    provider: o.provider,
    model: o.model,
    endpoint: o.endpoint,
    queries: o.queries,
    requests: o.requests,
    cached: o.cached,
    generations: o.generations,
    missing: o.missing,
    // what the generations used cost, cached or not: the inference cost of this model and prompt
    prompt_tokens: sum((a) => a.promptTokens),
    completion_tokens: completion,
    estimated_answers: o.used.filter((a) => a.tokensEstimated).length,
    completion_tokens_per_query: o.queries ? completion / o.queries : 0,
    cost_usd: cost,
    cost_per_1000_queries_usd: o.queries ? (1000 * cost) / o.queries : 0,
    latency_p50_ms: percentile(latencies, 50),
    latency_p95_ms: percentile(latencies, 95),
    // this run's traffic
    sent: o.traffic?.sent ?? 0,
    answered_now: o.traffic?.answered ?? 0,
    failed: o.traffic?.failed ?? 0,
    cost_usd_now: o.traffic?.costUsd ?? 0,
  };
}

/** Stats of a provider that answers without requests (replay, prf): its own figures, and the generations' length. */
export function answeredStats(
  provider: string,
  about: Record<string, Json>,
  queries: number,
  generations: { text: string }[],
): Record<string, Json> {
  const words = generations.reduce((a, g) => a + (g.text ? g.text.split(' ').length : 0), 0);
  return {
    provider,
    ...about,
    queries,
    generations: generations.length,
    words_per_generation: generations.length ? words / generations.length : 0,
    requests: 0,
    sent: 0,
    cost_usd: 0,
  };
}
