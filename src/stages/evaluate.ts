import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { writeMetricsSummary } from '../artifacts/metrics.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { readQrels } from '../data/qrels.js';
import { readRun } from '../data/runs.js';
import { evaluateRun } from '../eval/evaluate-run.js';
import { MeasureError, parseIrMeasure } from '../eval/measure-spec.js';
import type { MetricRow } from '../store/store.js';
import { defineStage, input, splitStageRef } from './contract.js';

/**
 * `evaluate`: a TREC run against qrels, with trec_eval's semantics, for measures named the
 * ir_measures way (`nDCG@10`, `AP(rel=2)@1000`). Per-query and aggregate values go to the
 * store's `metrics` table (run, dataset, qid, measure, value) and to `metrics.json`.
 */
export const evaluateStage = defineStage({
  kind: 'evaluate',
  // 2: measures follow trec_eval 9.0.x (float scores) and ir_measures' providers exactly
  version: 2,
  title: 'Evaluates a run.',
  description:
    "Evaluates a TREC run against qrels with trec_eval's semantics. Per-query and aggregate values are stored in the `metrics` table; the output `metrics` is a JSON summary.",
  inputs: {
    run: input({
      accepts: 'run',
      output: 'run',
      description: 'Stage whose output `run` is the TREC run, or `STAGE.OUTPUT`.',
      hint: '; write run: STAGE.OUTPUT',
    }),
    qrels: input({
      accepts: 'qrels',
      output: 'qrels',
      description: 'Stage whose output `qrels` holds the judgments (a dataset stage), or `STAGE.OUTPUT`.',
      hint: '; write qrels: STAGE.OUTPUT',
    }),
  },
  properties: {
    measures: Type.Array(Type.String({ minLength: 1 }), {
      description:
        'Measures named the ir_measures way: `nDCG@10`, `AP(rel=2)@1000`, `R(rel=2)@1000`, `RR(rel=2)@10`, `P@10`, `Rprec`, `Bpref`, `Success@10`, `NumRet`, `NumRel`, `NumRelRet`, `NumQ`.',
      minItems: 1,
      uniqueItems: true,
    }),
    complete: Type.Optional(
      Type.Boolean({
        description: 'Average over every judged query, a query missing from the run scoring 0 (trec_eval -c).',
        default: false,
      }),
    ),
    max_docs: Type.Optional(
      Type.Integer({ description: 'Evaluate only the first N documents of each ranking (trec_eval -M).', minimum: 1 }),
    ),
  },
  required: ['measures'],
  outputs: { metrics: 'metrics' },

  check(scope, decl) {
    const out: Diagnostic[] = [];
    decl.measures.forEach((m, i) => {
      try {
        parseIrMeasure(m);
      } catch (err) {
        if (!(err instanceof MeasureError)) throw err;
        out.push(scope.at(`measures/${i}`, err.message));
      }
    });
    return out;
  },

  resolve(scope, decl) {
    const qrels = splitStageRef(decl.qrels, 'qrels');
    const dataset = scope.doc.stages[qrels.stage]?.dataset;
    return {
      own: {
        measures: decl.measures,
        complete: decl.complete ?? false,
        max_docs: decl.max_docs ?? null,
        dataset: typeof dataset === 'string' ? dataset : qrels.stage,
      },
    };
  },

  async run(ctx) {
    const runStage = splitStageRef(ctx.ref.run, 'run').stage;
    const { dataset } = ctx.own;
    const specs = ctx.own.measures.map(parseIrMeasure);
    const [qrels, run] = await Promise.all([readQrels(ctx.input.qrels), readRun(ctx.input.run)]);
    const result = evaluateRun(qrels, run, specs, { complete: ctx.own.complete, maxDocs: ctx.own.max_docs ?? undefined });
    if (result.qids.length === 0)
      throw new Error(
        `no query of ${ctx.input.run} is judged in ${ctx.input.qrels}: check that the run and the qrels belong to the same dataset`,
      );
    const rows: MetricRow[] = [];
    const row = (qid: string, measure: string, value: number) => rows.push({ run: runStage, dataset, qid, measure, value });
    for (const [i, qid] of result.qids.entries()) {
      for (const [j, s] of specs.entries()) row(qid, s.label, result.perQuery[i]?.[j] as number);
    }
    for (const [j, s] of specs.entries()) row('all', s.label, Number(result.all[j]));
    await ctx.store.replaceMetrics(ctx.fingerprint, rows);
    const summary = Object.fromEntries(specs.map((s, j) => [s.label, result.all[j] as number | string]));
    for (const [m, v] of Object.entries(summary)) ctx.log(`${m.padEnd(20)} ${typeof v === 'number' ? v.toFixed(4) : v}`);
    const path = join(ctx.tmpDir, 'metrics.json');
    await writeMetricsSummary(path, { run: runStage, dataset, queries: result.qids.length, all: summary });
    return { metrics: { path, managed: true } };
  },
});
