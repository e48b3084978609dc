import { holmBonferroni, pairedTTest, randomizationTest } from '../eval/significance.js';
import { COST_MEASURES, type CostMeasure, higherIsBetter, type ReportData, type ReportRow, valueAt } from './report-data.js';

export interface Column {
  kind: 'measure' | 'pct-teacher' | 'cost';
  dataset: string;
  measure: string;
  /** Header text: the measure, `% teacher`, or the cost's name. */
  title: string;
}

/** Why a cell reads `–` (or a known zero reads 0): a reason the legend explains once, and what it concerns. */
export interface CellNote {
  /** `–`, or the value for a known zero. */
  mark: string;
  reason: string;
  /** The row, stage or model the reason is about, listed in the legend. */
  who: string;
  /** What to do about it, said once in the legend. */
  hint?: string;
}

export interface TableCell {
  value: number | null;
  /** The value as printed (4 decimals for measures, 1 for percentages and cost, 3 for dollars), or `–`. */
  text: string;
  best: boolean;
  /** Significant against the baseline after Holm's correction: `better`, `worse`, or null. */
  sig: 'better' | 'worse' | null;
  /** Holm-adjusted p-value against the baseline, when tested. */
  p: number | null;
  /** Why the cell is empty (or a known zero), else null. */
  note: CellNote | null;
}

