import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance, type DuckDBValue, listValue as duckList } from '@duckdb/node-api';
import type { HashCache } from '../util/hash.js';
import { Mutex } from '../util/mutex.js';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.js';
import { lockHolder, StoreBusyError } from './store-busy.js';

export type StageStatus = 'running' | 'done' | 'failed' | 'interrupted' | 'waiting';

export interface StageRecord {
  fingerprint: string;
  kind: string;
  kindVersion: number;
  stage: string;
  status: StageStatus;
  runId: string | null;
  pid: number | null;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  config: unknown;
  parts: unknown;
  error: string | null;
  logPath: string | null;
}

export interface ArtifactRecord {
  fingerprint: string;
  name: string;
  path: string;
  sha256: string;
  bytes: number;
  managed: boolean;
}

export interface MetricRow {
  run: string;
  dataset: string;
  qid: string;
  measure: string;
  value: number;
}

/** A stored answer of the LLM ledger. */
export interface LedgerAnswer {
  key: string;
  endpoint: string;
  model: string;
  body: unknown;
  templateVersion: string;
  texts: string[];
  finishReasons: (string | null)[];
  promptTokens: number;
  completionTokens: number;
  tokensEstimated: boolean;
  latencyMs: number;
  costUsd: number;
  replica: string;
  fingerprint: string | null;
}

export interface LedgerError {
  key: string;
  fingerprint: string;
  replica: string | null;
  attempt: number;
  final: boolean;
  kind: string;
  status: number | null;
  message: string;
}

export interface GenerationRow {
  qid: string;
  sample: number;
  text: string;
  requestKey: string | null;
}

export interface FeedbackRow {
  qid: string;
  pool: string;
  sample: number;
  value: number;
  baseline: number;
}

export interface Binding {
  experiment: string;
  variant: string;
  stage: string;
  fingerprint: string;
  parts: unknown;
}

export interface OpenOptions {
  /** Seconds to keep retrying while another process holds the store (0: fail at once). */
  waitSeconds?: number;
  readOnly?: boolean;
}

type Row = Record<string, unknown>;

/** The DuckDB file that keeps every result; one writer process at a time (DuckDB's file lock). */
export class Store implements HashCache {
  private readonly mutex = new Mutex();

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {}

