import { bigint, boolean, double, integer, json, type Table, table, timestamptz, varchar } from './columns.js';

/**
 * Every table of the store, declared once, grouped by the module that reads and writes it. A new
 * store is created from these; an older one is brought here by the steps in migrations.ts. A
 * column added later goes last: ALTER TABLE puts it there, and the appender writes in this order.
 */

export type StageStatus = 'running' | 'done' | 'failed' | 'interrupted' | 'waiting';
export type RunStatus = 'running' | 'ok' | 'failed' | 'interrupted' | 'waiting';

// ---- core (database.ts) ----

export const META = table('meta', { key: varchar(), value: varchar() }, { primaryKey: ['key'] });

// ---- stage records (stage-records.ts) ----

export const EXPERIMENTS = table(
  'experiments',
  { name: varchar(), file: varchar(), description: varchar().null(), config: json(), updatedAt: timestamptz().defaultNow() },
  { primaryKey: ['name'] },
);

export const VARIANTS = table(
  'variants',
  { experiment: varchar(), name: varchar(), overrides: json(), updatedAt: timestamptz().defaultNow() },
  { primaryKey: ['experiment', 'name'] },
);

export const RUNS = table(
  'runs',
  {
    runId: varchar(),
    experiment: varchar(),
    file: varchar(),
    argv: json<string[]>(),
    pid: integer(),
    qexpVersion: varchar(),
    startedAt: timestamptz().defaultNow(),
    finishedAt: timestamptz().null(),
    status: varchar<RunStatus>(),
  },
  { primaryKey: ['runId'] },
);

export const STAGES = table(
  'stages',
  {
    fingerprint: varchar(),
    kind: varchar(),
    kindVersion: integer(),
    stage: varchar(),
    status: varchar<StageStatus>(),
    runId: varchar().null(),
    pid: integer().null(),
    startedAt: timestamptz().null(),
    finishedAt: timestamptz().null(),
    durationMs: double().null(),
    config: json(),
    parts: json(),
    error: varchar().null(),
    logPath: varchar().null(),
  },
  { primaryKey: ['fingerprint'], ownedByStage: true },
);

/** Which fingerprint each (experiment, variant, stage) last completed with. */
export const VARIANT_STAGES = table(
  'variant_stages',
  {
    experiment: varchar(),
    variant: varchar(),
    stage: varchar(),
    fingerprint: varchar(),
    parts: json(),
    boundAt: timestamptz().defaultNow(),
  },
  { primaryKey: ['experiment', 'variant', 'stage'] },
);

export const ARTIFACTS = table(
  'artifacts',
  {
    fingerprint: varchar(),
    name: varchar(),
    path: varchar(),
    sha256: varchar(),
    bytes: bigint(),
    managed: boolean(),
    createdAt: timestamptz().null().defaultNow(),
  },
  { ownedByStage: true },
);

// ---- hash cache (file-hashes.ts) ----

export const FILE_HASHES = table(
  'file_hashes',
  { path: varchar(), size: bigint(), mtimeMs: double(), sha256: varchar() },
  { primaryKey: ['path'] },
);

// ---- results (results.ts) ----

/** Per-query values (and qid 'all' for the aggregate) written by evaluate stages. */
export const METRICS = table(
  'metrics',
  { fingerprint: varchar(), run: varchar(), dataset: varchar(), qid: varchar(), measure: varchar(), value: double() },
  { ownedByStage: true },
);

export const GENERATIONS = table(
  'generations',
  { fingerprint: varchar(), qid: varchar(), sample: integer(), text: varchar(), requestKey: varchar().null() },
  { primaryKey: ['fingerprint', 'qid', 'sample'], ownedByStage: true },
);

/** A generate stage's counts and costs, as one JSON value. */
export const GENERATION_STATS = table(
  'generation_stats',
  { fingerprint: varchar(), stats: json() },
  { primaryKey: ['fingerprint'], ownedByStage: true },
);

/** The measure of every candidate expansion, and of its query alone. */
export const FEEDBACK = table(
  'feedback',
  { fingerprint: varchar(), qid: varchar(), pool: varchar(), sample: integer(), value: double(), baseline: double() },
  { primaryKey: ['fingerprint', 'qid', 'pool', 'sample'], ownedByStage: true },
);

/** What a trainer logged at each step (loss, rewards, learning rate). */
export const TRAIN_METRICS = table(
  'train_metrics',
  { fingerprint: varchar(), step: integer(), name: varchar(), value: double() },
  { ownedByStage: true },
);

// ---- the LLM ledger (ledger.ts) ----

/** Answers by request key: a request asked again is answered from here. */
export const LLM_REQUESTS = table(
  'llm_requests',
  {
    key: varchar(),
    endpoint: varchar(),
    model: varchar(),
    body: json(),
    templateVersion: varchar(),
    texts: json<string[]>(),
    finishReasons: json<(string | null)[]>(),
    promptTokens: integer(),
    completionTokens: integer(),
    tokensEstimated: boolean(),
    latencyMs: double(),
    costUsd: double(),
    replica: varchar(),
    /** The stage that first asked. */
    fingerprint: varchar().null(),
    createdAt: timestamptz().defaultNow(),
  },
  { primaryKey: ['key'] },
);

/** Failed attempts, kept for diagnosis. */
export const LLM_ERRORS = table('llm_errors', {
  key: varchar(),
  fingerprint: varchar().null(),
  replica: varchar().null(),
  attempt: integer(),
  final: boolean(),
  kind: varchar(),
  status: integer().null(),
  message: varchar(),
  loggedAt: timestamptz().defaultNow(),
});

/** Every table, in the order a new store creates them. */
export const TABLES: readonly Table[] = [
  META,
  EXPERIMENTS,
  VARIANTS,
  RUNS,
  STAGES,
  VARIANT_STAGES,
  ARTIFACTS,
  FILE_HASHES,
  METRICS,
  GENERATIONS,
  GENERATION_STATS,
  FEEDBACK,
  TRAIN_METRICS,
  LLM_REQUESTS,
  LLM_ERRORS,
];