export interface Table {
  columns: Column[];
  rows: { label: string; cells: TableCell[] }[];
  /** Explains the markers: the test, the correction, the baseline, and why cells are empty. */
  legend: string[];
  /** When no cell has a value: what to say instead of a table of dashes. */
  empty: string | null;
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
 * An empty cell says why (not run, not computed, no price); an unknown value is never the best.
 */
export function buildTable(data: ReportData): Table {
  const columns: Column[] = [];
  const measuresOf = (d: string) => data.measuresByDataset?.[d] ?? data.measures;
  for (const d of data.datasets) for (const m of measuresOf(d)) columns.push({ kind: 'measure', dataset: d, measure: m, title: m });
  if (data.teacher)
    for (const d of data.datasets) {
      const first = measuresOf(d)[0];
      if (first) columns.push({ kind: 'pct-teacher', dataset: d, measure: first, title: '% teacher' });
    }
  if (data.rows.some((r) => r.cost))
    for (const c of COST_MEASURES) columns.push({ kind: 'cost', dataset: '', measure: c, title: COST_TITLES[c] as string });

  const teachers = referenceRows(data, data.teachers, data.teacher);
  const baselines = referenceRows(data, data.baselines, data.baseline);
  const teacher = teachers[0];
  const baseline = baselines[0];
  const grid: TableCell[][] = data.rows.map(() => []);
  columns.forEach((col, j) => {
    const values = data.rows.map((r) => cellValue(r, col, counterpart(teachers, r)));
    const tested = baseline && col.kind === 'measure' ? significance(data, baselines, col) : new Map<number, { p: number; diff: number }>();
    // a known zero of a local model is no saving to rank against priced ones
    const ranked = values.map((v) => (v.note ? null : v.value)).filter((v): v is number => v !== null);
    const up = col.kind === 'pct-teacher' || higherIsBetter(col.measure);
    // a column of equal values has no best
    const best = ranked.length > 1 && new Set(ranked).size > 1 ? (up ? Math.max(...ranked) : Math.min(...ranked)) : null;
    values.forEach(({ value: v, note }, i) => {
      const t = tested.get(i);
      const sig = t && t.p < data.alpha ? (t.diff > 0 === up ? 'better' : 'worse') : null;
      (grid[i] as TableCell[])[j] = {
        value: v,
        text: v === null ? '–' : col.kind === 'measure' ? v.toFixed(4) : col.measure === 'cost_per_1k_usd' ? v.toFixed(3) : v.toFixed(1),
        best: v !== null && !note && best !== null && v === best,
        sig,
        p: t ? t.p : null,
        note,
      };
    });
  });
  const rows = data.rows.map((r, i) => ({ label: r.label, cells: grid[i] as TableCell[] }));

  const legend: string[] = [];
  if (baseline) {
    const test =
      data.test === 't-test' ? 'two-sided paired t-test' : `two-sided paired randomization test (10,000 permutations, seed ${data.seed})`;
    legend.push(
      `† significantly better, ‡ significantly worse than ${sameSettings(baselines)} (${test} on the queries both runs have, p < ${data.alpha} after Holm's correction over the rows of each column).`,
    );
  }
  if (rows.some((r) => r.cells.some((c) => c.best))) legend.push('Bold: the best value of its column.');
  const firsts = [...new Set(columns.filter((c) => c.kind === 'pct-teacher').map((c) => c.measure))];
  if (teacher && firsts.length)
    legend.push(
      `% teacher: the row's ${firsts.length === 1 ? firsts[0] : 'first measure'} as a percentage of the teacher's (${sameSettings(teachers)}) on the same dataset.`,
    );
  if (columns.some((c) => c.kind === 'cost'))
    legend.push('Cost of the expansions: completion tokens per query, dollars per 1,000 queries, median request latency.');
  legend.push(
    ...noteLegend(
      data,
      rows.flatMap((r) => r.cells.map((c) => c.note)),
    ),
  );
  const filled = rows.some((r) => r.cells.some((c, j) => c.value !== null && columns[j]?.kind === 'measure'));
  return { columns, rows, legend, empty: filled ? null : emptyMessage(data) };
}

/** One legend line per reason, naming everything it concerns (a row name for all its settings). */
function noteLegend(data: ReportData, notes: (CellNote | null)[]): string[] {
  const names = (who: Set<string>) => {
    const out: string[] = [];
    for (const w of who) {
      const row = data.rows.find((r) => r.label === w);
      const all = row ? data.rows.filter((r) => r.name === row.name) : [];
      if (all.length > 1 && all.every((r) => who.has(r.label))) {
        const name = `${row?.name} (every setting)`;
        if (!out.includes(name)) out.push(name);
      } else out.push(w);
    }
    return out;
  };
  const byReason = new Map<string, { note: CellNote; who: Set<string> }>();
  for (const n of notes) {
    if (!n) continue;
    const key = `${n.mark} ${n.reason}`;
    const entry = byReason.get(key) ?? { note: n, who: new Set<string>() };
    byReason.set(key, entry);
    entry.who.add(n.who);
  }
  return [...byReason].map(([key, { note, who }]) => `${key}: ${names(who).join(', ')}.${note.hint ? ` ${note.hint}` : ''}`);
}

function emptyMessage(data: ReportData): string {
  if (!data.rows.length) return 'Nothing to report: the experiment has no evaluate stage and no report.rows.';
  if (data.missing.length) {
    const shown = data.missing.slice(0, 6).join(', ');
    const more = data.missing.length > 6 ? ` and ${data.missing.length - 6} more` : '';
    return `No results yet: the evaluate stages behind this report have not run (${shown}${more}). Run the experiment first (qexp run FILE).`;
  }
  return "No results: the report's evaluate stages ran but stored none of its measures; check report.measures against the stages' measures.";
}

const NOT_RUN = 'not run yet';
const NO_LLM = 'cost: no LLM requests behind the row (classical or recorded expansions, or none)';

/** A row's value in a column, or null with why. */
function cellValue(row: ReportRow, col: Column, teacher: ReportRow | undefined): { value: number | null; note: CellNote | null } {
  const none = (reason: string, who: string, hint?: string) => ({ value: null, note: { mark: '–', reason, who, hint } });
  if (col.kind === 'cost') {
    if (!row.cost) return none(NO_LLM, row.label);
    const v = row.cost[col.measure as CostMeasure];
    const models = (row.cost.models ?? []).join(', ');
    if (v === null || v === undefined)
      return none(
        `${COST_TITLES[col.measure]}: price unknown, no price declared for ${models}`,
        row.label,
        'Declare models.NAME.price to count it (0 for a model you run yourself).',
      );
    if (col.measure === 'cost_per_1k_usd' && row.cost.price === 'local')
      return {
        value: v,
        note: {
          mark: v.toFixed(3),
          reason: `${COST_TITLES[col.measure]}: ${models} run${row.cost.models?.length === 1 ? 's' : ''} on this machine, no price per token, not ranked`,
          who: row.label,
        },
      };
    return { value: v, note: null };
  }
  const v = valueAt(row, col.dataset, col.measure);
  if (v === undefined || Number.isNaN(v)) return none(...whyEmpty(row, col.dataset, col.measure));
  if (col.kind !== 'pct-teacher') return { value: v, note: null };
  const t = teacher?.cells.get(col.dataset)?.get(col.measure)?.mean;
  if (t === undefined || Number.isNaN(t)) return none(`% teacher: the teacher has no ${col.measure}`, col.dataset);
  return t ? { value: (100 * v) / t, note: null } : none(`% teacher: the teacher's ${col.measure} is 0`, col.dataset);
}

/** Why a row has no value for a measure on a dataset, from the evaluate stages behind it. */
function whyEmpty(row: ReportRow, dataset: string, measure: string): [string, string] {
  const sources = (row.sources ?? []).filter((s) => s.dataset === dataset);
  if (!row.sources) return ['no value stored', `${row.label} ${measure}`];
  if (!sources.length) return [`no run on ${dataset}`, row.label];
  const notRun = sources.filter((s) => !s.done);
  if (notRun.length) return [NOT_RUN, notRun.map((s) => s.stage).join(', ')];
  if (!sources.some((s) => s.measures.includes(measure)))
    return ["not computed by the row's evaluate stage", `${measure} (${sources.map((s) => s.stage).join(', ')})`];
  return ['no value stored', `${row.label} ${measure}`];
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

/**
 * The rows a baseline or teacher stands for: every row of its name when it was declared by name
 * (one per ablation setting), else the one row.
 */
function referenceRows(data: ReportData, labels: string[] | undefined, first: string | null): ReportRow[] {
  const wanted = labels ?? (first ? [first] : []);
  return data.rows.filter((r) => wanted.includes(r.label));
}

/** A row's baseline or teacher: the one whose ablation settings agree with the row's, else the first. */
function counterpart(refs: ReportRow[], row: ReportRow): ReportRow | undefined {
  const agree = (a: ReportRow, b: ReportRow) =>
    Object.keys(a.settings).every((k) => !(k in b.settings) || JSON.stringify(a.settings[k]) === JSON.stringify(b.settings[k]));
  return refs.find((x) => agree(row, x)) ?? refs[0];
}

/** How the legend names reference rows: the row, or "NAME of the same settings". */
function sameSettings(refs: ReportRow[]): string {
  return refs.length > 1 ? `${refs[0]?.name} of the same settings` : (refs[0]?.label ?? '');
}

/** Row index → Holm-adjusted p-value and mean difference against its baseline, for one column. */
function significance(data: ReportData, baselines: ReportRow[], col: Column): Map<number, { p: number; diff: number }> {
  const raw: { i: number; p: number; diff: number }[] = [];
  data.rows.forEach((r, i) => {
    const baseline = counterpart(baselines, r);
    if (!baseline || baselines.includes(r)) return;
    const base = baseline.cells.get(col.dataset)?.get(col.measure)?.perQuery;
    if (!base) return;
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

/** A student row against the teacher, query by query, on the first dataset both have run. */
export interface Comparison {
  student: string;
  teacher: string;
  dataset: string;
  measure: string;
  /** Student minus teacher per query, largest first. */
  diffs: { qid: string; diff: number }[];
}

/**
 * Every student row (one per ablation setting) against the teacher row of the same settings
 * (else the declared teacher), and why a declared student has no comparison.
 */
export function studentComparisons(data: ReportData): { comparisons: Comparison[]; notes: string[] } {
  const students = data.rows.filter((r) => (data.students ?? (data.student ? [data.student] : [])).includes(r.label));
  if (!students.length) return { comparisons: [], notes: [] };
  const teachers = referenceRows(data, data.teachers, data.teacher);
  if (!teachers.length)
    return { comparisons: [], notes: ['No per-query wins and losses: they compare the student with report.teacher, which is not set.'] };
  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  for (const s of students) {
    const t = counterpart(teachers, s) as ReportRow;
    const found = data.datasets.some((d) => {
      const m = (data.measuresByDataset?.[d] ?? data.measures)[0];
      const a = m ? s.cells.get(d)?.get(m)?.perQuery : undefined;
      const b = m ? t.cells.get(d)?.get(m)?.perQuery : undefined;
      if (!m || !a?.size || !b?.size) return false;
      const diffs = [...a.keys()]
        .filter((q) => b.has(q))
        .map((q) => ({ qid: q, diff: (a.get(q) as number) - (b.get(q) as number) }))
        .sort((x, y) => y.diff - x.diff || (x.qid < y.qid ? -1 : 1));
      if (!diffs.length) return false;
      comparisons.push({ student: s.label, teacher: t.label, dataset: d, measure: m, diffs });
      return true;
    });
    if (!found) notes.push(`No per-query wins and losses of ${s.label}: it and ${t.label} have no results on the same queries yet.`);
  }
  return { comparisons, notes };
}
