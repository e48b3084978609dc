import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from '../config/diagnostics.js';
import type { Formulation, StageDecl } from '../config/types.js';
import { DataError } from '../data/data-error.js';
import { readQrels } from '../data/qrels.js';
import { MeasureError, parseIrMeasure } from '../eval/measure-spec.js';
import { type Candidate, scoreCandidates, scoreQueries } from '../feedback/score-candidates.js';
import { IndexReader } from '../retrieval/index/read-index.js';
import type { FeedbackRow } from '../store/store.js';
import { byteSize } from '../util/byte-size.js';
import { checkOutputRef, memoryBudgetOf, splitStageRef, stageInput } from './output-ref.js';
import type { Json, Resolved, RunContext, StageKind, StageOutput } from './stage-kind.js';

interface FeedbackStage extends StageDecl {
  kind: 'feedback';
  index: string;
  qrels: string;
  pool: string[];
  measure: string;
  formulation?: Partial<Formulation>;
  k1?: number;
  b?: number;
}

/** The generations a generate stage wrote (its `generations` output), with file:line for bad records. */
export function readGenerations(path: string, pool: string): Candidate[] {
  const out: Candidate[] = [];
  readFileSync(path, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return;
      let r: { qid?: unknown; query?: unknown; sample?: unknown; text?: unknown };
      try {
        r = JSON.parse(line);
      } catch (err) {
        throw new DataError(path, i + 1, `invalid JSON: ${(err as Error).message}`);
      }
      if (typeof r.qid !== 'string' || typeof r.query !== 'string' || typeof r.sample !== 'number' || typeof r.text !== 'string')
        throw new DataError(path, i + 1, 'expected qid, query, sample and text (a generate stage output)');
      out.push({ qid: r.qid, query: r.query, pool, sample: r.sample, text: r.text });
    });
  return out;
}

/** Candidates scored per search batch: each batch's rows are stored before the next starts. */
const CHUNK = 2000;

/**
 * `feedback`: every candidate expansion of a pool of generate stages, searched with BM25 in its
 * query's formulation (query2doc by default) and scored by a measure (default nDCG@10) against
 * the qrels; plus the same measure for the query alone (the baseline). Hits retrieved = the
 * measure's cutoff (1000 without one), so a value equals `qexp search --hits K` then `qexp eval`.
 * Rows go to the store batch by batch: an interrupted stage resumes where it stopped.
 */
