import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StageDecl } from '../config/types.js';
import { DataError } from '../data/data-error.js';
import { histogram, type Pair, pairsForQuery, REASONS, type Scored } from '../feedback/select-pairs.js';
import { hooks } from '../hooks/hook-runtime.js';
import { checkHookRef, hookOf, resolveHook } from './hook-ref.js';
import { checkOutputRef, splitStageRef, stageInput } from './output-ref.js';
import type { Json, Resolved, RunContext, StageKind, StageOutput } from './stage-kind.js';

interface PairsStage extends StageDecl {
  kind: 'pairs';
  feedback: string;
  strategy: 'best-vs-worst' | 'best-vs-rest' | 'all-pairs';
  min_delta: number;
  max_pairs_per_query?: number;
  ties: 'first' | 'all' | 'drop';
  require_chosen_above_baseline: boolean;
  keep?: string;
  score?: string;
}

/** A feedback stage's output: every candidate with its value and its query's baseline, in feedback order. */
export function readFeedback(path: string): Scored[] {
  const out: Scored[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let r: Record<string, unknown>;
      try {
        r = JSON.parse(line);
      } catch (err) {
        throw new DataError(path, i + 1, `invalid JSON: ${(err as Error).message}`);
      }
      if (typeof r.qid !== 'string' || typeof r.text !== 'string' || typeof r.value !== 'number' || typeof r.baseline !== 'number')
        throw new DataError(path, i + 1, 'expected a feedback record (qid, query, pool, sample, text, value, baseline)');
      out.push({
        qid: r.qid,
        query: String(r.query),
        pool: String(r.pool),
        sample: Number(r.sample),
        text: r.text,
        value: r.value,
        baseline: r.baseline,
        order: out.length,
      });
    });
  return out;
}

const describe = (c: Scored) => ({ pool: c.pool, sample: c.sample, text: c.text, value: c.value });

/**
 * `pairs`: chosen/rejected pairs per query from a feedback stage (`select-pairs.ts` says how).
 * Optional hooks: `score(candidate)` re-ranks candidates, `keep(pair)` filters pairs. Outputs
 * `pairs` (JSONL: qid, query, chosen, rejected, delta, baseline) and `summary`: pair counts,
 * the Δ histogram, how often each pool wins, and the queries without a pair, by reason.
 */
export const pairsStage: StageKind = {
  kind: 'pairs',
  version: 1,

  refs(decl) {
    const s = decl as PairsStage;
    return typeof s.feedback === 'string' ? [{ stage: splitStageRef(s.feedback, 'feedback').stage, ptr: '/feedback' }] : [];
  },

  check(scope, decl) {
    const s = decl as PairsStage;
    return [
      ...checkOutputRef(scope, 'feedback', s.feedback, 'feedback'),
      ...checkHookRef(scope, 'keep', s.keep),
      ...checkHookRef(scope, 'score', s.score),
    ];
  },

  outputs() {
    return ['pairs', 'summary'];
  },

  resolve(scope, decl): Resolved {
    const s = decl as PairsStage;
    const f = splitStageRef(s.feedback, 'feedback');
    const r: Resolved = {
      own: {
        feedback: `${f.stage}.${f.output}`,
        strategy: s.strategy,
        min_delta: s.min_delta,
        max_pairs_per_query: s.max_pairs_per_query ?? null,
        ties: s.ties,
        require_chosen_above_baseline: s.require_chosen_above_baseline,
        keep: s.keep ?? null,
        score: s.score ?? null,
      },
      uses: {},
      files: [],
      outputs: ['pairs', 'summary'],
      publish: {},
    };
    resolveHook(scope, s.keep, r);
    resolveHook(scope, s.score, r);
    return r;
  },

  async run(ctx: RunContext): Promise<Record<string, StageOutput>> {
    const own = ctx.resolved.own as {
      feedback: string;
      strategy: PairsStage['strategy'];
      min_delta: number;
      max_pairs_per_query: number | null;
      ties: PairsStage['ties'];
      require_chosen_above_baseline: boolean;
      keep: string | null;
      score: string | null;
    };
    const candidates = readFeedback(stageInput(ctx, own.feedback));
    const scoreHook = hookOf(ctx, own.score);
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
            `hook ${own.score} returned ${JSON.stringify(v)} for candidate ${i + 1} (query ${candidates[i]?.qid}): score must return a number`,
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
    const keepHook = hookOf(ctx, own.keep);
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
    const summary = {
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
    await writeFile(
      path,
      pairs
        .map(
          (p) =>
            `${JSON.stringify({ qid: p.qid, query: p.query, chosen: describe(p.chosen), rejected: describe(p.rejected), delta: p.delta, baseline: p.chosen.baseline })}\n`,
        )
        .join(''),
    );
    const summaryPath = join(ctx.tmpDir, 'summary.json');
    await writeFile(summaryPath, `${JSON.stringify(summary, null, 2)}\n`);
    return { pairs: { path, managed: true }, summary: { path: summaryPath, managed: true } };
  },
};
