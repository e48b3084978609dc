import { createTableSql } from './columns.js';
import type { Query } from './query.js';
import { META, TABLES } from './tables.js';

/**
 * How the schema grew, step by step; `meta.schema_version` records the last step a store has.
 * A new store is created from the declarations in tables.ts and gets the last version; these
 * steps bring an older store up to date. Never edit a released step: add one, and change the
 * declaration to match (test/store/migrations.test.ts checks that both give the same schema).
 */
export const MIGRATIONS: readonly { version: number; description: string; sql: string[] }[] = [
  {
    version: 1,
    description: 'experiments, variants, runs, stages, bindings, artifacts, file hash cache',
    sql: [
      `CREATE TABLE experiments (
        name VARCHAR PRIMARY KEY, file VARCHAR NOT NULL, description VARCHAR,
        config JSON NOT NULL, updated_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      `CREATE TABLE variants (
        experiment VARCHAR NOT NULL, name VARCHAR NOT NULL, overrides JSON NOT NULL,
        updated_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (experiment, name))`,
      `CREATE TABLE runs (
        run_id VARCHAR PRIMARY KEY, experiment VARCHAR NOT NULL, file VARCHAR NOT NULL, argv JSON NOT NULL,
        pid INTEGER NOT NULL, qexp_version VARCHAR NOT NULL, started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        finished_at TIMESTAMPTZ, status VARCHAR NOT NULL)`,
      `CREATE TABLE stages (
        fingerprint VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, kind_version INTEGER NOT NULL,
        stage VARCHAR NOT NULL, status VARCHAR NOT NULL, run_id VARCHAR, pid INTEGER,
        started_at TIMESTAMPTZ, finished_at TIMESTAMPTZ, duration_ms DOUBLE,
        config JSON NOT NULL, parts JSON NOT NULL, error VARCHAR, log_path VARCHAR)`,
      `CREATE TABLE variant_stages (
        experiment VARCHAR NOT NULL, variant VARCHAR NOT NULL, stage VARCHAR NOT NULL,
        fingerprint VARCHAR NOT NULL, parts JSON NOT NULL, bound_at TIMESTAMPTZ NOT NULL DEFAULT now(),
        PRIMARY KEY (experiment, variant, stage))`,
      `CREATE TABLE artifacts (
        fingerprint VARCHAR NOT NULL, name VARCHAR NOT NULL, path VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
        bytes BIGINT NOT NULL, managed BOOLEAN NOT NULL, created_at TIMESTAMPTZ DEFAULT now())`,
      `CREATE TABLE file_hashes (
        path VARCHAR PRIMARY KEY, size BIGINT NOT NULL, mtime_ms DOUBLE NOT NULL, sha256 VARCHAR NOT NULL)`,
    ],
  },
  {
    version: 2,
    description: 'metrics: per-query and aggregate values written by evaluate stages',
    sql: [
      `CREATE TABLE metrics (
        fingerprint VARCHAR NOT NULL, run VARCHAR NOT NULL, dataset VARCHAR NOT NULL,
        qid VARCHAR NOT NULL, measure VARCHAR NOT NULL, value DOUBLE NOT NULL)`,
    ],
  },
  {
    version: 3,
    description: "the LLM request ledger (answers by request key, failed attempts) and generate stages' generations and costs",
    sql: [
      `CREATE TABLE llm_requests (
        key VARCHAR PRIMARY KEY, endpoint VARCHAR NOT NULL, model VARCHAR NOT NULL, body JSON NOT NULL,
        template_version VARCHAR NOT NULL, texts JSON NOT NULL, finish_reasons JSON NOT NULL,
        prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL, tokens_estimated BOOLEAN NOT NULL,
        latency_ms DOUBLE NOT NULL, cost_usd DOUBLE NOT NULL, replica VARCHAR NOT NULL, fingerprint VARCHAR,
        created_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      `CREATE TABLE llm_errors (
        key VARCHAR NOT NULL, fingerprint VARCHAR, replica VARCHAR, attempt INTEGER NOT NULL, final BOOLEAN NOT NULL,
        kind VARCHAR NOT NULL, status INTEGER, message VARCHAR NOT NULL, logged_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      `CREATE TABLE generations (
        fingerprint VARCHAR NOT NULL, qid VARCHAR NOT NULL, sample INTEGER NOT NULL, text VARCHAR NOT NULL,
        request_key VARCHAR, PRIMARY KEY (fingerprint, qid, sample))`,
      `CREATE TABLE generation_stats (fingerprint VARCHAR PRIMARY KEY, stats JSON NOT NULL)`,
    ],
  },
  {
    version: 4,
    description: 'retrieval feedback: the measure of every candidate expansion, and of its query alone',
    sql: [
      `CREATE TABLE feedback (
        fingerprint VARCHAR NOT NULL, qid VARCHAR NOT NULL, pool VARCHAR NOT NULL, sample INTEGER NOT NULL,
        value DOUBLE NOT NULL, baseline DOUBLE NOT NULL, PRIMARY KEY (fingerprint, qid, pool, sample))`,
    ],
  },
  {
    version: 5,
    description: 'training curves: what the trainer logged at each step (loss, rewards, learning rate)',
    sql: [`CREATE TABLE train_metrics (fingerprint VARCHAR NOT NULL, step INTEGER NOT NULL, name VARCHAR NOT NULL, value DOUBLE NOT NULL)`],
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;

/** The store's schema version: 0 for a file qexp has not set up. */
export async function schemaVersion(q: Query): Promise<number> {
  const t = await q.all(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'meta'`);
  if (Number(t[0]?.n) === 0) return 0;
  const rows = await q.all(`SELECT value FROM meta WHERE key = 'schema_version'`);
  return rows.length ? Number(rows[0]?.value) : 0;
}

/** Creates a new store's tables, or applies the steps an older one lacks (inside the caller's transaction). */
export async function migrate(q: Query): Promise<void> {
  const current = await schemaVersion(q);
  if (current === SCHEMA_VERSION) return;
  if (current === 0) {
    for (const t of TABLES) await q.exec(createTableSql(t, t === META));
  } else {
    for (const m of MIGRATIONS.filter((m) => m.version > current)) for (const sql of m.sql) await q.exec(sql);
  }
  await q.exec(`DELETE FROM meta WHERE key = 'schema_version'`);
  await q.exec(`INSERT INTO meta VALUES ('schema_version', ?)`, [String(SCHEMA_VERSION)]);
}
