import { listValue } from '@duckdb/node-api';
import { rowReader } from './columns.js';
import type { Database } from './database.js';
import type { StageRecord } from './stage-records.js';
import { STAGES } from './tables.js';

/** An evaluate stage's aggregate value (qid `all`). */
export interface AggregateMetric {
  fingerprint: string;
  dataset: string;
  measure: string;
  value: number;
}

const STAGE = rowReader(STAGES);

/** What earlier runs computed, for the experiment table (`qexp exp show`, `qexp diff`); the runs themselves are in stage-records.ts. */
export class History {
  constructor(private readonly db: Database) {}

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
