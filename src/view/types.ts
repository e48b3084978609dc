/**
 * The JSON the viewer's API serves, shared by the server and the page (the page imports these
 * types only). Every list that grows with the data is a Page, bounded by `limit`.
 */

export interface Page<T> {
  total: number;
  offset: number;
  limit: number;
  items: T[];
}

/** What the server read the store from, and whether what it shows may be behind it. */
export interface StoreState {
  path: string;
  /** Set when the store could not be read just now: the data shown is what it held before. */
  stale: string | null;
}

export interface RunInfo {
  runId: string;
  startedAt: string;
  finishedAt: string | null;
  status: string;
  argv: string[];
  /** The run's process is alive on this machine (a `running` run whose process is gone was interrupted). */
  alive: boolean;
}

export type StageState = 'done' | 'running' | 'failed' | 'waiting' | 'interrupted' | 'stale' | 'pending';

export interface ExperimentSummary {
  name: string;
  description: string | null;
  file: string;
  variants: number;
  /** Variant stages by state (from the plan when the file loads, else from the store's records). */
  states: Partial<Record<StageState, number>>;
  lastRun: RunInfo | null;
  /** Why the experiment file could not be read: the store's records are shown without the plan. */
  problem: string | null;
}

export interface StageRow {
  variant: string;
  stage: string;
  kind: string;
  fingerprint: string;
  state: StageState;
  /** The plan's reasons (why stale or pending) or the last attempt's error. */
  reasons: string[];
  /** Other variants that share this unit of work. */
  sharedWith: string[];
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface ReportRowInfo {
  id: number;
  label: string;
  /** dataset → measures this row has values for. */
  measures: Record<string, string[]>;
}

export interface DatasetInfo {
  name: string;
  /** Topics read from the dataset stage's queries output (null before it ran). */
  queries: number | null;
}

export interface ExperimentView {
  store: StoreState;
  name: string;
  description: string | null;
  file: string;
  problem: string | null;
  variants: { name: string; overrides: { axis: string; value: unknown }[] }[];
  stages: StageRow[];
  runs: RunInfo[];
  datasets: DatasetInfo[];
  rows: ReportRowInfo[];
  /** Report rows' stages that have not run yet. */
  missing: string[];
}

export interface ArtifactInfo {
  name: string;
  path: string;
  bytes: number;
  managed: boolean;
}

/** A generate stage's cost and traffic: its stats, and a summary of the ledger answers its generations used. */
export interface LlmSummary {
  fingerprint: string;
  stage: string;
  label: string;
  provider: string | null;
  model: string | null;
  queries: number | null;
  generations: number | null;
  /** Ledgered answers behind the generations (0 for providers that make no requests). */
  answers: number;
  cached: number | null;
  sent: number | null;
  promptTokens: number;
  completionTokens: number;
  estimatedTokens: number;
  tokensPerQuery: number | null;
  /** Null when the cost is unknown (no price declared): never shown as 0. */
  costUsd: number | null;
  costPer1kUsd: number | null;
  /** Why the cost is what it is (unknown price, a local model, no requests). */
  costNote: string | null;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  latencyMaxMs: number | null;
  finishReasons: Record<string, number>;
  /** Failed attempts by kind; `final` ones are requests that got no answer. */
  errors: Record<string, number>;
  finalErrors: number;
}

export interface StageDetail {
  store: StoreState;
  experiment: string;
  fingerprint: string;
  stage: string;
  kind: string;
  label: string;
  uses: { variant: string; stage: string }[];
  state: StageState;
  status: string | null;
  reasons: string[];
  error: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  logPath: string | null;
  runId: string | null;
  config: unknown;
  artifacts: ArtifactInfo[];
  /** Upstream stage name → fingerprint. */
  inputs: Record<string, string>;
  llm: LlmSummary | null;
  /** A pairs stage's summary, a feedback stage's per-pool means, an evaluate stage's aggregates. */
  summary: unknown;
}

export interface LlmErrorInfo {
  key: string;
  attempt: number;
  final: boolean;
  kind: string;
  status: number | null;
  message: string;
  replica: string | null;
}

export interface QueryListItem {
  qid: string;
  query: string;
  /** Expansions of the dataset's generate stages. */
  expansions: number;
  /** The feedback measure of the query alone, and of its best expansion. */
  baseline: number | null;
  best: number | null;
  gain: number | null;
  pairs: number;
  maxDelta: number | null;
}

export interface QueryList extends Page<QueryListItem> {
  dataset: string;
  /** The feedback measure the columns show (the dataset's first feedback stage's), if any. */
  measure: string | null;
  /** The pairs stage whose pairs the columns count. */
  pairs: string | null;
}

export interface FeedbackValue {
  /** The feedback stage (with its settings when variants differ). */
  feedback: string;
  measure: string;
  value: number;
  baseline: number;
}

export interface Expansion {
  sample: number;
  text: string;
  /** The text was longer than the response allows and is cut. */
  truncated: boolean;
  feedback: FeedbackValue[];
}

export interface GenerateGroup {
  fingerprint: string;
  stage: string;
  label: string;
  model: string | null;
  expansions: Expansion[];
}

export interface PairSideInfo {
  pool: string;
  sample: number;
  text: string;
  truncated: boolean;
  value: number;
}

export interface PairGroup {
  fingerprint: string;
  stage: string;
  label: string;
  pairs: { chosen: PairSideInfo; rejected: PairSideInfo; delta: number }[];
}

export interface QueryDetail {
  store: StoreState;
  dataset: string;
  qid: string;
  query: string | null;
  prev: string | null;
  next: string | null;
  /** The query alone, per feedback stage. */
  alone: { feedback: string; measure: string; value: number }[];
  generations: GenerateGroup[];
  pairs: PairGroup[];
  /** The report rows' per-query values (measure → value), and the generated expansions each row's run searched with. */
  rows: { label: string; values: Record<string, number>; searchedWith: string }[];
}

export type Outcome = 'better' | 'same' | 'worse';

export interface CompareItem {
  qid: string;
  query: string;
  a: number;
  b: number;
  delta: number;
}

export interface Compare extends Page<CompareItem> {
  a: string;
  b: string;
  dataset: string;
  measure: string;
  /** B against A over every query both have (ignoring the outcome and search filters). */
  counts: Record<Outcome, number>;
  meanA: number | null;
  meanB: number | null;
  /** Every query's B − A, ascending, sampled down to at most 1000 points (for the plot). */
  deltas: number[];
}

export interface RowExpansions {
  label: string;
  value: number | null;
  /** The generate stages whose expansions the row's run used (none: no generated expansion). */
  generations: GenerateGroup[];
  /** How the run combined a query with them: the query repeated, then the first `concat` samples (none with mode `none`). */
  formulation: { mode: string; repeatQuery: number; concat: number } | null;
}

export interface CompareQuery {
  store: StoreState;
  qid: string;
  query: string | null;
  a: RowExpansions;
  b: RowExpansions;
}
