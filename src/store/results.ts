import { decode, type Row, selectList } from './columns.js';
import type { Database } from './database.js';
import { FEEDBACK, GENERATION_STATS, GENERATIONS, METRICS, TRAIN_METRICS } from './tables.js';

export type MetricRow = Omit<Row<typeof METRICS>, 'fingerprint'>;
export type GenerationRow = Omit<Row<typeof GENERATIONS>, 'fingerprint'>;
export type FeedbackRow = Omit<Row<typeof FEEDBACK>, 'fingerprint'>;
export type TrainMetricRow = Omit<Row<typeof TRAIN_METRICS>, 'fingerprint'>;

const METRIC_COLUMNS = selectList(METRICS, ['fingerprint']);
const GENERATION_COLUMNS = selectList(GENERATIONS, ['fingerprint']);
const FEEDBACK_COLUMNS = selectList(FEEDBACK, ['fingerprint']);
const TRAIN_METRIC_COLUMNS = selectList(TRAIN_METRICS, ['fingerprint']);

/** What stages produce as rows, each row keyed by the fingerprint of the stage that wrote it. */
export class Results {
  constructor(private readonly db: Database) {}

  /** Replaces an evaluate stage's rows (per query, and qid 'all' for the aggregate) in one transaction. */
  replaceMetrics(fingerprint: string, rows: MetricRow[]): Promise<void> {
    return this.db.tx(async (q) => {
      await q.exec('DELETE FROM metrics WHERE fingerprint = ?', [fingerprint]);
      await q.append(METRICS, rows, { fingerprint });
    });
  }

  async metrics(fingerprint: string): Promise<MetricRow[]> {
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${METRIC_COLUMNS} FROM metrics WHERE fingerprint = ? ORDER BY rowid`, [fingerprint]),
    );
    return rows.map((r) => decode(METRICS, r, ['fingerprint']));
  }

  /** Replaces a generate stage's generations and its stats in one transaction. */
  replaceGenerations(fingerprint: string, rows: GenerationRow[], stats: unknown): Promise<void> {
    return this.db.tx(async (q) => {
      await q.exec('DELETE FROM generations WHERE fingerprint = ?', [fingerprint]);
      await q.exec('DELETE FROM generation_stats WHERE fingerprint = ?', [fingerprint]);
      await q.append(GENERATIONS, rows, { fingerprint });
      await q.insert(GENERATION_STATS, [{ fingerprint, stats }]);
    });
  }

  async generations(fingerprint: string): Promise<GenerationRow[]> {
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${GENERATION_COLUMNS} FROM generations WHERE fingerprint = ? ORDER BY rowid`, [fingerprint]),
    );
    return rows.map((r) => decode(GENERATIONS, r, ['fingerprint']));
  }

  async generationStats(fingerprint: string): Promise<unknown> {
    const rows = await this.db.read((q) => q.all('SELECT stats FROM generation_stats WHERE fingerprint = ?', [fingerprint]));
    return rows[0] ? decode(GENERATION_STATS, rows[0], ['fingerprint']).stats : undefined;
  }

  /** Feedback rows a (possibly interrupted) feedback stage has stored so far. */
  async feedback(fingerprint: string): Promise<FeedbackRow[]> {
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${FEEDBACK_COLUMNS} FROM feedback WHERE fingerprint = ? ORDER BY rowid`, [fingerprint]),
    );
    return rows.map((r) => decode(FEEDBACK, r, ['fingerprint']));
  }

  /** Appends feedback rows (a batch as it is done: an interrupted stage resumes from them). */
  appendFeedback(fingerprint: string, rows: FeedbackRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.db.tx((q) => q.append(FEEDBACK, rows, { fingerprint }));
  }

  /** Replaces a train stage's logged curves (step, name, value). */
  replaceTrainMetrics(fingerprint: string, rows: TrainMetricRow[]): Promise<void> {
    return this.db.tx(async (q) => {
      await q.exec('DELETE FROM train_metrics WHERE fingerprint = ?', [fingerprint]);
      await q.append(TRAIN_METRICS, rows, { fingerprint });
    });
  }

  async trainMetrics(fingerprint: string): Promise<TrainMetricRow[]> {
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${TRAIN_METRIC_COLUMNS} FROM train_metrics WHERE fingerprint = ? ORDER BY step, name`, [fingerprint]),
    );
    return rows.map((r) => decode(TRAIN_METRICS, r, ['fingerprint']));
  }
}
