import { percentile } from '../llm/runner.js';
import type { LedgerError } from '../store/store.js';
import { LruCache } from './cache.js';
import type { ExperimentModel } from './model.js';
import type { Session } from './store-access.js';
import type { LlmErrorInfo, LlmSummary } from './types.js';

/** Providers that send no request: their expansions cost nothing by construction. */
const NO_REQUESTS = new Set(['replay', 'prf']);

const stampOf = (r: { fingerprint: string; status: string; finishedAt: string | null }) =>
  r.status === 'running' ? null : `${r.fingerprint}@${r.status}@${r.finishedAt}`;

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/**
 * Per generate stage: what its stats say (queries, cached, sent) and what the ledger answers
 * its generations used add up to (tokens, cost, latency, finish reasons), with its failed
 * attempts by kind. A cost is null, never 0, when no price is declared for a priced provider.
 */
export class LlmData {
  private readonly summaries = new LruCache<Omit<LlmSummary, 'label' | 'stage'>>(4096, () => 1);
  private readonly errorLists = new LruCache<LedgerError[]>(2e6, (l) => l.length);

  async summary(s: Session, model: ExperimentModel, fp: string): Promise<LlmSummary | null> {
    const rec = model.records.get(fp);
    const node = model.nodes.get(fp);
    if (rec?.kind !== 'generate') return null;
    const load = async (): Promise<Omit<LlmSummary, 'label' | 'stage'>> => {
      const store = await s.store();
      const stats = ((await store.generationStats(fp)) ?? {}) as Record<string, unknown>;
      const answers = await store.ledger(fp);
      const errors = await store.llmErrors(fp);
      const resolved = model.dag?.nodes.get(fp)?.resolved;
      const modelName =
        (resolved?.own as { model?: string } | undefined)?.model ?? (rec.config as { own?: { model?: string } })?.own?.model;
      const identity = (resolved?.uses[`models.${modelName}`] ?? {}) as { provider?: string; model?: string };
      const provider = identity.provider ?? (typeof stats.provider === 'string' ? stats.provider : null);
      const price = (resolved?.runtime as { price?: unknown } | null | undefined)?.price;
      const queries = num(stats.queries);
      let cost: number | null = answers.reduce((a, x) => a + x.costUsd, 0);
      let costNote: string | null = null;
      if (provider && NO_REQUESTS.has(provider)) costNote = `${provider}: no model requests, no cost`;
      else if (provider === 'local') costNote = 'a local model: no per-token price';
      else if (!price) {
        cost = null;
        costNote = modelName ? `no price declared (models.${modelName}.price): cost unknown` : 'no price declared: cost unknown';
      }
      const latencies = answers.map((a) => a.latencyMs);
      const reasons: Record<string, number> = {};
      for (const a of answers) for (const r of a.finishReasons) reasons[r ?? 'none'] = (reasons[r ?? 'none'] ?? 0) + 1;
      const byKind: Record<string, number> = {};
      for (const e of errors) byKind[e.kind] = (byKind[e.kind] ?? 0) + 1;
      const completion = answers.reduce((a, x) => a + x.completionTokens, 0);
      return {
        fingerprint: fp,
        provider,
        model: identity.model ?? modelName ?? null,
        queries,
        generations: num(stats.generations),
        answers: answers.length,
        cached: num(stats.cached),
        sent: num(stats.sent),
        promptTokens: answers.reduce((a, x) => a + x.promptTokens, 0),
        completionTokens: completion,
        estimatedTokens: answers.filter((a) => a.tokensEstimated).length,
        tokensPerQuery: queries && answers.length ? completion / queries : null,
        costUsd: cost,
        costPer1kUsd: cost !== null && queries ? (1000 * cost) / queries : null,
        costNote,
        latencyP50Ms: latencies.length ? percentile(latencies, 50) : null,
        latencyP95Ms: latencies.length ? percentile(latencies, 95) : null,
        latencyMaxMs: latencies.length ? Math.max(...latencies) : null,
        finishReasons: reasons,
        errors: byKind,
        finalErrors: errors.filter((e) => e.final).length,
      };
    };
    // a running stage's ledger grows: read it afresh
    const key = stampOf(rec);
    const sum = key ? await this.summaries.get(key, load) : await load();
    return { ...sum, stage: node?.stage ?? rec.stage, label: node?.label ?? rec.stage };
  }

  async errors(s: Session, model: ExperimentModel, fp: string, offset: number, limit: number) {
    const rec = model.records.get(fp);
    const load = async () => (await s.store()).llmErrors(fp);
    const key = rec ? stampOf(rec) : null;
    const list = !rec ? [] : key ? await this.errorLists.get(key, load) : await load();
    const items: LlmErrorInfo[] = list.slice(offset, offset + limit).map((e) => ({
      key: e.key,
      attempt: e.attempt,
      final: e.final,
      kind: e.kind,
      status: e.status,
      message: e.message,
      replica: e.replica,
    }));
    return { total: list.length, offset, limit, items };
  }
}
