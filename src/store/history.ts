import { listValue } from '@duckdb/node-api';
import { type Row, rowReader } from './columns.js';
import type { Database } from './database.js';
import type { StageRecord } from './stage-records.js';
import { RUNS, STAGES, VARIANTS } from './tables.js';

export type RunRecord = Row<typeof RUNS>;
export type VariantRecord = Omit<Row<typeof VARIANTS>, 'updatedAt'>;
/** An evaluate stage's aggregate value (qid `all`). */
export interface AggregateMetric {
  fingerprint: string;
  dataset: string;
  measure: string;
  value: number;
}

const RUN = rowReader(RUNS);
const VARIANT = rowReader(VARIANTS, ['updatedAt']);
const STAGE = rowReader(STAGES);

/** What the store keeps of earlier runs, for the experiment table (`qexp exp show`, `qexp diff`). */
export class History {
  constructor(private readonly db: Database) {}

  /** Experiments the store has seen, by name. */
  async experimentNames(): Promise<string[]> {
    const rows = await this.db.read((q) => q.all('SELECT name FROM experiments ORDER BY name'));
    return rows.map((r) => String(r.name));
  }

  /** Every `qexp run` of an experiment, oldest first: argv (with its `-S` settings), times, status. */
  async runs(experiment: string): Promise<RunRecord[]> {
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${RUN.columns} FROM runs WHERE experiment = ? ORDER BY started_at, run_id`, [experiment]),
    );
    return rows.map(RUN.decode);
  }

  /** Variants the store has recorded for an experiment, the current file's and earlier ones'. */
  async variants(experiment: string): Promise<VariantRecord[]> {
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${VARIANT.columns} FROM variants WHERE experiment = ? ORDER BY name`, [experiment]),
    );
    return rows.map(VARIANT.decode);
  }

  /** Stages these runs executed (not those they found done), done ones only. */
  async stagesRunBy(runIds: string[]): Promise<StageRecord[]> {
    if (runIds.length === 0) return [];
    const rows = await this.db.read((q) =>
      q.all(
        `SELECT ${STAGE.columns} FROM stages WHERE status = 'done' AND run_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY finished_at, fingerprint`,
        [listValue(runIds)],
      ),
    );
    return rows.map(STAGE.decode);
  }

  /** The aggregate values (qid `all`) of evaluate stages. */
  async aggregateMetrics(fps: string[]): Promise<AggregateMetric[]> {
    if (fps.length === 0) return [];
    const rows = await this.db.read((q) =>
      q.all(
        `SELECT fingerprint, dataset, measure, value FROM metrics WHERE qid = 'all' AND fingerprint IN (SELECT unnest(?::VARCHAR[])) ORDER BY rowid`,
        [listValue(fps)],
      ),
    );
    return rows.map((r) => ({
      fingerprint: String(r.fingerprint),
      dataset: String(r.dataset),
      measure: String(r.measure),
      value: Number(r.value),
    }));
  }
}
