/**
 * What a report shows, as plain data: rows (systems and ablation variants) with per-query
 * values per dataset and measure, inference cost, and the series behind the plots. `collect.ts`
 * fills it from a DAG and the store; the table, renderers and gates read only this.
 */

/** Inference cost of the expansions behind a row (from its generate stages' stats). */
export interface RowCost {
  /** Completion tokens per query, summed over the row's generate stages and averaged over datasets. */
  tokens_per_query: number;
  cost_per_1k_usd: number;
  latency_p50_ms: number;
}

export interface Cell {
  /** The aggregate value the evaluate stage stored (trec_eval's `all`). */
  mean: number;
  /** Per-query values, for significance tests and wins/losses. */
  perQuery: Map<string, number>;
}

export interface ReportRow {
  /** The row's name in `report.rows` (or the evaluate stage's name). */
  name: string;
  /** What the table shows: the name, then the ablation settings that tell this row's variants apart. */
  label: string;
  /** Ablation variants whose results this row shows (identical results share a row). */
  variants: string[];
  /** The settings of this row's variants, axis → value, when they all agree on it. */
  settings: Record<string, unknown>;
  /** dataset → measure → cell; missing when that evaluate stage has not run. */
  cells: Map<string, Map<string, Cell>>;
  cost: RowCost | null;
}

export interface Series {
  name: string;
  points: { x: number | string; y: number }[];
}

export interface ReportData {
  experiment: string;
  title: string;
  datasets: string[];
  /** The columns of every dataset (the first is the primary measure)... */
  measures: string[];
  /** ...except where a dataset has its own (`report.dataset_measures`). */
  measuresByDataset?: Record<string, string[]>;
  rows: ReportRow[];
  /** Row labels (resolved from the declared row names). */
  baseline: string | null;
  teacher: string | null;
  student: string | null;
  test: 't-test' | 'randomization';
  alpha: number;
  seed: number;
  /** The ablation axis the curves run along (e.g. `stages.pairs.min_delta`), if any. */
  axis: string | null;
  /** Primary measure (first dataset, first measure) of each row against `axis`. */
  measureCurves: Series[];
  /** Pairs made by each pairs stage against `axis`. */
  pairCurves: Series[];
  /** Training curves: per train stage (and variant), each logged value against the step. */
  training: { stage: string; name: string; points: { x: number; y: number }[] }[];
  /** Stages the report needs that have not run yet (their cells are empty). */
  missing: string[];
}

/** A value's row/dataset/measure address as gates and baselines name it. */
export interface Address {
  run: string;
  dataset: string;
  measure: string;
}

export const COST_MEASURES = ['tokens_per_query', 'cost_per_1k_usd', 'latency_p50_ms'] as const;

/** Whether a larger value is better: nDCG, MAP and recall rise; cost and latency fall. */
export function higherIsBetter(measure: string): boolean {
  return !(COST_MEASURES as readonly string[]).includes(measure);
}

/** A row's value at an address: a dataset measure's mean, or a cost (any dataset, or `cost`). */
export function valueAt(row: ReportRow, dataset: string, measure: string): number | undefined {
  if ((COST_MEASURES as readonly string[]).includes(measure)) return row.cost?.[measure as keyof RowCost];
  return row.cells.get(dataset)?.get(measure)?.mean;
}
