import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { readFeedback } from '../artifacts/feedback.js';
import { type PairRecord, type PairSummary, writePairSummary, writePairs } from '../artifacts/pairs.js';
import { histogram, type Pair, pairsForQuery, REASONS, type Scored } from '../feedback/select-pairs.js';
import { hooks } from '../hooks/hook-runtime.js';
import { defineStage, input, type Json } from './contract.js';
import { StringEnum } from './schema-parts.js';

const describe = (c: Scored) => ({ pool: c.pool, sample: c.sample, text: c.text, value: c.value });

const STRATEGIES = ['best-vs-worst', 'best-vs-rest', 'all-pairs'] as const;
const TIES = ['first', 'all', 'drop'] as const;

/**
 * `pairs`: chosen/rejected pairs per query from a feedback stage (`select-pairs.ts` says how).
 * Optional hooks: `score(candidate)` re-ranks candidates, `keep(pair)` filters pairs. Outputs
 * `pairs` (JSONL: qid, query, chosen, rejected, delta, baseline) and `summary`: pair counts,
 * the Δ histogram, how often each pool wins, and the queries without a pair, by reason.
 */
export const pairsStage = defineStage({
  kind: 'pairs',
  version: 1,
  title: 'Builds preference pairs.',
  description:
    'Chosen/rejected pairs from retrieval feedback: per query, candidates whose values differ by at least `min_delta`. Outputs `pairs` (JSONL) and `summary` (counts, Δ histogram, wins per pool, queries without a pair and why).',
  inputs: {
    feedback: input({ accepts: 'feedback', output: 'feedback', description: 'A feedback stage (output `feedback`), or `STAGE.OUTPUT`.' }),
  },
  hooks: {
    keep: { description: 'A hook `keep(pair) -> bool` that decides, pair by pair, what is kept.' },
    score: { description: 'A hook `score(candidate) -> float` whose value ranks candidates instead of the feedback measure.' },
  },
  properties: {
    strategy: Type.Optional(
      StringEnum(STRATEGIES, {
        description:
          '`best-vs-worst`: the best candidate against the worst; `best-vs-rest`: against every one below it; `all-pairs`: every candidate against every one below it.',
        default: 'best-vs-worst',
      }),
    ),
    min_delta: Type.Optional(Type.Number({ description: 'Smallest difference of values that makes a pair.', minimum: 0, default: 0.1 })),
    max_pairs_per_query: Type.Optional(Type.Integer({ description: 'Most pairs per query (the largest differences).', minimum: 1 })),
    ties: Type.Optional(
      StringEnum(TIES, {
        description:
          'When several candidates share the best (or worst) value: `first` (the first in pool order, then sample), `all` (each of them), `drop` (no pair for the query).',
        default: 'first',
      }),
    ),
    require_chosen_above_baseline: Type.Optional(
      Type.Boolean({ description: 'Keep a pair only if its chosen candidate beats the query alone.', default: false }),
    ),
  },
  outputs: { pairs: 'pairs', summary: 'pair-summary' },

  resolve: (_scope, decl) => ({
    own: {
      strategy: decl.strategy ?? 'best-vs-worst',
      min_delta: decl.min_delta ?? 0.1,
      max_pairs_per_query: decl.max_pairs_per_query ?? null,
      ties: decl.ties ?? 'first',
      require_chosen_above_baseline: decl.require_chosen_above_baseline ?? false,
    },
  }),

  async run(ctx) {
    const own = ctx.own;
    const candidates: Scored[] = (await readFeedback(ctx.input.feedback)).map((r, order) => ({ ...r, order }));
    const scoreHook = ctx.hooks.score;
    if (scoreHook) {
      const values = await hooks().call(
        scoreHook,
        candidates.map((c) => [
          { qid: c.qid, query: c.query, pool: c.pool, sample: c.sample, text: c.text, value: c.value, baseline: c.baseline },
        ]),
      );
      values.forEach((v, i) => {
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new Error(
            `hook ${scoreHook.name} returned ${JSON.stringify(v)} for candidate ${i + 1} (query ${candidates[i]?.qid}): score must return a number`,
          );
        (candidates[i] as Scored).value = v;
      });
    }
    const byQuery = new Map<string, Scored[]>();
    for (const c of candidates) {
      const list = byQuery.get(c.qid) ?? [];
      list.push(c);
      byQuery.set(c.qid, list);
    }
    const opts = {
      strategy: own.strategy,
      minDelta: own.min_delta,
      maxPairsPerQuery: own.max_pairs_per_query ?? undefined,
      ties: own.ties,
      requireChosenAboveBaseline: own.require_chosen_above_baseline,
    };
    let pairs: Pair[] = [];
    const reasons = new Map<string, number>();
    const withoutPair = new Map<string, number>();
    for (const list of byQuery.values()) {
      const r = pairsForQuery(list, opts);
      pairs.push(...r.pairs);
      for (const [k, n] of r.dropped) reasons.set(k, (reasons.get(k) ?? 0) + n);
      if (r.pairs.length === 0) {
        const why = [...r.dropped.keys()][0] ?? REASONS.belowMin;
        withoutPair.set(why, (withoutPair.get(why) ?? 0) + 1);
      }
    }
    const keepHook = ctx.hooks.keep;
    if (keepHook) {
      const keep = await hooks().call(
        keepHook,
        pairs.map((p) => [{ qid: p.qid, query: p.query, chosen: describe(p.chosen), rejected: describe(p.rejected), delta: p.delta }]),
      );
      const kept = pairs.filter((_, i) => keep[i] === true);
      if (kept.length < pairs.length) reasons.set(REASONS.hook, pairs.length - kept.length);
      pairs = kept;
    }
    const pools = [...new Set(candidates.map((c) => c.pool))];
    const bestPool = new Map(pools.map((p) => [p, 0]));
    for (const list of byQuery.values()) {
      const best = [...list].sort((a, b) => b.value - a.value || a.order - b.order)[0] as Scored;
      bestPool.set(best.pool, (bestPool.get(best.pool) ?? 0) + 1);
    }
    const summary: PairSummary = {
      queries: byQuery.size,
      candidates: candidates.length,
      pairs: pairs.length,
      queries_with_pairs: new Set(pairs.map((p) => p.qid)).size,
      queries_without_pair: Object.fromEntries(withoutPair),
      dropped: Object.fromEntries(reasons),
      delta_histogram: histogram(pairs.map((p) => p.delta)),
      chosen_by_pool: Object.fromEntries(pools.map((p) => [p, pairs.filter((x) => x.chosen.pool === p).length])),
      best_by_pool: Object.fromEntries(bestPool),
      settings: opts as unknown as Json,
    };
    ctx.log(
      `${pairs.length} pairs from ${summary.queries_with_pairs} of ${byQuery.size} queries (${own.strategy}, min_delta ${own.min_delta}); best candidate by pool: ${JSON.stringify(summary.best_by_pool)}`,
    );
    for (const [why, n] of reasons) ctx.log(`dropped (${why}): ${n}`);
    const path = join(ctx.tmpDir, 'pairs.jsonl');
    await writePairs(
      path,
      pairs.map(
        (p): PairRecord => ({
          qid: p.qid,
          query: p.query,
          chosen: describe(p.chosen),
          rejected: describe(p.rejected),
          delta: p.delta,
          baseline: p.chosen.baseline,
        }),
      ),
    );
    const summaryPath = join(ctx.tmpDir, 'summary.json');
    await writePairSummary(summaryPath, summary);
    return { pairs: { path, managed: true }, summary: { path: summaryPath, managed: true } };
  },
});
