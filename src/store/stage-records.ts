import { listValue } from '@duckdb/node-api';
import { NOW, type Row, rowReader } from './columns.js';
import type { Database } from './database.js';
import { ARTIFACTS, EXPERIMENTS, RUNS, STAGES, TABLES, VARIANT_STAGES, VARIANTS } from './tables.js';

export type StageRecord = Row<typeof STAGES>;
export type ArtifactRecord = Omit<Row<typeof ARTIFACTS>, 'createdAt'>;
/** Which fingerprint an (experiment, variant, stage) last completed with. */
export type Binding = Omit<Row<typeof VARIANT_STAGES>, 'boundAt'>;
export type ExperimentRecord = Row<typeof EXPERIMENTS> & { variants: { name: string; overrides: unknown }[] };
export type RunRecord = Row<typeof RUNS>;

const STAGE = rowReader(STAGES);
const EXPERIMENT = rowReader(EXPERIMENTS);
const VARIANT = rowReader(VARIANTS);
const RUN = rowReader(RUNS);
const ARTIFACT = rowReader(ARTIFACTS, ['createdAt']);
const BINDING = rowReader(VARIANT_STAGES, ['boundAt']);

/** Experiments, their runs, each stage's attempt and outputs, and what each variant points at. */
export class StageRecords {
  constructor(private readonly db: Database) {}

  saveExperiment(
    name: string,
    file: string,
    description: string | undefined,
    config: unknown,
    variants: { name: string; overrides: unknown }[],
  ): Promise<void> {
    return this.db.tx(async (q) => {
      await q.exec('DELETE FROM experiments WHERE name = ?', [name]);
      await q.insert(EXPERIMENTS, [{ name, file, description: description ?? null, config }]);
      for (const v of variants) {
        await q.exec('DELETE FROM variants WHERE experiment = ? AND name = ?', [name, v.name]);
        await q.insert(VARIANTS, [{ experiment: name, name: v.name, overrides: v.overrides }]);
      }
    });
  }

  /** Every experiment run into this store, with its variants as last saved. */
  async experiments(): Promise<ExperimentRecord[]> {
    const [exps, variants] = await this.db.read(async (q) => [
      await q.all(`SELECT ${EXPERIMENT.columns} FROM experiments ORDER BY name`),
      await q.all(`SELECT ${VARIANT.columns} FROM variants ORDER BY experiment, rowid`),
    ]);
    const byExp = new Map<string, { name: string; overrides: unknown }[]>();
    for (const r of variants.map(VARIANT.decode))
      byExp.set(r.experiment, [...(byExp.get(r.experiment) ?? []), { name: r.name, overrides: r.overrides }]);
    return exps.map((r) => {
      const e = EXPERIMENT.decode(r);
      return { ...e, variants: byExp.get(e.name) ?? [] };
    });
  }

  /** The runs of an experiment (or of every experiment), newest first. */
  async runs(experiment?: string): Promise<RunRecord[]> {
    const rows = await this.db.read((q) =>
      experiment
        ? q.all(`SELECT ${RUN.columns} FROM runs WHERE experiment = ? ORDER BY started_at DESC`, [experiment])
        : q.all(`SELECT ${RUN.columns} FROM runs ORDER BY started_at DESC`),
    );
    return rows.map(RUN.decode);
  }

  beginRun(runId: string, experiment: string, file: string, argv: string[], version: string): Promise<void> {
    return this.db.tx((q) =>
      q.insert(RUNS, [{ runId, experiment, file, argv, pid: process.pid, qexpVersion: version, finishedAt: null, status: 'running' }]),
    );
  }

  endRun(runId: string, status: 'ok' | 'failed' | 'interrupted' | 'waiting'): Promise<void> {
    return this.db.tx((q) => q.exec('UPDATE runs SET status = ?, finished_at = now() WHERE run_id = ?', [status, runId]));
  }

