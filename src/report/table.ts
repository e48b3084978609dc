import { holmBonferroni, pairedTTest, randomizationTest } from '../eval/significance.js';
import { COST_MEASURES, higherIsBetter, type ReportData, type ReportRow, valueAt } from './report-data.js';

export interface Column {
  kind: 'measure' | 'pct-teacher' | 'cost';
  dataset: string;
  measure: string;
  /** Header text: the measure, `% teacher`, or the cost's name. */
  title: string;
}

export interface TableCell {
  value: number | null;
  /** The value as printed (4 decimals for measures, 1 for percentages and cost). */
  text: string;
  best: boolean;
  /** Significant against the baseline after Holm's correction: `better`, `worse`, or null. */
  sig: 'better' | 'worse' | null;
  /** Holm-adjusted p-value against the baseline, when tested. */
  p: number | null;
}

export interface Table {
  columns: Column[];
  rows: { label: string; cells: TableCell[] }[];
  /** Explains the markers: the test, the correction, the baseline. */
  legend: string[];
}

const COST_TITLES: Record<string, string> = {
  tokens_per_query: 'tokens/query',
  cost_per_1k_usd: '$/1k queries',
  latency_p50_ms: 'p50 ms',
};

/**
 * The ablation table: per dataset × measure the stored mean, a marker where a row differs from
 * the baseline significantly (paired test on the queries both have, Holm-corrected over the rows
 * of each column), the best value of each column; "% of teacher" on the first measure; and cost.
 */
export function buildTable(data: ReportData): Table {
  const columns: Column[] = [];
  for (const d of data.datasets)
    for (const m of data.measuresByDataset?.[d] ?? data.measures) columns.push({ kind: 'measure', dataset: d, measure: m, title: m });
  const first = data.measures[0];
  if (data.teacher && first)
    for (const d of data.datasets) columns.push({ kind: 'pct-teacher', dataset: d, measure: first, title: '% teacher' });
  if (data.rows.some((r) => r.cost))
    for (const c of COST_MEASURES) columns.push({ kind: 'cost', dataset: '', measure: c, title: COST_TITLES[c] as string });

  const teacher = data.rows.find((r) => r.label === data.teacher);
  const baseline = data.rows.find((r) => r.label === data.baseline);
  const grid: TableCell[][] = data.rows.map(() => []);
  columns.forEach((col, j) => {
    const values = data.rows.map((r) => cellValue(r, col, teacher));
    const tested = baseline && col.kind === 'measure' ? significance(data, baseline, col) : new Map<number, { p: number; diff: number }>();
    const ok = values.filter((v): v is number => v !== null);
    const up = col.kind === 'pct-teacher' || higherIsBetter(col.measure);
    const best = ok.length > 1 ? (up ? Math.max(...ok) : Math.min(...ok)) : null;
    values.forEach((v, i) => {
      const t = tested.get(i);
      const sig = t && t.p < data.alpha ? (t.diff > 0 === up ? 'better' : 'worse') : null;
      (grid[i] as TableCell[])[j] = {
        value: v,
        text: v === null ? '–' : col.kind === 'measure' ? v.toFixed(4) : col.measure === 'cost_per_1k_usd' ? v.toFixed(3) : v.toFixed(1),
        best: v !== null && best !== null && v === best,
        sig,
        p: t ? t.p : null,
      };
    });
  });

  const legend: string[] = [];
  if (baseline) {
    const test =
      data.test === 't-test' ? 'two-sided paired t-test' : `two-sided paired randomization test (10,000 permutations, seed ${data.seed})`;
    legend.push(
      `† significantly better, ‡ significantly worse than ${baseline.label} (${test} on the queries both runs have, p < ${data.alpha} after Holm's correction over the rows of each column).`,
    );
  }
  legend.push('Bold: the best value of its column.');
  if (teacher) legend.push(`% teacher: the row's ${first} as a percentage of ${teacher.label}'s on the same dataset.`);
  if (columns.some((c) => c.kind === 'cost'))
    legend.push('Cost of the expansions: completion tokens per query, dollars per 1,000 queries, median request latency.');
  if (data.missing.length) legend.push(`Not run yet (empty cells): ${data.missing.join(', ')}.`);
  return { columns, rows: data.rows.map((r, i) => ({ label: r.label, cells: grid[i] as TableCell[] })), legend };
}

function cellValue(row: ReportRow, col: Column, teacher: ReportRow | undefined): number | null {
  const v = valueAt(row, col.dataset, col.measure);
  if (v === undefined || Number.isNaN(v)) return null;
  if (col.kind !== 'pct-teacher') return v;
  const t = teacher?.cells.get(col.dataset)?.get(col.measure)?.mean;
  return t ? (100 * v) / t : null;
}

/** Runs of adjacent columns under one header (a dataset, or cost), for the renderers' two-level headers. */
export function columnGroups(columns: Column[], costName: string): { name: string; span: number }[] {
  const groups: { name: string; span: number }[] = [];
  for (const c of columns) {
    const name = c.kind === 'cost' ? costName : c.dataset;
    const last = groups[groups.length - 1];
    if (last && last.name === name) last.span++;
    else groups.push({ name, span: 1 });
  }
  return groups;
}

/** Row index → Holm-adjusted p-value and mean difference against the baseline, for one column. */
function significance(data: ReportData, baseline: ReportRow, col: Column): Map<number, { p: number; diff: number }> {
  const base = baseline.cells.get(col.dataset)?.get(col.measure)?.perQuery;
  const raw: { i: number; p: number; diff: number }[] = [];
  if (!base) return new Map();
  data.rows.forEach((r, i) => {
    if (r === baseline) return;
    const mine = r.cells.get(col.dataset)?.get(col.measure)?.perQuery;
    if (!mine) return;
    const qids = [...mine.keys()].filter((q) => base.has(q)).sort();
    if (qids.length < 2) return;
    const a = qids.map((q) => mine.get(q) as number);
    const b = qids.map((q) => base.get(q) as number);
    const t = data.test === 't-test' ? pairedTTest(a, b) : randomizationTest(a, b, { seed: data.seed });
    raw.push({ i, p: t.p, diff: t.meanDiff });
  });
  const adjusted = holmBonferroni(raw.map((x) => x.p));
  return new Map(raw.map((x, k) => [x.i, { p: adjusted[k] as number, diff: x.diff }]));
}

/** Per query, the student's value minus the teacher's on the first dataset and measure (for wins/losses). */
export function perQueryDiffs(data: ReportData): { qid: string; diff: number }[] {
  const d = data.datasets[0];
  const m = data.measures[0];
  const s = data.rows.find((r) => r.label === data.student);
  const t = data.rows.find((r) => r.label === data.teacher);
  if (!d || !m || !s || !t) return [];
  const a = s.cells.get(d)?.get(m)?.perQuery;
  const b = t.cells.get(d)?.get(m)?.perQuery;
  if (!a || !b) return [];
  return [...a.keys()]
    .filter((q) => b.has(q))
    .map((q) => ({ qid: q, diff: (a.get(q) as number) - (b.get(q) as number) }))
    .sort((x, y) => y.diff - x.diff || (x.qid < y.qid ? -1 : 1));
}
