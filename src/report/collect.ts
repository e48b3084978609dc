import { readFileSync } from 'node:fs';
import type { Experiment, ExperimentDoc } from '../config/types.js';
import { type Dag, topoStages } from '../dag/build-dag.js';
import type { Store } from '../store/store.js';
import type { Cell, ReportData, ReportRow, RowCost, RowSource, Series, TrainingCurve } from './report-data.js';

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
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const settingsText = (s: Record<string, unknown>, axes: string[]) => axes.filter((a) => a in s).map((a) => `${a}=${show(s[a])}`);

type FingerprintOf = (variant: string, stage: string) => string | undefined;

/** Variants with the same fingerprints for some stages (the same results), the settings they share, and a label. */
interface VariantGroup {
  fps: string[];
  variants: string[];
  settings: Record<string, unknown>;
  /** `name`, then the settings that tell this group apart from the others: `Student [pairs.min_delta=0.1]`. */
  label: string;
}

/** Groups the experiment's variants by the fingerprints of `stages`; an axis names a group in its label when the groups differ on it. */
function groupVariants(exp: Experiment, fingerprintOf: FingerprintOf, stages: string[], name: string): VariantGroup[] {
  const axes = exp.variants[0]?.overrides.map((o) => o.axis) ?? [];
  const settingsOf = new Map(exp.variants.map((v) => [v.name, new Map(v.overrides.map((o) => [o.axis, o.value]))]));
  const groups = new Map<string, string[]>();
  for (const v of exp.variants) {
    const key = stages.map((s) => fingerprintOf(v.name, s) ?? '').join(',');
    groups.set(key, [...(groups.get(key) ?? []), v.name]);
  }
  const common = [...groups.values()].map((vs) => {
    const out: Record<string, unknown> = {};
    for (const a of axes) {
      const values = vs.map((v) => settingsOf.get(v)?.get(a));
      if (values.every((x) => same(x, values[0]))) out[a] = values[0];
    }
    return out;
  });
  const telling = axes.filter((a) => new Set(common.map((c) => (a in c ? JSON.stringify(c[a]) : '*'))).size > 1);
  return [...groups].map(([key, variants], g) => {
    const settings = common[g] as Record<string, unknown>;
    const parts = settingsText(settings, telling);
    return { fps: key.split(','), variants, settings, label: parts.length ? `${name} [${parts.join(', ')}]` : name };
  });
}

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
  const axes = exp.variants[0]?.overrides.map((o) => o.axis) ?? [];
  const records = await store.stagesByFingerprint([...dag.nodes.keys()]);
  const isDone = (fp: string) => records.get(fp)?.status === 'done';
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
    for (const group of groupVariants(exp, fingerprintOf, stages, name)) {
      const cells = new Map<string, Map<string, Cell>>();
      const sources: RowSource[] = [];
      const generateFps = new Set<string>();
      for (const [i, fp] of group.fps.entries()) {
        const stage = stages[i] as string;
        const own = (dag.nodes.get(fp)?.resolved.own ?? {}) as { dataset?: unknown; measures?: unknown };
        const done = Boolean(fp) && isDone(fp);
        sources.push({
          stage,
          dataset: typeof own.dataset === 'string' ? own.dataset : '',
          measures: Array.isArray(own.measures) ? own.measures.map((m) => String(m).trim()) : [],
          done,
        });
        if (!done) {
          missing.add(stage);
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
        label: group.label,
        variants: group.variants,
        settings: group.settings,
        cells,
        cost: await costOf(dag, store, [...generateFps]),
        sources,
      });
    }
  }

  // the columns: what the evaluate stages declare (known before anything has run), then anything stored
  const declared = new Map<string, string[]>();
  const add = (d: string, ms: Iterable<string>) => {
    const list = declared.get(d) ?? [];
    declared.set(d, list);
    for (const m of ms) if (!list.includes(m)) list.push(m);
  };
  for (const r of rows) for (const s of r.sources ?? []) if (s.dataset) add(s.dataset, s.measures);
  for (const r of rows) for (const [d, byMeasure] of r.cells) add(d, byMeasure.keys());
  const datasets = [...declared.keys()];
  const measures = decl.measures ?? [...new Set([...declared.values()].flat())];
  const measuresByDataset = Object.fromEntries(
    datasets.map((d) => [d, decl.dataset_measures?.[d] ?? decl.measures ?? (declared.get(d) as string[])]),
  );
  const labelOf = (name: string | undefined) => {
    if (!name) return null;
    const r = rows.find((x) => x.name === name || x.label === name);
    return r ? r.label : null;
  };
  // a row name stands for each of its ablation settings; a label for itself
  const labelsOf = (name: string | undefined) =>
    !name ? [] : rows.some((r) => r.label === name) ? [name] : rows.filter((r) => r.name === name).map((r) => r.label);
  const axis = decl.plot_axis ?? axes.find((a) => /min_delta/.test(a)) ?? axes[0] ?? null;
  const notDrawn: string[] = [];
  const pairs = axis ? await pairCurves(dag, store, axis, fingerprintOf, isDone, notDrawn) : [];
  const curves = axis ? measureCurves(rows, axis, axes, datasets, measuresByDataset, notDrawn) : [];
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
    baselines: labelsOf(decl.baseline),
    teachers: labelsOf(decl.teacher),
    students: labelsOf(decl.student),
    test: decl.test,
    alpha: decl.alpha,
    seed: doc.seed,
    axis,
    measureCurves: curves,
    pairCurves: pairs,
    training: await trainingCurves(dag, store, fingerprintOf, records, notDrawn),
    notDrawn,
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