  async stagesByFingerprint(fps: string[]): Promise<Map<string, StageRecord>> {
    if (fps.length === 0) return new Map();
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${STAGE.columns} FROM stages WHERE fingerprint IN (SELECT unnest(?::VARCHAR[]))`, [listValue(fps)]),
    );
    return new Map(rows.map((r) => [String(r.fingerprint), STAGE.decode(r)]));
  }

  async allStages(): Promise<StageRecord[]> {
    const rows = await this.db.read((q) => q.all(`SELECT ${STAGE.columns} FROM stages ORDER BY finished_at NULLS LAST, fingerprint`));
    return rows.map(STAGE.decode);
  }

  /** Records a stage's attempt as running (forgetting any earlier attempt and its outputs). */
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
    return this.db.tx(async (q) => {
      await q.exec('DELETE FROM stages WHERE fingerprint = ?', [rec.fingerprint]);
      await q.exec('DELETE FROM artifacts WHERE fingerprint = ?', [rec.fingerprint]);
      await q.insert(STAGES, [
        { ...rec, status: 'running', pid: process.pid, startedAt: NOW, finishedAt: null, durationMs: null, error: null },
      ]);
    });
  }

  /** Records outputs (bulk, through the appender) and only then marks the stage done. */
  markDone(fingerprint: string, artifacts: ArtifactRecord[], durationMs: number): Promise<void> {
    return this.db.tx(async (q) => {
      await q.exec('DELETE FROM artifacts WHERE fingerprint = ?', [fingerprint]);
      await q.append(ARTIFACTS, artifacts);
      await q.exec(`UPDATE stages SET status = 'done', finished_at = now(), duration_ms = ?, error = NULL WHERE fingerprint = ?`, [
        durationMs,
        fingerprint,
      ]);
    });
  }

  markEnded(fingerprint: string, status: 'failed' | 'interrupted' | 'waiting', error: string, durationMs: number): Promise<void> {
    return this.db.tx((q) =>
      q.exec('UPDATE stages SET status = ?, error = ?, finished_at = now(), duration_ms = ? WHERE fingerprint = ?', [
        status,
        error,
        durationMs,
        fingerprint,
      ]),
    );
  }

  /** Stages left 'running' by a process that no longer holds the store were interrupted. */
  markOrphansInterrupted(): Promise<number> {
    return this.db.tx(async (q) => {
      const rows = await q.all(`SELECT count(*) AS n FROM stages WHERE status = 'running'`);
      await q.exec(
        `UPDATE stages SET status = 'interrupted', error = 'the qexp process running it stopped (killed or crashed)' WHERE status = 'running'`,
      );
      await q.exec(`UPDATE runs SET status = 'interrupted' WHERE status = 'running'`);
      return Number(rows[0]?.n ?? 0);
    });
  }

  async bindings(experiment: string): Promise<Binding[]> {
    const rows = await this.db.read((q) => q.all(`SELECT ${BINDING.columns} FROM variant_stages WHERE experiment = ?`, [experiment]));
    return rows.map(BINDING.decode);
  }

  bind(list: Binding[]): Promise<void> {
    return this.db.tx(async (q) => {
      for (const b of list) {
        await q.exec('DELETE FROM variant_stages WHERE experiment = ? AND variant = ? AND stage = ?', [b.experiment, b.variant, b.stage]);
        await q.insert(VARIANT_STAGES, [b]);
      }
    });
  }

  async artifacts(fingerprints?: string[]): Promise<ArtifactRecord[]> {
    if (fingerprints?.length === 0) return [];
    const rows = await this.db.read((q) =>
      fingerprints
        ? q.all(`SELECT ${ARTIFACT.columns} FROM artifacts WHERE fingerprint IN (SELECT unnest(?::VARCHAR[])) ORDER BY fingerprint, name`, [
            listValue(fingerprints),
          ])
        : q.all(`SELECT ${ARTIFACT.columns} FROM artifacts ORDER BY fingerprint, name`),
    );
    return rows.map(ARTIFACT.decode);
  }

  /** Fingerprints some (experiment, variant, stage) currently points at. */
  async referencedFingerprints(): Promise<Set<string>> {
    const rows = await this.db.read((q) => q.all('SELECT DISTINCT fingerprint FROM variant_stages'));
    return new Set(rows.map((r) => String(r.fingerprint)));
  }

  /** The fingerprint a stage name last completed with, in any experiment and variant of this store (newest first). */
  async latestDone(stage: string): Promise<string | undefined> {
    const rows = await this.db.read((q) =>
      q.all(
        `SELECT s.fingerprint FROM variant_stages b JOIN stages s ON s.fingerprint = b.fingerprint
         WHERE b.stage = ? AND s.status = 'done' ORDER BY s.finished_at DESC LIMIT 1`,
        [stage],
      ),
    );
    return rows.length ? String(rows[0]?.fingerprint) : undefined;
  }

  /** Forgets stages with every row they wrote (the tables owned by a stage): `cache gc`, after their files are removed. */
  forgetStages(fps: string[]): Promise<void> {
    if (fps.length === 0) return Promise.resolve();
    return this.db.tx(async (q) => {
      for (const t of TABLES.filter((t) => t.ownedByStage)) {
        await q.exec(`DELETE FROM ${t.name} WHERE fingerprint IN (SELECT unnest(?::VARCHAR[]))`, [listValue(fps)]);
      }
    });
  }
}
