import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../config/diagnostics.js';
import type { StageDecl } from '../config/types.js';
import { readQrels } from '../data/qrels.js';
import { readRun } from '../data/runs.js';
import { evaluateRun } from '../eval/evaluate-run.js';
import { MeasureError, parseIrMeasure } from '../eval/measure-spec.js';
import type { MetricRow } from '../store/store.js';
import { checkOutputRef, splitStageRef, stageInput } from './output-ref.js';
import type { Resolved, RunContext, StageKind, StageOutput } from './stage-kind.js';

interface EvaluateStage extends StageDecl {
  kind: 'evaluate';
  run: string;
  qrels: string;
  measures: string[];
  complete?: boolean;
  max_docs?: number;
}

/**
 * `evaluate`: a TREC run against qrels, with trec_eval's semantics, for measures named the
 * ir_measures way (`nDCG@10`, `AP(rel=2)@1000`). Per-query and aggregate values go to the
 * store's `metrics` table (run, dataset, qid, measure, value) and to `metrics.json`.
 */
export const evaluateStage: StageKind = {
  kind: 'evaluate',
  // 2: measures follow trec_eval 9.0.x (float scores) and ir_measures' providers exactly
  version: 2,

  refs(decl) {
    const s = decl as EvaluateStage;
    const out = [];
    if (typeof s.run === 'string') out.push({ stage: splitStageRef(s.run, 'run').stage, ptr: '/run' });
    if (typeof s.qrels === 'string') out.push({ stage: splitStageRef(s.qrels, 'qrels').stage, ptr: '/qrels' });
    return out;
  },

  check(scope, decl) {
    const s = decl as EvaluateStage;
    const out: Diagnostic[] = [];
    s.measures.forEach((m, i) => {
      try {
        parseIrMeasure(m);
      } catch (err) {
        if (!(err instanceof MeasureError)) throw err;
        out.push({
          pos: scope.map.locate(`${scope.ptr}/measures/${i}`),
          path: `stages.${scope.stageName}.measures[${i}]`,
          message: err.message,
        });
      }
    });
    out.push(...checkOutputRef(scope, 'run', s.run, 'run', '; write run: STAGE.OUTPUT'));
    out.push(...checkOutputRef(scope, 'qrels', s.qrels, 'qrels', '; write qrels: STAGE.OUTPUT'));
    return out;
  },

  outputs() {
    return ['metrics'];
  },

  resolve(scope, decl): Resolved {
    const s = decl as EvaluateStage;
    const run = splitStageRef(s.run, 'run');
    const qrels = splitStageRef(s.qrels, 'qrels');
    const dataset = scope.doc.stages[qrels.stage]?.dataset;
    return {
      own: {
        run: `${run.stage}.${run.output}`,
        qrels: `${qrels.stage}.${qrels.output}`,
        measures: s.measures,
        complete: s.complete ?? false,
        max_docs: s.max_docs ?? null,
        dataset: typeof dataset === 'string' ? dataset : qrels.stage,
      },
      uses: {},
      files: [],
      outputs: ['metrics'],
      publish: {},
    };
  },

  async run(ctx: RunContext): Promise<Record<string, StageOutput>> {
    const own = ctx.resolved.own as {
      run: string;
      qrels: string;
      measures: string[];
      complete: boolean;
      max_docs: number | null;
      dataset: string;
    };
    const runStage = splitStageRef(own.run, 'run').stage;
    const runPath = stageInput(ctx, own.run);
    const qrelsPath = stageInput(ctx, own.qrels);
    const specs = own.measures.map(parseIrMeasure);
    const [qrels, run] = await Promise.all([readQrels(qrelsPath), readRun(runPath)]);
    const result = evaluateRun(qrels, run, specs, { complete: own.complete, maxDocs: own.max_docs ?? undefined });
    if (result.qids.length === 0)
      throw new Error(`no query of ${runPath} is judged in ${qrelsPath}: check that the run and the qrels belong to the same dataset`);
    const rows: MetricRow[] = [];
    const row = (qid: string, measure: string, value: number) => rows.push({ run: runStage, dataset: own.dataset, qid, measure, value });
    for (const [i, qid] of result.qids.entries()) {
      for (const [j, s] of specs.entries()) row(qid, s.label, result.perQuery[i]?.[j] as number);
    }
    for (const [j, s] of specs.entries()) row('all', s.label, Number(result.all[j]));
    await ctx.store.replaceMetrics(ctx.fingerprint, rows);
    const summary = Object.fromEntries(specs.map((s, j) => [s.label, result.all[j]]));
    for (const [m, v] of Object.entries(summary)) ctx.log(`${m.padEnd(20)} ${typeof v === 'number' ? v.toFixed(4) : v}`);
    const path = join(ctx.tmpDir, 'metrics.json');
    await writeFile(
      path,
      `${JSON.stringify({ run: runStage, dataset: own.dataset, queries: result.qids.length, all: summary }, null, 2)}\n`,
    );
    return { metrics: { path, managed: true } };
  },
};
