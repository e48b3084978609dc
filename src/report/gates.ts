import { readFileSync } from 'node:fs';
import { COST_MEASURES, higherIsBetter, isCostMeasure, type ReportData, type ReportRow, valueAt } from './report-data.js';

/** One condition of `gates.checks`. */
export interface GateDecl {
  name?: string;
  run: string;
  dataset?: string;
  measure: string;
  min?: number;
  max?: number;
  max_drop?: number;
  relative?: boolean;
}

/** Expected values, committed in the user's repository and written by `qexp baseline update`. */
export interface Baseline {
  qexp_baseline: 1;
  experiment: string;
  created: string;
  /** run label → dataset (`cost` for cost measures) → measure → value. */
  values: Record<string, Record<string, Record<string, number>>>;
}

/** Bad gates or a bad baseline: exit 2, never a pass or a regression. */
export class GateError extends Error {}

export interface GateResult {
  gate: string;
  run: string;
  dataset: string;
  measure: string;
  value: number;
  baseline: number | null;
  /** Change in the better direction (positive = improvement), absolute. */
  gain: number | null;
  limits: string[];
  ok: boolean;
  why: string;
}

/** Reads a baseline file, checking its shape; every problem names the file and what to do. */
export function readBaseline(path: string): Baseline {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new GateError(`baseline ${path} does not exist: write it with 'qexp baseline update FILE' and commit it`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new GateError(
      `baseline ${path} is not valid JSON (${(err as Error).message}): restore it from version control or rewrite it with 'qexp baseline update FILE'`,
    );
  }
  const b = json as Partial<Baseline>;
  if (!b || typeof b !== 'object' || b.qexp_baseline !== 1 || typeof b.values !== 'object' || b.values === null)
    throw new GateError(
      `baseline ${path} is not a qexp baseline (expected {"qexp_baseline": 1, "values": {...}}): rewrite it with 'qexp baseline update FILE'`,
    );
  for (const [run, byDataset] of Object.entries(b.values))
    for (const [dataset, byMeasure] of Object.entries(byDataset ?? {}))
      for (const [measure, v] of Object.entries(byMeasure ?? {}))
        if (typeof v !== 'number' || !Number.isFinite(v))
          throw new GateError(`baseline ${path}: values["${run}"]["${dataset}"]["${measure}"] is ${JSON.stringify(v)}, not a number`);
  return b as Baseline;
}

/** Every value of the report (means and cost), as a baseline. */
export function baselineFrom(data: ReportData): Baseline {
  const values: Baseline['values'] = {};
  for (const r of data.rows) {
    const mine: Record<string, Record<string, number>> = {};
    for (const [d, byMeasure] of r.cells) for (const [m, cell] of byMeasure) if (!Number.isNaN(cell.mean)) (mine[d] ??= {})[m] = cell.mean;
    // an unknown price is no value: a baseline of 0 would pass any later cost
    const cost = Object.fromEntries(COST_MEASURES.flatMap((m) => (typeof r.cost?.[m] === 'number' ? [[m, r.cost[m]]] : [])));
    if (Object.keys(cost).length) mine.cost = cost;
    if (Object.keys(mine).length) values[r.label] = mine;
  }
  return { qexp_baseline: 1, experiment: data.experiment, created: new Date().toISOString(), values };
}

function rowOf(data: ReportData, run: string): ReportRow {
  const exact = data.rows.find((r) => r.label === run);
  if (exact) return exact;
  const named = data.rows.filter((r) => r.name === run);
  if (named.length === 1) return named[0] as ReportRow;
  if (named.length > 1)
    throw new GateError(
      `gate run '${run}' is ${named.length} rows (one per ablation setting): name one of ${named.map((r) => `'${r.label}'`).join(', ')}`,
    );
  throw new GateError(`gate run '${run}' is no row of the report; rows: ${data.rows.map((r) => `'${r.label}'`).join(', ')}`);
}