export const feedbackStage: StageKind = {
  kind: 'feedback',
  version: 1,

  refs(decl) {
    const s = decl as FeedbackStage;
    const out = [];
    if (typeof s.index === 'string') out.push({ stage: splitStageRef(s.index, 'index').stage, ptr: '/index' });
    if (typeof s.qrels === 'string') out.push({ stage: splitStageRef(s.qrels, 'qrels').stage, ptr: '/qrels' });
    if (Array.isArray(s.pool))
      s.pool.forEach((p, i) => {
        if (typeof p === 'string') out.push({ stage: splitStageRef(p, 'generations').stage, ptr: `/pool/${i}` });
      });
    return out;
  },

  check(scope, decl) {
    const s = decl as FeedbackStage;
    const out: Diagnostic[] = [];
    try {
      parseIrMeasure(s.measure);
    } catch (err) {
      if (!(err instanceof MeasureError)) throw err;
      out.push({ pos: scope.map.locate(`${scope.ptr}/measure`), path: `stages.${scope.stageName}.measure`, message: err.message });
    }
    out.push(...checkOutputRef(scope, 'index', s.index, 'index'));
    out.push(...checkOutputRef(scope, 'qrels', s.qrels, 'qrels'));
    for (const [i, p] of s.pool.entries())
      out.push(...checkOutputRef(scope, `pool/${i}`, p, 'generations', '; the pool lists generate stages'));
    return out;
  },

  outputs() {
    return ['feedback'];
  },

  resolve(scope, decl): Resolved {
    const s = decl as FeedbackStage;
    const r = scope.doc.retrieval;
    const uses: Resolved['uses'] = {};
    if (s.k1 === undefined) uses['retrieval.bm25.k1'] = r.bm25.k1;
    if (s.b === undefined) uses['retrieval.bm25.b'] = r.bm25.b;
    if (s.formulation === undefined) uses['retrieval.formulation'] = r.formulation as unknown as Json;
    const ref = (x: string, o: string) => {
      const p = splitStageRef(x, o);
      return `${p.stage}.${p.output}`;
    };
    return {
      own: {
        index: ref(s.index, 'index'),
        qrels: ref(s.qrels, 'qrels'),
        pool: s.pool.map((p) => ref(p, 'generations')),
        measure: s.measure,
        k1: s.k1 ?? null,
        b: s.b ?? null,
        formulation: s.formulation ? ({ ...r.formulation, ...s.formulation } as unknown as Json) : null,
      },
      uses,
      files: [],
      outputs: ['feedback'],
      publish: {},
      runtime: { memory_budget: byteSize(r.memory_budget) ?? null },
    };
  },

  async run(ctx: RunContext): Promise<Record<string, StageOutput>> {
    const own = ctx.resolved.own as {
      index: string;
      qrels: string;
      pool: string[];
      measure: string;
      k1: number | null;
      b: number | null;
      formulation: Formulation | null;
    };
    const uses = ctx.resolved.uses as Record<string, unknown>;
    const k1 = own.k1 ?? (uses['retrieval.bm25.k1'] as number);
    const b = own.b ?? (uses['retrieval.bm25.b'] as number);
    const formulation = own.formulation ?? (uses['retrieval.formulation'] as Formulation);
    const spec = parseIrMeasure(own.measure);
    const hits = spec.cutoff ?? 1000;
    const qrels = await readQrels(stageInput(ctx, own.qrels));
    const all = own.pool.flatMap((p) => readGenerations(stageInput(ctx, p), splitStageRef(p, 'generations').stage));
    const candidates = all.filter((c) => qrels.has(c.qid));
    if (candidates.length < all.length) ctx.log(`${all.length - candidates.length} candidates of unjudged queries are left out`);
    if (candidates.length === 0) throw new Error(`no candidate belongs to a query judged in ${stageInput(ctx, own.qrels)}`);

    const params = { k1, b, hits };
    const threads = availableParallelism();
    const shared = IndexReader.load(stageInput(ctx, own.index), false, { memoryBudget: memoryBudgetOf(ctx), threads });
    const queries = new Map<string, string>();
    for (const c of candidates) if (!queries.has(c.qid)) queries.set(c.qid, c.query);
    const baseline = await scoreQueries(shared, params, queries, qrels, spec, threads);

    const key = (c: { qid: string; pool: string; sample: number }) => `${c.pool}\u0000${c.qid}\u0000${c.sample}`;
    const done = new Map((await ctx.store.feedback(ctx.fingerprint)).map((r) => [key(r), r]));
    if (done.size > 0) ctx.log(`resuming: ${done.size} candidates were scored before`);
    const todo = candidates.filter((c) => !done.has(key(c)));
    const t0 = Date.now();
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
    const lines = candidates.map((c) => {
      const r = done.get(key(c)) as FeedbackRow;
      return `${JSON.stringify({ qid: c.qid, query: c.query, pool: c.pool, sample: c.sample, text: c.text, value: r.value, baseline: r.baseline })}\n`;
    });
    await writeFile(path, lines.join(''));
    for (const p of own.pool) {
      const name = splitStageRef(p, 'generations').stage;
      const vals = candidates.filter((c) => c.pool === name).map((c) => (done.get(key(c)) as FeedbackRow).value);
      ctx.log(
        `${name}: ${vals.length} candidates, mean ${spec.label} ${(vals.reduce((a, v) => a + v, 0) / Math.max(vals.length, 1)).toFixed(4)}`,
      );
    }
    const base = [...baseline.values()];
    ctx.log(`query alone (${queries.size} queries): mean ${spec.label} ${(base.reduce((a, v) => a + v, 0) / base.length).toFixed(4)}`);
    return { feedback: { path, managed: true } };
  },
};
