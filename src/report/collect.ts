import { readFileSync } from 'node:fs';
import type { ExperimentDoc } from '../config/types.js';
import { type Dag, topoStages } from '../dag/build-dag.js';
import type { Store } from '../store/store.js';
import type { Cell, ReportData, ReportRow, RowCost, Series } from './report-data.js';

/** `report:` in an experiment, with the schema's defaults filled in. */
export interface ReportDecl {
  title?: string;
  rows?: Record<string, string | string[]>;
  measures?: string[];
  dataset_measures?: Record<string, string[]>;
  baseline?: string;
  teacher?: string;
  student?: string;
  test: 't-test' | 'randomization';
  alpha: number;
  formats: ('md' | 'csv' | 'latex' | 'json' | 'html')[];
  out?: string;
  plot_axis?: string;
}

export function reportDecl(doc: ExperimentDoc): ReportDecl {
  return { test: 't-test', alpha: 0.05, formats: ['md', 'html'], ...(doc.report as Partial<ReportDecl> | undefined) };
}

/** The declared rows (name → evaluate stages), or one row per evaluate stage in the DAG's order. */
function declaredRows(doc: ExperimentDoc): { name: string; stages: string[] }[] {
  const rows = reportDecl(doc).rows;
  if (rows) return Object.entries(rows).map(([name, s]) => ({ name, stages: typeof s === 'string' ? [s] : s }));
  return topoStages(doc)
    .filter((s) => doc.stages[s]?.kind === 'evaluate')
    .map((s) => ({ name: s, stages: [s] }));
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
/** A plot's x: numbers stay numbers, anything else (a list of pools) is shown as text. */
const axisValue = (v: unknown): number | string => (typeof v === 'number' ? v : show(v));

/**
 * Gathers what the report shows from the store, for the DAG built from the experiment file:
 * each declared row once per distinct result across the ablation variants (a row whose stages
 * do not depend on an axis is shown once), the evaluate stages' stored values, and the cost of
 * the generate stages whose expansions the row's runs used.
 */
export async function collectReport(dag: Dag, store: Store): Promise<ReportData> {
  const exp = dag.experiment;
  const doc = exp.doc;
  const decl = reportDecl(doc);
  const fpOf = new Map(dag.variantStages.map((v) => [`${v.variant}\u0000${v.stage}`, v.fingerprint]));
  const fingerprintOf = (variant: string, stage: string) => fpOf.get(`${variant}\u0000${stage}`);
  const settingsOf = new Map(exp.variants.map((v) => [v.name, new Map(v.overrides.map((o) => [o.axis, o.value]))]));
  const axes = exp.variants[0]?.overrides.map((o) => o.axis) ?? [];
  const done = await store.stagesByFingerprint([...dag.nodes.keys()]);
  const isDone = (fp: string) => done.get(fp)?.status === 'done';
  const missing = new Set<string>();
  // rows and their variant groups often share evaluate stages: each stage's values are read once
  const metricsOf = new Map<string, ReturnType<Store['metrics']>>();
  const metrics = (fp: string) => {
    let m = metricsOf.get(fp);
    if (!m) metricsOf.set(fp, (m = store.metrics(fp)));
    return m;
  };

  const rows: ReportRow[] = [];
  for (const { name, stages } of declaredRows(doc)) {
    // variants with the same fingerprints show the same numbers: one row for them
    const groups = new Map<string, string[]>();
    for (const v of exp.variants) {
      const key = stages.map((s) => fingerprintOf(v.name, s) ?? '').join(',');
      groups.set(key, [...(groups.get(key) ?? []), v.name]);
    }
    const common = [...groups.values()].map((vs) => {
      const out: Record<string, unknown> = {};
      for (const a of axes) {
        const values = vs.map((v) => settingsOf.get(v)?.get(a));
        if (values.every((x) => JSON.stringify(x) === JSON.stringify(values[0]))) out[a] = values[0];
      }
      return out;
    });
    // an axis tells the row's groups apart when they differ on it
    const telling = axes.filter((a) => new Set(common.map((c) => (a in c ? JSON.stringify(c[a]) : '*'))).size > 1);
    for (const [g, [key, variants]] of [...groups].entries()) {
      const settings = common[g] as Record<string, unknown>;
      const parts = telling.filter((a) => a in settings).map((a) => `${a}=${show(settings[a])}`);
      const cells = new Map<string, Map<string, Cell>>();
      const fps = key.split(',');
      const generateFps = new Set<string>();
      for (const [i, fp] of fps.entries()) {
        if (!fp || !isDone(fp)) {
          missing.add(stages[i] as string);
          continue;
        }
        for (const m of await metrics(fp)) {
          const byMeasure = cells.get(m.dataset) ?? new Map<string, Cell>();
          cells.set(m.dataset, byMeasure);
          const cell = byMeasure.get(m.measure) ?? { mean: Number.NaN, perQuery: new Map<string, number>() };
          byMeasure.set(m.measure, cell);
          if (m.qid === 'all') cell.mean = m.value;
          else cell.perQuery.set(m.qid, m.value);
        }
        for (const gen of generateInputs(dag, fp)) generateFps.add(gen);
      }
      rows.push({
        name,
        label: parts.length ? `${name} [${parts.join(', ')}]` : name,
        variants,
        settings,
        cells,
        cost: await costOf(store, [...generateFps]),
      });
    }
  }

  const datasets = [...new Set(rows.flatMap((r) => [...r.cells.keys()]))];
  const measures = decl.measures ?? [...new Set(rows.flatMap((r) => [...r.cells.values()].flatMap((m) => [...m.keys()])))];
  const measuresByDataset = Object.fromEntries(datasets.map((d) => [d, decl.dataset_measures?.[d] ?? measures]));
  const labelOf = (name: string | undefined) => {
    if (!name) return null;
    const r = rows.find((x) => x.name === name || x.label === name);
    return r ? r.label : null;
  };
  const axis = decl.plot_axis ?? axes.find((a) => /min_delta/.test(a)) ?? axes[0] ?? null;
  return {
    experiment: doc.name,
    title: decl.title ?? doc.description ?? doc.name,
    datasets,
    measures,
    measuresByDataset,
    rows,
    baseline: labelOf(decl.baseline),
    teacher: labelOf(decl.teacher),
    student: labelOf(decl.student),
    test: decl.test,
    alpha: decl.alpha,
    seed: doc.seed,
    axis,
    measureCurves: axis ? measureCurves(rows, axis, datasets[0], measures[0]) : [],
    pairCurves: axis ? await pairCurves(dag, store, axis, fingerprintOf, isDone) : [],
    training: await trainingCurves(dag, store, isDone),
    missing: [...missing],
  };
}

/** Generate stages whose expansions the evaluated run used: evaluate ← retrieve ← generate. */
function generateInputs(dag: Dag, evaluateFp: string): string[] {
  const out: string[] = [];
  for (const runFp of Object.values(dag.nodes.get(evaluateFp)?.inputs ?? {})) {
    for (const fp of Object.values(dag.nodes.get(runFp)?.inputs ?? {})) if (dag.nodes.get(fp)?.kind === 'generate') out.push(fp);
  }
  return out;
}

async function costOf(store: Store, fps: string[]): Promise<RowCost | null> {
  const stats: Record<string, unknown>[] = [];
  for (const fp of fps) {
    const s = (await store.generationStats(fp)) as Record<string, unknown> | undefined;
    if (s && typeof s.completion_tokens_per_query === 'number') stats.push(s);
  }
  if (stats.length === 0) return null;
  const mean = (k: string) => stats.reduce((a, s) => a + Number(s[k] ?? 0), 0) / stats.length;
  return {
    tokens_per_query: mean('completion_tokens_per_query'),
    cost_per_1k_usd: mean('cost_per_1000_queries_usd'),
    latency_p50_ms: mean('latency_p50_ms'),
  };
}

function measureCurves(rows: ReportRow[], axis: string, dataset: string | undefined, measure: string | undefined): Series[] {
  if (!dataset || !measure) return [];
  const series = new Map<string, Series>();
  for (const r of rows) {
    if (!(axis in r.settings)) continue;
    const y = r.cells.get(dataset)?.get(measure)?.mean;
    if (y === undefined || Number.isNaN(y)) continue;
    const rest = Object.entries(r.settings)
      .filter(([a]) => a !== axis)
      .map(([a, v]) => `${a}=${show(v)}`);
    const name = `${r.name}${rest.length && r.label !== r.name ? ` [${rest.join(', ')}]` : ''}`;
    const s = series.get(name) ?? { name, points: [] };
    series.set(name, s);
    s.points.push({ x: axisValue(r.settings[axis]), y });
  }
  // a curve needs two points
  return [...series.values()].filter((s) => s.points.length > 1);
}

async function pairCurves(
  dag: Dag,
  store: Store,
  axis: string,
  fingerprintOf: (variant: string, stage: string) => string | undefined,
  isDone: (fp: string) => boolean,
): Promise<Series[]> {
  const out: Series[] = [];
  const exp = dag.experiment;
  for (const [stage, decl] of Object.entries(exp.doc.stages)) {
    if (decl.kind !== 'pairs') continue;
    const points: Series['points'] = [];
    for (const v of exp.variants) {
      const value = v.overrides.find((o) => o.axis === axis)?.value;
      const fp = fingerprintOf(v.name, stage);
      if (value === undefined || !fp || !isDone(fp)) continue;
      // one point per axis value: variants that differ on other axes only repeat it
      const x = axisValue(value);
      if (points.some((p) => p.x === x)) continue;
      const summary = (await store.artifacts([fp])).find((a) => a.name === 'summary');
      if (!summary) continue;
      points.push({ x, y: (JSON.parse(readFileSync(summary.path, 'utf8')) as { pairs: number }).pairs });
    }
    if (points.length > 1) out.push({ name: stage, points });
  }
  return out;
}

async function trainingCurves(dag: Dag, store: Store, isDone: (fp: string) => boolean): Promise<ReportData['training']> {
  const out: ReportData['training'] = [];
  const seen = new Set<string>();
  for (const vs of dag.variantStages) {
    if (dag.nodes.get(vs.fingerprint)?.kind !== 'train' || seen.has(vs.fingerprint) || !isDone(vs.fingerprint)) continue;
    seen.add(vs.fingerprint);
    const byName = new Map<string, { x: number; y: number }[]>();
    for (const m of await store.trainMetrics(vs.fingerprint)) {
      const points = byName.get(m.name) ?? [];
      byName.set(m.name, points);
      points.push({ x: m.step, y: m.value });
    }
    const label = dag.experiment.variants.length > 1 ? `${vs.stage} (${vs.fingerprint.slice(0, 8)})` : vs.stage;
    for (const [name, points] of byName) out.push({ stage: label, name, points });
  }
  return out;
}