type Price = { input_per_million: number; output_per_million: number };

/**
 * How a generate stage's dollars are known: from the price its model declares (applied to the
 * stored token counts, so a price declared after the run still counts), as 0 for a model run on
 * this machine (`local`, or a server `serve` starts), or not at all.
 */
function priceOf(dag: Dag, fp: string): { model: string; price: Price | 'local' | null } {
  const resolved = dag.nodes.get(fp)?.resolved;
  const model = String((resolved?.own as { model?: unknown } | undefined)?.model ?? '?');
  const identity = resolved?.uses[`models.${model}`] as { provider?: string } | undefined;
  const runtime = (resolved?.runtime ?? {}) as { price?: Price; serve?: unknown };
  if (runtime.price) return { model, price: runtime.price };
  if (identity?.provider === 'local' || runtime.serve) return { model, price: 'local' };
  return { model, price: null };
}

async function costOf(dag: Dag, store: Store, fps: string[]): Promise<RowCost | null> {
  const stats: { s: Record<string, unknown>; model: string; price: Price | 'local' | null }[] = [];
  for (const fp of fps) {
    const s = (await store.generationStats(fp)) as Record<string, unknown> | undefined;
    if (s && typeof s.completion_tokens_per_query === 'number') stats.push({ s, ...priceOf(dag, fp) });
  }
  if (stats.length === 0) return null;
  const mean = (f: (s: Record<string, unknown>) => number) => stats.reduce((a, x) => a + f(x.s), 0) / stats.length;
  const unknown = [...new Set(stats.filter((x) => x.price === null).map((x) => x.model))];
  const local = [...new Set(stats.filter((x) => x.price === 'local').map((x) => x.model))];
  const perQuery = (s: Record<string, unknown>, p: Price | 'local' | null) => {
    const queries = Number(s.queries ?? 0);
    if (p === 'local' || p === null || !queries) return 0;
    return (Number(s.prompt_tokens ?? 0) * p.input_per_million + Number(s.completion_tokens ?? 0) * p.output_per_million) / 1e6 / queries;
  };
  return {
    tokens_per_query: mean((s) => Number(s.completion_tokens_per_query)),
    cost_per_1k_usd: unknown.length ? null : (1000 * stats.reduce((a, x) => a + perQuery(x.s, x.price), 0)) / stats.length,
    latency_p50_ms: mean((s) => Number(s.latency_p50_ms ?? 0)),
    price: unknown.length ? 'unknown' : local.length === stats.length ? 'local' : 'declared',
    models: unknown.length ? unknown : local.length === stats.length ? local : [...new Set(stats.map((x) => x.model))],
  };
}

/**
 * Each dataset's primary measure against the axis: a series per row and setting of the other
 * axes; a row that does not depend on the axis is a flat series (a reference line).
 */
function measureCurves(
  rows: ReportRow[],
  axis: string,
  axes: string[],
  datasets: string[],
  measuresByDataset: Record<string, string[]>,
  notDrawn: string[],
): Series[] {
  const others = axes.filter((a) => a !== axis);
  const out: Series[] = [];
  const xs = [...new Set(rows.filter((r) => axis in r.settings).map((r) => JSON.stringify(r.settings[axis])))]
    .map((v) => axisValue(JSON.parse(v)))
    .sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a).localeCompare(String(b))));
  if (xs.length < 2) {
    if (rows.length) notDrawn.push(`No measure against ${axis}: no row's result depends on it.`);
    return [];
  }
  for (const dataset of datasets) {
    const measure = measuresByDataset[dataset]?.[0];
    if (!measure) continue;
    const series = new Map<string, Series>();
    for (const r of rows) {
      const y = r.cells.get(dataset)?.get(measure)?.mean;
      if (y === undefined || Number.isNaN(y)) continue;
      const settings = Object.fromEntries(others.filter((a) => a in r.settings).map((a) => [a, r.settings[a]]));
      const flat = !(axis in r.settings);
      const parts = settingsText(settings, others);
      const name = parts.length ? `${r.name} [${parts.join(', ')}]` : r.name;
      const s = series.get(name) ?? { name, of: r.name, settings, flat, dataset, measure, points: [] };
      series.set(name, s);
      if (flat) for (const x of xs) s.points.push({ x, y });
      else s.points.push({ x: axisValue(r.settings[axis]), y });
    }
    const curves = [...series.values()].filter((s) => !s.flat);
    if (!curves.length) notDrawn.push(`No ${measure} on ${dataset} against ${axis}: the rows that depend on it have not run yet.`);
    else if (curves.every((s) => s.points.length < 2))
      notDrawn.push(`No ${measure} on ${dataset} against ${axis}: only one of its values has results so far.`);
    else out.push(...series.values());
  }
  return out;
}

