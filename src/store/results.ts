import { type Row, rowReader } from './columns.js';
import type { Database } from './database.js';
import { FEEDBACK, GENERATION_STATS, GENERATIONS, METRICS, TRAIN_METRICS } from './tables.js';

export type MetricRow = Omit<Row<typeof METRICS>, 'fingerprint'>;
export type GenerationRow = Omit<Row<typeof GENERATIONS>, 'fingerprint'>;
export type FeedbackRow = Omit<Row<typeof FEEDBACK>, 'fingerprint'>;
export type TrainMetricRow = Omit<Row<typeof TRAIN_METRICS>, 'fingerprint'>;

const METRIC = rowReader(METRICS, ['fingerprint']);
const GENERATION = rowReader(GENERATIONS, ['fingerprint']);
const GENERATION_STAT = rowReader(GENERATION_STATS, ['fingerprint']);
const FEEDBACK_ROW = rowReader(FEEDBACK, ['fingerprint']);
const TRAIN_METRIC = rowReader(TRAIN_METRICS, ['fingerprint']);

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
      q.all(`SELECT ${METRIC.columns} FROM metrics WHERE fingerprint = ? ORDER BY rowid`, [fingerprint]),
    );
    return rows.map(METRIC.decode);
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
      q.all(`SELECT ${GENERATION.columns} FROM generations WHERE fingerprint = ? ORDER BY rowid`, [fingerprint]),
    );
    return rows.map(GENERATION.decode);
  }

  async generationStats(fingerprint: string): Promise<unknown> {
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${GENERATION_STAT.columns} FROM generation_stats WHERE fingerprint = ?`, [fingerprint]),
    );
    return rows[0] ? GENERATION_STAT.decode(rows[0]).stats : undefined;
  }

  /** Feedback rows a (possibly interrupted) feedback stage has stored so far. */
  async feedback(fingerprint: string): Promise<FeedbackRow[]> {
    const rows = await this.db.read((q) =>
      q.all(`SELECT ${FEEDBACK_ROW.columns} FROM feedback WHERE fingerprint = ? ORDER BY rowid`, [fingerprint]),
    );
    return rows.map(FEEDBACK_ROW.decode);
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
      q.all(`SELECT ${TRAIN_METRIC.columns} FROM train_metrics WHERE fingerprint = ? ORDER BY step, name`, [fingerprint]),
    );
    return rows.map(TRAIN_METRIC.decode);
  }
}
