import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { type FeedbackRecord, writeFeedback } from '../artifacts/feedback.js';
import { readGenerations } from '../artifacts/generations.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { readQrels } from '../data/qrels.js';
import { MeasureError, parseIrMeasure } from '../eval/measure-spec.js';
import { type Candidate, scoreCandidates, scoreQueries } from '../feedback/score-candidates.js';
import { IndexReader } from '../retrieval/index/read-index.js';
import type { FeedbackRow } from '../store/store.js';
import { defineStage, input, splitStageRef, uses } from './contract.js';
import { BM25_B, BM25_K1, FORMULATION, memoryBudgetOf, memoryBudgetRuntime } from './settings.js';

/** Candidates scored per search batch: each batch's rows are stored before the next starts. */
const CHUNK = 2000;

/**
 * `feedback`: every candidate expansion of a pool of generate stages, searched with BM25 in its
 * query's formulation (query2doc by default) and scored by a measure (default nDCG@10) against
 * the qrels; plus the same measure for the query alone (the baseline). Hits retrieved = the
 * measure's cutoff (1000 without one), so a value equals `qexp search --hits K` then `qexp eval`.
 * Rows go to the store batch by batch: an interrupted stage resumes where it stopped.
 */
export const feedbackStage = defineStage({
  kind: 'feedback',
  // 2: measures follow trec_eval 9.0.x (float scores) and ir_measures' providers exactly
  version: 2,
  title: 'Scores candidate expansions by retrieval.',
  description:
    "Retrieval feedback: every candidate expansion of a pool of generate stages, searched with BM25 in its query's formulation and scored by a measure against the qrels, next to the query alone. Output `feedback` (JSONL: qid, query, pool, sample, text, value, baseline).",
  inputs: {
    index: input({ accepts: 'index', output: 'index', description: 'An index stage (output `index`), or `STAGE.OUTPUT`.' }),
    qrels: input({ accepts: 'qrels', output: 'qrels', description: 'A stage with a `qrels` output (a dataset stage), or `STAGE.OUTPUT`.' }),
    pool: input({
      accepts: 'generations',
      output: 'generations',
      list: true,
      description: 'The candidates: generate stages (e.g. teacher zero-shot and teacher few-shot), or `STAGE.OUTPUT`.',
      hint: '; the pool lists generate stages',
    }),
  },
  settings: { k1: uses(BM25_K1), b: uses(BM25_B), formulation: uses(FORMULATION, { merge: true }) },
  properties: {
    measure: Type.Optional(
      Type.String({
        description: 'Measure named the ir_measures way; its cutoff is the number of hits retrieved (1000 without one).',
        default: 'nDCG@10',
      }),
    ),
  },
  outputs: { feedback: 'feedback' },

  check(scope, decl) {
    const out: Diagnostic[] = [];
    try {
      parseIrMeasure(decl.measure ?? 'nDCG@10');
    } catch (err) {
      if (!(err instanceof MeasureError)) throw err;
      out.push(scope.at('measure', err.message));
    }
    return out;
  },

  resolve: (scope, decl) => ({ own: { measure: decl.measure ?? 'nDCG@10' }, runtime: memoryBudgetRuntime(scope.doc) }),

  async run(ctx) {
    const { k1, b, formulation } = ctx.settings;
    const spec = parseIrMeasure(ctx.own.measure);
    const hits = spec.cutoff ?? 1000;
    const qrels = await readQrels(ctx.input.qrels);
    const all: Candidate[] = [];
    for (const [i, path] of ctx.input.pool.entries()) {
      const pool = splitStageRef(ctx.ref.pool[i] as string, 'generations').stage;
      for (const g of await readGenerations(path)) all.push({ ...g, pool });
    }
    const candidates = all.filter((c) => qrels.has(c.qid));
    if (candidates.length < all.length) ctx.log(`${all.length - candidates.length} candidates of unjudged queries are left out`);
    if (candidates.length === 0) throw new Error(`no candidate belongs to a query judged in ${ctx.input.qrels}`);

    const params = { k1, b, hits };
    const threads = availableParallelism();
    const shared = IndexReader.load(ctx.input.index, false, { memoryBudget: memoryBudgetOf(ctx), threads });
    const queries = new Map<string, string>();
    for (const c of candidates) if (!queries.has(c.qid)) queries.set(c.qid, c.query);
    ctx.step('scoring the queries without expansion');
    const baseline = await scoreQueries(shared, params, queries, qrels, spec, threads);

    const key = (c: { qid: string; pool: string; sample: number }) => `${c.pool}\u0000${c.qid}\u0000${c.sample}`;
    const done = new Map((await ctx.store.feedback(ctx.fingerprint)).map((r) => [key(r), r]));
    if (done.size > 0) ctx.log(`resuming: ${done.size} candidates were scored before`);
    const todo = candidates.filter((c) => !done.has(key(c)));
    const t0 = Date.now();
    ctx.progress(done.size, candidates.length, 'candidates');
    for (let i = 0; i < todo.length; i += CHUNK) {
      if (ctx.signal.aborted) throw new Error('interrupted');
      const chunk = todo.slice(i, i + CHUNK);
      const values = await scoreCandidates(shared, params, chunk, qrels, spec, formulation, threads, (n) =>
        ctx.progress(done.size + n, candidates.length, 'candidates'),
      );
      const rows: FeedbackRow[] = chunk.map((c, j) => ({
        qid: c.qid,
        pool: c.pool,
        sample: c.sample,
        value: values[j] as number,
        baseline: baseline.get(c.qid) as number,
      }));
      await ctx.store.appendFeedback(ctx.fingerprint, rows);
      for (const r of rows) done.set(key(r), r);
    }
    const secs = (Date.now() - t0) / 1000;
    ctx.log(
      `${todo.length} candidates scored in ${secs.toFixed(1)} s (${(todo.length / Math.max(secs, 1e-9)).toFixed(0)}/s on ${threads} threads)`,
    );

    const path = join(ctx.tmpDir, 'feedback.jsonl');
    const scored = (c: Candidate): FeedbackRecord => {
      const r = done.get(key(c)) as FeedbackRow;
      return { ...c, value: r.value, baseline: r.baseline };
    };
    await writeFeedback(path, candidates.map(scored));
    for (const name of ctx.ref.pool.map((r) => splitStageRef(r, 'generations').stage)) {
      const vals = candidates.filter((c) => c.pool === name).map((c) => scored(c).value);
      ctx.log(
        `${name}: ${vals.length} candidates, mean ${spec.label} ${(vals.reduce((a, v) => a + v, 0) / Math.max(vals.length, 1)).toFixed(4)}`,
      );
    }
    const base = [...baseline.values()];
    ctx.log(`query alone (${queries.size} queries): mean ${spec.label} ${(base.reduce((a, v) => a + v, 0) / base.length).toFixed(4)}`);
    return { feedback: { path, managed: true } };
  },
});