/** Pairs made by each pairs stage against the axis: a point per distinct result, a series per setting of the other axes. */
async function pairCurves(
  dag: Dag,
  store: Store,
  axis: string,
  fingerprintOf: FingerprintOf,
  isDone: (fp: string) => boolean,
  notDrawn: string[],
): Promise<Series[]> {
  const out: Series[] = [];
  const exp = dag.experiment;
  const others = (exp.variants[0]?.overrides.map((o) => o.axis) ?? []).filter((a) => a !== axis);
  for (const [stage, decl] of Object.entries(exp.doc.stages)) {
    if (decl.kind !== 'pairs') continue;
    const groups = groupVariants(exp, fingerprintOf, [stage], stage);
    if (!groups.some((g) => axis in g.settings) || groups.length < 2) {
      notDrawn.push(`No pair counts of ${stage} against ${axis}: ${stage} does not depend on it.`);
      continue;
    }
    const series = new Map<string, Series>();
    const notRun: string[] = [];
    for (const g of groups) {
      const fp = g.fps[0] as string;
      const settings = Object.fromEntries(others.filter((a) => a in g.settings).map((a) => [a, g.settings[a]]));
      const summary = fp && isDone(fp) ? (await store.artifacts([fp])).find((a) => a.name === 'summary') : undefined;
      if (!summary) {
        notRun.push(g.label);
        continue;
      }
      const pairs = pairCount(summary.path);
      if (typeof pairs === 'string') {
        notDrawn.push(`Pair count of ${g.label}: ${pairs}; re-run it (qexp run FILE --force ${stage}).`);
        continue;
      }
      const parts = settingsText(settings, others);
      const name = parts.length ? `${stage} [${parts.join(', ')}]` : stage;
      const s = series.get(name) ?? { name, of: stage, settings, points: [] };
      series.set(name, s);
      s.points.push({ x: axisValue(g.settings[axis]), y: pairs });
    }
    if (notRun.length) notDrawn.push(`Pair counts not run yet: ${notRun.join(', ')}.`);
    const drawn = [...series.values()].filter((s) => s.points.length > 1);
    if (!drawn.length && series.size) notDrawn.push(`No pair counts of ${stage} against ${axis}: only one of its values has run.`);
    out.push(...drawn);
  }
  return out;
}

/** The `pairs` of a pairs stage's summary file, or why it cannot be read (a store moved or cleaned by hand). */
function pairCount(path: string): number | string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return `its summary ${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`;
  }
  try {
    const pairs = (JSON.parse(text) as { pairs?: unknown }).pairs;
    if (typeof pairs === 'number') return pairs;
  } catch {}
  return `its summary ${path} has no pair count`;
}

/** Per train stage and distinct result, the logged values; a stage without curves says why. */
async function trainingCurves(
  dag: Dag,
  store: Store,
  fingerprintOf: FingerprintOf,
  records: Awaited<ReturnType<Store['stagesByFingerprint']>>,
  notDrawn: string[],
): Promise<TrainingCurve[]> {
  const out: TrainingCurve[] = [];
  const exp = dag.experiment;
  for (const stage of topoStages(exp.doc)) {
    if (exp.doc.stages[stage]?.kind !== 'train') continue;
    const waiting: string[] = [];
    for (const g of groupVariants(exp, fingerprintOf, [stage], stage)) {
      const fp = g.fps[0] as string;
      const status = records.get(fp)?.status;
      if (status !== 'done') {
        waiting.push(`${g.label} (${status === undefined ? 'not run' : status})`);
        continue;
      }
      const byName = new Map<string, { x: number; y: number }[]>();
      for (const m of await store.trainMetrics(fp)) {
        const points = byName.get(m.name) ?? [];
        byName.set(m.name, points);
        points.push({ x: m.step, y: m.value });
      }
      if (!byName.size) notDrawn.push(`No training curves of ${g.label}: its trainer logged no values.`);
      for (const [name, points] of byName) out.push({ stage, label: g.label, settings: g.settings, name, points });
    }
    if (waiting.length) notDrawn.push(`No training curves yet of ${waiting.join(', ')}.`);
  }
  return out;
}