/** Checks each gate: `min`/`max` on the value, `max_drop` on the change against the baseline in the worse direction. */
export function checkGates(data: ReportData, gates: GateDecl[], baseline: Baseline | null, baselinePath: string): GateResult[] {
  return gates.map((g, i) => {
    const row = rowOf(data, g.run);
    const isCost = isCostMeasure(g.measure);
    const dataset = isCost ? 'cost' : (g.dataset ?? (data.datasets.length === 1 ? (data.datasets[0] as string) : ''));
    if (!dataset) throw new GateError(`gate ${i + 1} (${g.run} ${g.measure}) needs a dataset: one of ${data.datasets.join(', ')}`);
    const value = valueAt(row, dataset, g.measure);
    if (isCost && row.cost && value === undefined)
      throw new GateError(
        `gate ${i + 1}: the ${g.measure} of ${row.label} is unknown: no price is declared for ${(row.cost.models ?? []).join(', ')}; declare models.NAME.price, or gate tokens_per_query instead`,
      );
    if (value === undefined || Number.isNaN(value))
      throw new GateError(
        `gate ${i + 1}: ${row.label} has no ${g.measure} on ${dataset}: run the experiment first (qexp run), or fix the gate's run, dataset or measure`,
      );
    const up = higherIsBetter(g.measure);
    const base = baseline?.values[row.label]?.[dataset]?.[g.measure] ?? null;
    const limits: string[] = [];
    const fails: string[] = [];
    if (g.min !== undefined) {
      limits.push(`≥ ${g.min}`);
      if (value < g.min) fails.push(`below the minimum ${g.min}`);
    }
    if (g.max !== undefined) {
      limits.push(`≤ ${g.max}`);
      if (value > g.max) fails.push(`above the maximum ${g.max}`);
    }
    let gain: number | null = null;
    if (g.max_drop !== undefined) {
      if (base === null)
        throw new GateError(
          `gate ${i + 1}: the baseline ${baselinePath} has no value for ${row.label} / ${dataset} / ${g.measure}: run 'qexp baseline update FILE' after a run you trust`,
        );
      gain = up ? value - base : base - value;
      const allowed = g.relative ? g.max_drop * Math.abs(base) : g.max_drop;
      limits.push(`${up ? 'drop' : 'rise'} ≤ ${g.relative ? `${(g.max_drop * 100).toFixed(1)}%` : g.max_drop}`);
      // a float's last bit is no regression
      if (-gain > allowed + 1e-12)
        fails.push(`${up ? 'fell' : 'rose'} by ${Math.abs(gain).toPrecision(4)}, more than ${allowed.toPrecision(4)} allowed`);
    } else if (base !== null) gain = up ? value - base : base - value;
    return {
      gate: g.name ?? `${row.label} ${dataset === 'cost' ? '' : `${dataset} `}${g.measure}`,
      run: row.label,
      dataset,
      measure: g.measure,
      value,
      baseline: base,
      gain,
      limits,
      ok: fails.length === 0,
      why: fails.join('; '),
    };
  });
}

const num = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4));

/** A Markdown summary for a pull-request comment: one line per gate, regressions first. */
export function gateSummary(results: GateResult[], baselinePath: string | null): string {
  const failed = results.filter((r) => !r.ok);
  const lines = [
    failed.length
      ? `### ❌ qexp gate: ${failed.length} of ${results.length} gates regressed`
      : `### ✅ qexp gate: all ${results.length} gates pass`,
    '',
    '| gate | value | baseline | change | limit | result |',
    '|---|---:|---:|---:|---|---|',
  ];
  for (const r of [...failed, ...results.filter((x) => x.ok)]) {
    const change =
      r.gain === null ? '–' : `${r.gain >= 0 ? '+' : '−'}${num(Math.abs(r.gain))}${r.gain > 0 ? ' better' : r.gain < 0 ? ' worse' : ''}`;
    lines.push(
      `| ${r.gate.replace(/\|/g, '\\|')} | ${num(r.value)} | ${r.baseline === null ? '–' : num(r.baseline)} | ${change} | ${r.limits.join(', ') || '–'} | ${r.ok ? 'pass' : `**fail**: ${r.why}`} |`,
    );
  }
  if (baselinePath) lines.push('', `Baseline: \`${baselinePath}\`.`);
  return `${lines.join('\n')}\n`;
}