  /** Folder beside the DuckDB file holding managed artifacts, logs and temporary outputs. */
  get dir(): string {
    return dirname(this.path);
  }
  get artifactsDir(): string {
    return join(this.dir, 'artifacts');
  }
  get logsDir(): string {
    return join(this.dir, 'logs');
  }
  get tmpDir(): string {
    return join(this.dir, 'tmp');
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<Store> {
    const abs = resolve(path);
    if (!opts.readOnly) mkdirSync(dirname(abs), { recursive: true });
    const deadline = Date.now() + (opts.waitSeconds ?? 0) * 1000;
    for (;;) {
      try {
        const instance = await DuckDBInstance.create(abs, opts.readOnly ? { access_mode: 'READ_ONLY' } : {});
        const conn = await instance.connect();
        const store = new Store(abs, instance, conn);
        if (!opts.readOnly) await store.migrate();
        else await store.checkVersion();
        return store;
      } catch (err) {
        const holder = lockHolder((err as Error).message);
        if (holder === null) throw err;
        if (Date.now() >= deadline) throw new StoreBusyError(abs, holder);
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }

  private async all(sql: string, params: DuckDBValue[] = []): Promise<Row[]> {
    const reader = await this.conn.runAndReadAll(sql, params);
    return reader.getRowObjectsJson() as Row[];
  }

  private async exec(sql: string, params: DuckDBValue[] = []): Promise<void> {
    await this.conn.run(sql, params);
  }

  /** Runs statements in one transaction, serialized with every other store call of this process. */
  private tx<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      await this.exec('BEGIN TRANSACTION');
      try {
        const out = await fn();
        await this.exec('COMMIT');
        return out;
      } catch (err) {
        await this.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  private read<T>(fn: () => Promise<T>): Promise<T> {
    return this.mutex.run(fn);
  }

  async schemaVersion(): Promise<number> {
    const t = await this.all(`SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'meta'`);
    if (Number(t[0]?.n) === 0) return 0;
    const rows = await this.all(`SELECT value FROM meta WHERE key = 'schema_version'`);
    return rows.length ? Number(rows[0]?.value) : 0;
  }

  private async checkVersion(): Promise<void> {
    const v = await this.schemaVersion();
    if (v > SCHEMA_VERSION) {
      throw new Error(`store ${this.path} has schema version ${v}, newer than this qexp understands (${SCHEMA_VERSION}); upgrade qexp`);
    }
  }

  private async migrate(): Promise<void> {
    await this.checkVersion();
    const current = await this.schemaVersion();
    const pending = MIGRATIONS.filter((m) => m.version > current);
    if (pending.length === 0) return;
    await this.tx(async () => {
      await this.exec('CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)');
      for (const m of pending) for (const sql of m.sql) await this.exec(sql);
      await this.exec(`DELETE FROM meta WHERE key = 'schema_version'`);
      await this.exec(`INSERT INTO meta VALUES ('schema_version', ?)`, [String(SCHEMA_VERSION)]);
    });
  }

  // ---- experiments, variants and runs ----

  saveExperiment(
    name: string,
    file: string,
    description: string | undefined,
    config: unknown,
    variants: { name: string; overrides: unknown }[],
  ): Promise<void> {
    return this.tx(async () => {
      await this.exec('DELETE FROM experiments WHERE name = ?', [name]);
      await this.exec('INSERT INTO experiments (name, file, description, config) VALUES (?, ?, ?, ?)', [
        name,
        file,
        description ?? null,
        JSON.stringify(config),
      ]);
      for (const v of variants) {
        await this.exec('DELETE FROM variants WHERE experiment = ? AND name = ?', [name, v.name]);
        await this.exec('INSERT INTO variants (experiment, name, overrides) VALUES (?, ?, ?)', [name, v.name, JSON.stringify(v.overrides)]);
      }
    });
  }

  beginRun(runId: string, experiment: string, file: string, argv: string[], version: string): Promise<void> {
    return this.tx(() =>
      this.exec(`INSERT INTO runs (run_id, experiment, file, argv, pid, qexp_version, status) VALUES (?, ?, ?, ?, ?, ?, 'running')`, [
        runId,
        experiment,
        file,
        JSON.stringify(argv),
        process.pid,
        version,
      ]),
    );
  }

  endRun(runId: string, status: 'ok' | 'failed' | 'interrupted' | 'waiting'): Promise<void> {
    return this.tx(() => this.exec('UPDATE runs SET status = ?, finished_at = now() WHERE run_id = ?', [status, runId]));
  }

  // ---- stages ----

  async stagesByFingerprint(fps: string[]): Promise<Map<string, StageRecord>> {
    if (fps.length === 0) return new Map();
    const rows = await this.read(() =>
      this.all(`SELECT * FROM stages WHERE fingerprint IN (SELECT unnest(?::VARCHAR[]))`, [listValue(fps)]),
    );
    return new Map(rows.map((r) => [String(r.fingerprint), toStage(r)]));
  }

  async allStages(): Promise<StageRecord[]> {
    return (await this.read(() => this.all('SELECT * FROM stages ORDER BY finished_at NULLS LAST, fingerprint'))).map(toStage);
  }

  markRunning(rec: {
    fingerprint: string;
    kind: string;
    kindVersion: number;
    stage: string;
    runId: string;
    config: unknown;
    parts: unknown;
    logPath: string;
  }): Promise<void> {
    return this.tx(async () => {
      await this.exec('DELETE FROM stages WHERE fingerprint = ?', [rec.fingerprint]);
      await this.exec('DELETE FROM artifacts WHERE fingerprint = ?', [rec.fingerprint]);
      await this.exec(
        `INSERT INTO stages (fingerprint, kind, kind_version, stage, status, run_id, pid, started_at, config, parts, log_path)
         VALUES (?, ?, ?, ?, 'running', ?, ?, now(), ?, ?, ?)`,
        [
          rec.fingerprint,
          rec.kind,
          rec.kindVersion,
          rec.stage,
          rec.runId,
          process.pid,
          JSON.stringify(rec.config),
          JSON.stringify(rec.parts),
          rec.logPath,
        ],
      );
    });
  }

  /** Records outputs (bulk, through the appender) and only then marks the stage done. */
  markDone(fingerprint: string, artifacts: ArtifactRecord[], durationMs: number): Promise<void> {
    return this.tx(async () => {
      await this.exec('DELETE FROM artifacts WHERE fingerprint = ?', [fingerprint]);
      await this.appendRows('artifacts', artifacts, (app, a) => {
        app.appendVarchar(a.fingerprint);
        app.appendVarchar(a.name);
        app.appendVarchar(a.path);
        app.appendVarchar(a.sha256);
        app.appendBigInt(BigInt(a.bytes));
        app.appendBoolean(a.managed);
        app.appendDefault();
      });
      await this.exec(`UPDATE stages SET status = 'done', finished_at = now(), duration_ms = ?, error = NULL WHERE fingerprint = ?`, [
        durationMs,
        fingerprint,
      ]);
    });
  }

  markEnded(fingerprint: string, status: 'failed' | 'interrupted' | 'waiting', error: string, durationMs: number): Promise<void> {
    return this.tx(() =>
      this.exec('UPDATE stages SET status = ?, error = ?, finished_at = now(), duration_ms = ? WHERE fingerprint = ?', [
        status,
        error,
        durationMs,
        fingerprint,
      ]),
    );
  }

  /** Stages left 'running' by a process that no longer holds the store were interrupted. */
  markOrphansInterrupted(): Promise<number> {
    return this.tx(async () => {
      const rows = await this.all(`SELECT count(*) AS n FROM stages WHERE status = 'running'`);
      await this.exec(
        `UPDATE stages SET status = 'interrupted', error = 'the qexp process running it stopped (killed or crashed)' WHERE status = 'running'`,
      );
      await this.exec(`UPDATE runs SET status = 'interrupted' WHERE status = 'running'`);
      return Number(rows[0]?.n ?? 0);
    });
  }

  // ---- bindings: which fingerprint each (experiment, variant, stage) last completed with ----

  async bindings(experiment: string): Promise<Binding[]> {
    const rows = await this.read(() => this.all('SELECT * FROM variant_stages WHERE experiment = ?', [experiment]));
    return rows.map((r) => ({
      experiment: String(r.experiment),
      variant: String(r.variant),
      stage: String(r.stage),
      fingerprint: String(r.fingerprint),
      parts: parseJson(r.parts),
    }));
  }

  bind(list: Binding[]): Promise<void> {
    return this.tx(async () => {
      for (const b of list) {
        await this.exec('DELETE FROM variant_stages WHERE experiment = ? AND variant = ? AND stage = ?', [
          b.experiment,
          b.variant,
          b.stage,
        ]);
        await this.exec('INSERT INTO variant_stages (experiment, variant, stage, fingerprint, parts) VALUES (?, ?, ?, ?, ?)', [
          b.experiment,
          b.variant,
          b.stage,
          b.fingerprint,
          JSON.stringify(b.parts),
        ]);
      }
    });
  }

  // ---- artifacts ----

  async artifacts(fingerprints?: string[]): Promise<ArtifactRecord[]> {
    const rows = await this.read(() =>
      fingerprints
        ? this.all('SELECT * FROM artifacts WHERE fingerprint IN (SELECT unnest(?::VARCHAR[])) ORDER BY fingerprint, name', [
            listValue(fingerprints),
          ])
        : this.all('SELECT * FROM artifacts ORDER BY fingerprint, name'),
    );
    return rows.map((r) => ({
      fingerprint: String(r.fingerprint),
      name: String(r.name),
      path: String(r.path),
      sha256: String(r.sha256),
      bytes: Number(r.bytes),
      managed: Boolean(r.managed),
    }));
  }

  /** Fingerprints some (experiment, variant, stage) currently points at. */
  async referencedFingerprints(): Promise<Set<string>> {
    const rows = await this.read(() => this.all('SELECT DISTINCT fingerprint FROM variant_stages'));
    return new Set(rows.map((r) => String(r.fingerprint)));
  }

  /** Forgets stages (and their artifact rows): used by `cache gc` after their files are removed. */
  forgetStages(fps: string[]): Promise<void> {
    if (fps.length === 0) return Promise.resolve();
    return this.tx(async () => {
      await this.exec('DELETE FROM artifacts WHERE fingerprint IN (SELECT unnest(?::VARCHAR[]))', [listValue(fps)]);
      await this.exec('DELETE FROM metrics WHERE fingerprint IN (SELECT unnest(?::VARCHAR[]))', [listValue(fps)]);
      await this.exec('DELETE FROM generations WHERE fingerprint IN (SELECT unnest(?::VARCHAR[]))', [listValue(fps)]);
      await this.exec('DELETE FROM feedback WHERE fingerprint IN (SELECT unnest(?::VARCHAR[]))', [listValue(fps)]);
      await this.exec('DELETE FROM train_metrics WHERE fingerprint IN (SELECT unnest(?::VARCHAR[]))', [listValue(fps)]);
      await this.exec('DELETE FROM generation_stats WHERE fingerprint IN (SELECT unnest(?::VARCHAR[]))', [listValue(fps)]);
      await this.exec('DELETE FROM stages WHERE fingerprint IN (SELECT unnest(?::VARCHAR[]))', [listValue(fps)]);
    });
  }

  /** Appends rows to a table through DuckDB's appender (fast bulk insert), one `write` per row. */
  private async appendRows<T>(table: string, rows: readonly T[], write: (app: DuckDBAppender, row: T) => void): Promise<void> {
    const app = await this.conn.createAppender(table);
    for (const r of rows) {
      write(app, r);
      app.endRow();
    }
    app.flushSync();
    app.closeSync();
  }

  // ---- metrics ----

  /** Replaces an evaluate stage's rows (per query, and qid 'all' for the aggregate) in one transaction. */
  replaceMetrics(fingerprint: string, rows: MetricRow[]): Promise<void> {
    return this.tx(async () => {
      await this.exec('DELETE FROM metrics WHERE fingerprint = ?', [fingerprint]);
      await this.appendRows('metrics', rows, (app, r) => {
        app.appendVarchar(fingerprint);
        app.appendVarchar(r.run);
        app.appendVarchar(r.dataset);
        app.appendVarchar(r.qid);
        app.appendVarchar(r.measure);
        app.appendDouble(r.value);
      });
    });
  }

  async metrics(fingerprint: string): Promise<MetricRow[]> {
    const rows = await this.read(() =>
      this.all('SELECT run, dataset, qid, measure, value FROM metrics WHERE fingerprint = ? ORDER BY rowid', [fingerprint]),
    );
    return rows.map((r) => ({
      run: String(r.run),
      dataset: String(r.dataset),
      qid: String(r.qid),
      measure: String(r.measure),
      value: Number(r.value),
    }));
  }

  // ---- the LLM ledger ----

  /** Stored answers for these request keys. */
  async answers(keys: string[]): Promise<Map<string, LedgerAnswer>> {
    const out = new Map<string, LedgerAnswer>();
    for (let i = 0; i < keys.length; i += 5000) {
      const rows = await this.read(() =>
        this.all('SELECT * FROM llm_requests WHERE key IN (SELECT unnest(?::VARCHAR[]))', [listValue(keys.slice(i, i + 5000))]),
      );
      for (const r of rows) out.set(String(r.key), toAnswer(r));
    }
    return out;
  }

  /** Every stored answer, or those of the requests a stage made (for export). */
  async ledger(fingerprint?: string): Promise<LedgerAnswer[]> {
    const rows = await this.read(() =>
      fingerprint
        ? this.all(
            `SELECT r.* FROM llm_requests r WHERE r.key IN (SELECT request_key FROM generations WHERE fingerprint = ?) ORDER BY r.key`,
            [fingerprint],
          )
        : this.all('SELECT * FROM llm_requests ORDER BY key'),
    );
    return rows.map(toAnswer);
  }

  /**
   * Stores answers in one transaction; an answer already stored (same key) is kept. With `count`,
   * returns how many were new (two more queries: imports want it, the generate stage does not).
   */
  recordAnswers(answers: LedgerAnswer[], count = false): Promise<number> {
    if (answers.length === 0) return Promise.resolve(0);
    return this.tx(async () => {
      const before = count ? Number((await this.all('SELECT count(*) AS n FROM llm_requests'))[0]?.n ?? 0) : 0;
      for (let i = 0; i < answers.length; i += 200) {
        const chunk = answers.slice(i, i + 200);
        const params: DuckDBValue[] = [];
        for (const a of chunk) {
          params.push(
            a.key,
            a.endpoint,
            a.model,
            JSON.stringify(a.body),
            a.templateVersion,
            JSON.stringify(a.texts),
            JSON.stringify(a.finishReasons),
            a.promptTokens,
            a.completionTokens,
            a.tokensEstimated,
            a.latencyMs,
            a.costUsd,
            a.replica,
            a.fingerprint,
          );
        }
        await this.exec(
          `INSERT OR IGNORE INTO llm_requests (key, endpoint, model, body, template_version, texts, finish_reasons, prompt_tokens,
           completion_tokens, tokens_estimated, latency_ms, cost_usd, replica, fingerprint) VALUES ${chunk
             .map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)')
             .join(', ')}`,
          params,
        );
      }
      if (!count) return answers.length;
      const after = Number((await this.all('SELECT count(*) AS n FROM llm_requests'))[0]?.n ?? 0);
      return after - before;
    });
  }

  recordLlmErrors(errors: LedgerError[]): Promise<void> {
    if (errors.length === 0) return Promise.resolve();
    return this.tx(async () => {
      for (const e of errors) {
        await this.exec(
          'INSERT INTO llm_errors (key, fingerprint, replica, attempt, final, kind, status, message) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          [e.key, e.fingerprint, e.replica, e.attempt, e.final, e.kind, e.status, e.message],
        );
      }
    });
  }

  async llmErrors(fingerprint: string): Promise<LedgerError[]> {
    const rows = await this.read(() => this.all('SELECT * FROM llm_errors WHERE fingerprint = ? ORDER BY logged_at', [fingerprint]));
    return rows.map((r) => ({
      key: String(r.key),
      fingerprint: String(r.fingerprint),
      replica: r.replica === null ? null : String(r.replica),
      attempt: Number(r.attempt),
      final: Boolean(r.final),
      kind: String(r.kind),
      status: r.status === null ? null : Number(r.status),
      message: String(r.message),
    }));
  }

  /** Replaces a generate stage's generations and its stats in one transaction. */
  replaceGenerations(fingerprint: string, rows: GenerationRow[], stats: unknown): Promise<void> {
    return this.tx(async () => {
      await this.exec('DELETE FROM generations WHERE fingerprint = ?', [fingerprint]);
      await this.exec('DELETE FROM generation_stats WHERE fingerprint = ?', [fingerprint]);
      await this.appendRows('generations', rows, (app, r) => {
        app.appendVarchar(fingerprint);
        app.appendVarchar(r.qid);
        app.appendInteger(r.sample);
        app.appendVarchar(r.text);
        if (r.requestKey === null) app.appendNull();
        else app.appendVarchar(r.requestKey);
      });
      await this.exec('INSERT INTO generation_stats VALUES (?, ?)', [fingerprint, JSON.stringify(stats)]);
    });
  }

  async generations(fingerprint: string): Promise<GenerationRow[]> {
    const rows = await this.read(() =>
      this.all('SELECT qid, sample, text, request_key FROM generations WHERE fingerprint = ? ORDER BY rowid', [fingerprint]),
    );
    return rows.map((r) => ({
      qid: String(r.qid),
      sample: Number(r.sample),
      text: String(r.text),
      requestKey: r.request_key === null ? null : String(r.request_key),
    }));
  }

  async generationStats(fingerprint: string): Promise<unknown> {
    const rows = await this.read(() => this.all('SELECT stats FROM generation_stats WHERE fingerprint = ?', [fingerprint]));
    return rows.length ? parseJson(rows[0]?.stats) : undefined;
  }

  /** Feedback rows a (possibly interrupted) feedback stage has stored so far. */
  async feedback(fingerprint: string): Promise<FeedbackRow[]> {
    const rows = await this.read(() =>
      this.all('SELECT qid, pool, sample, value, baseline FROM feedback WHERE fingerprint = ? ORDER BY rowid', [fingerprint]),
    );
    return rows.map((r) => ({
      qid: String(r.qid),
      pool: String(r.pool),
      sample: Number(r.sample),
      value: Number(r.value),
      baseline: Number(r.baseline),
    }));
  }

  /** Appends feedback rows (a batch as it is done: an interrupted stage resumes from them). */
  appendFeedback(fingerprint: string, rows: FeedbackRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.tx(async () => {
      await this.appendRows('feedback', rows, (app, r) => {
        app.appendVarchar(fingerprint);
        app.appendVarchar(r.qid);
        app.appendVarchar(r.pool);
        app.appendInteger(r.sample);
        app.appendDouble(r.value);
        app.appendDouble(r.baseline);
      });
    });
  }

  /** Replaces a train stage's logged curves (step, name, value). */
  replaceTrainMetrics(fingerprint: string, rows: { step: number; name: string; value: number }[]): Promise<void> {
    return this.tx(async () => {
      await this.exec('DELETE FROM train_metrics WHERE fingerprint = ?', [fingerprint]);
      await this.appendRows('train_metrics', rows, (app, r) => {
        app.appendVarchar(fingerprint);
        app.appendInteger(r.step);
        app.appendVarchar(r.name);
        app.appendDouble(r.value);
      });
    });
  }

  async trainMetrics(fingerprint: string): Promise<{ step: number; name: string; value: number }[]> {
    const rows = await this.read(() =>
      this.all('SELECT step, name, value FROM train_metrics WHERE fingerprint = ? ORDER BY step, name', [fingerprint]),
    );
    return rows.map((r) => ({ step: Number(r.step), name: String(r.name), value: Number(r.value) }));
  }

  /** The fingerprint a stage name last completed with, in any experiment and variant of this store (newest first). */
  async latestDone(stage: string): Promise<string | undefined> {
    const rows = await this.read(() =>
      this.all(
        `SELECT s.fingerprint FROM variant_stages b JOIN stages s ON s.fingerprint = b.fingerprint
         WHERE b.stage = ? AND s.status = 'done' ORDER BY s.finished_at DESC LIMIT 1`,
        [stage],
      ),
    );
    return rows.length ? String(rows[0]?.fingerprint) : undefined;
  }

  // ---- file checksum cache ----

  async get(path: string, size: number, mtimeMs: number): Promise<string | undefined> {
    const rows = await this.read(() =>
      this.all('SELECT sha256 FROM file_hashes WHERE path = ? AND size = ? AND mtime_ms = ?', [path, size, mtimeMs]),
    );
    return rows.length ? String(rows[0]?.sha256) : undefined;
  }

  put(path: string, size: number, mtimeMs: number, sha256: string): Promise<void> {
    return this.tx(async () => {
      await this.exec('DELETE FROM file_hashes WHERE path = ?', [path]);
      await this.exec('INSERT INTO file_hashes VALUES (?, ?, ?, ?)', [path, size, mtimeMs, sha256]);
    });
  }
}

function listValue(items: string[]): DuckDBValue {
  return duckList(items);
}

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

function toAnswer(r: Row): LedgerAnswer {
  return {
    key: String(r.key),
    endpoint: String(r.endpoint),
    model: String(r.model),
    body: parseJson(r.body),
    templateVersion: String(r.template_version),
    texts: parseJson(r.texts) as string[],
    finishReasons: parseJson(r.finish_reasons) as (string | null)[],
    promptTokens: Number(r.prompt_tokens),
    completionTokens: Number(r.completion_tokens),
    tokensEstimated: Boolean(r.tokens_estimated),
    latencyMs: Number(r.latency_ms),
    costUsd: Number(r.cost_usd),
    replica: String(r.replica),
    fingerprint: r.fingerprint === null ? null : String(r.fingerprint),
  };
}

function toStage(r: Row): StageRecord {
  const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  const s = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    fingerprint: String(r.fingerprint),
    kind: String(r.kind),
    kindVersion: Number(r.kind_version),
    stage: String(r.stage),
    status: String(r.status) as StageStatus,
    runId: s(r.run_id),
    pid: n(r.pid),
    startedAt: s(r.started_at),
    finishedAt: s(r.finished_at),
    durationMs: n(r.duration_ms),
    config: parseJson(r.config),
    parts: parseJson(r.parts),
    error: s(r.error),
    logPath: s(r.log_path),
  };
}
