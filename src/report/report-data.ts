/**
 * What a report shows, as plain data: rows (systems and ablation variants) with per-query
 * values per dataset and measure, inference cost, and the series behind the plots. `collect.ts`
 * fills it from a DAG and the store; the table, renderers and gates read only this.
 */

/** Inference cost of the expansions behind a row (from its generate stages' stats). */
export interface RowCost {
  /** Completion tokens per query, averaged over the row's generate stages. */
  tokens_per_query: number;
  /** Dollars per 1,000 queries; null when a model behind the row has no known price. */
  cost_per_1k_usd: number | null;
  latency_p50_ms: number;
  /**
   * Where the dollars come from: prices declared in the experiment (`models.NAME.price`), models
   * run on this machine (0: no price per token), or unknown (a model without a declared price).
   */
  price?: 'declared' | 'local' | 'unknown';
  /** The models that make `price` what it is: those without a price, the local ones, or all. */
  models?: string[];
}

export interface Cell {
  /** The aggregate value the evaluate stage stored (trec_eval's `all`). */
  mean: number;
  /** Per-query values, for significance tests and wins/losses. */
  perQuery: Map<string, number>;
}

/** An evaluate stage behind a row: the dataset and measures it declares, and whether it has run. */
export interface RowSource {
  stage: string;
  dataset: string;
  measures: string[];
  done: boolean;
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
  /** The evaluate stages behind the row, so that an empty cell can say why it is empty. */
  sources?: RowSource[];
}

export interface Series {
  /** The row (or stage) and the settings that tell this series apart, e.g. `Student [retrieval.bm25.k1=1.2]`. */
  name: string;
  /** The row's or stage's name alone. */
  of?: string;
  /** Settings of the other ablation axes that tell this series apart (drawn as colour or facets). */
  settings?: Record<string, unknown>;
  /** A row that does not depend on the axis: the same value at every point (drawn as a reference line). */
  flat?: boolean;
  /** Measure curves: the dataset and measure on the y axis. */
  dataset?: string;
  measure?: string;
  points: { x: number | string; y: number }[];
}

/** The values one train stage logged for one of its results (a variant group), against the step. */
export interface TrainingCurve {
  /** The train stage's name. */
  stage: string;
  /** The stage and the ablation settings that tell its results apart: `dpo [pairs.min_delta=0.1]`. */
  label: string;
  settings: Record<string, unknown>;
  /** The logged value: `loss`, `eval_loss`, `rewards/margins`, ... */
  name: string;
  points: { x: number; y: number }[];
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
  /** Row labels (resolved from the declared row names): the first baseline and teacher row... */
  baseline: string | null;
  teacher: string | null;
  /** ...and every row a baseline or teacher declared by name stands for (one per ablation setting): each row is compared with the one of its settings. */
  baselines?: string[];
  teachers?: string[];
  /** The first student row's label... */
  student: string | null;
  /** ...and every student row's (one per ablation setting), for the per-query comparisons. */
  students?: string[];
  test: 't-test' | 'randomization';
  alpha: number;
  seed: number;
  /** The ablation axis the curves run along (e.g. `stages.pairs.min_delta`), if any. */
  axis: string | null;
  /** Each dataset's primary measure of each row against `axis` (the other axes as `settings`). */
  measureCurves: Series[];
  /** Pairs made by each pairs stage against `axis`, a series per setting of the other axes. */
  pairCurves: Series[];
  /** Training curves: per train stage and result, each logged value against the step. */
  training: TrainingCurve[];
  /** Plots that cannot be drawn, and why (a stage not run yet, an axis nothing depends on). */
  notDrawn?: string[];
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
export type CostMeasure = (typeof COST_MEASURES)[number];
export const isCostMeasure = (m: string): m is CostMeasure => (COST_MEASURES as readonly string[]).includes(m);

/** Whether a larger value is better: nDCG, MAP and recall rise; cost and latency fall. */
export function higherIsBetter(measure: string): boolean {
  return !isCostMeasure(measure);
}

/** A row's value at an address: a dataset measure's mean, or a cost (any dataset, or `cost`); undefined when unknown. */
export function valueAt(row: ReportRow, dataset: string, measure: string): number | undefined {
  if (isCostMeasure(measure)) return row.cost?.[measure] ?? undefined;
  return row.cells.get(dataset)?.get(measure)?.mean;
}
