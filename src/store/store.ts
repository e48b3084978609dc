import { dirname, join } from 'node:path';
import type { HashCache } from '../util/hash.js';
import { Database, type OpenOptions } from './database.js';
import { FileHashes } from './file-hashes.js';
import { History } from './history.js';
import { Ledger } from './ledger.js';
import { Results } from './results.js';
import type { SnapshotInfo } from './snapshot.js';
import { StageRecords } from './stage-records.js';

export type { OpenOptions } from './database.js';
export type { AggregateMetric } from './history.js';
export type { LedgerAnswer, LedgerError, LedgerFilter } from './ledger.js';
export type { FeedbackRow, GenerationRow, MetricRow, TrainMetricRow } from './results.js';
export type { ArtifactRecord, Binding, ExperimentRecord, RunRecord, StageRecord } from './stage-records.js';
export type { StageStatus } from './tables.js';

/** Where a store's rows are read from: the file itself, or the snapshot a running writer published. */
export type ReadSource = { kind: 'store' } | ({ kind: 'snapshot'; path: string } & SnapshotInfo);

/**
 * The DuckDB file that keeps every result; one writer process at a time (DuckDB's file lock).
 * One object for the stages and commands, its calls served by the modules of each concern.
 */
export class Store implements HashCache {
  private readonly records: StageRecords;
  private readonly llm: Ledger;
  private readonly results: Results;
  private readonly hashes: FileHashes;
  private readonly past: History;

  private constructor(
    private readonly db: Database,
    /** The store this object stands for (a snapshot's rows describe it, not the copy). */
    readonly path: string,
    readonly source: ReadSource,
  ) {
    this.records = new StageRecords(db);
    this.llm = new Ledger(db);
    this.results = new Results(db);
    this.hashes = new FileHashes(db);
    this.past = new History(db);
  }

  /**
   * Opens the store to write (one process at a time), or read-only; readers use openStoreForReading.
   * For writing, it first stores the answers a killed run had journaled (ledger.ts).
   */
  static async open(path: string, opts: OpenOptions = {}): Promise<Store> {
    const db = await Database.open(path, opts);
    const store = new Store(db, db.path, { kind: 'store' });
    if (!opts.readOnly)
      await store.llm.replayJournal().catch((err: unknown) => {
        store.close();
        throw err;
      });
    return store;
  }

  /** A store over a database already open: for readers, the file itself or a writer's snapshot (open-for-reading.ts). */
  static over(db: Database, storePath: string, source: ReadSource): Store {
    return new Store(db, storePath, source);
  }

  get readOnly(): boolean {
    return this.db.readOnly;
  }
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

  close(): void {
    this.llm.closeJournal();
    this.db.close();
  }
  schemaVersion(): Promise<number> {
    return this.db.schemaVersion();
  }
  publishSnapshot(...a: Parameters<Database['publishSnapshot']>) {
    return this.db.publishSnapshot(...a);
  }

  // ---- stage records (stage-records.ts) ----
  saveExperiment(...a: Parameters<StageRecords['saveExperiment']>) {
    return this.records.saveExperiment(...a);
  }
  experiments() {
    return this.records.experiments();
  }
  runs(...a: Parameters<StageRecords['runs']>) {
    return this.records.runs(...a);
  }
  beginRun(...a: Parameters<StageRecords['beginRun']>) {
    return this.records.beginRun(...a);
  }
  endRun(...a: Parameters<StageRecords['endRun']>) {
    return this.records.endRun(...a);
  }
  stagesByFingerprint(...a: Parameters<StageRecords['stagesByFingerprint']>) {
    return this.records.stagesByFingerprint(...a);
  }
  allStages() {
    return this.records.allStages();
  }
  markRunning(...a: Parameters<StageRecords['markRunning']>) {
    return this.records.markRunning(...a);
  }
  markDone(...a: Parameters<StageRecords['markDone']>) {
    return this.records.markDone(...a);
  }
  markEnded(...a: Parameters<StageRecords['markEnded']>) {
    return this.records.markEnded(...a);
  }
  markOrphansInterrupted() {
    return this.records.markOrphansInterrupted();
  }
  bindings(...a: Parameters<StageRecords['bindings']>) {
    return this.records.bindings(...a);
  }
  bind(...a: Parameters<StageRecords['bind']>) {
    return this.records.bind(...a);
  }
  artifacts(...a: Parameters<StageRecords['artifacts']>) {
    return this.records.artifacts(...a);
  }
  referencedFingerprints() {
    return this.records.referencedFingerprints();
  }
  latestDone(...a: Parameters<StageRecords['latestDone']>) {
    return this.records.latestDone(...a);
  }
  forgetStages(...a: Parameters<StageRecords['forgetStages']>) {
    return this.records.forgetStages(...a);
  }

  // ---- what earlier runs computed (history.ts) ----
  stagesRunBy(...a: Parameters<History['stagesRunBy']>) {
    return this.past.stagesRunBy(...a);
  }
  aggregateMetrics(...a: Parameters<History['aggregateMetrics']>) {
    return this.past.aggregateMetrics(...a);
  }

  // ---- results (results.ts) ----
  replaceMetrics(...a: Parameters<Results['replaceMetrics']>) {
    return this.results.replaceMetrics(...a);
  }
  metrics(...a: Parameters<Results['metrics']>) {
    return this.results.metrics(...a);
  }
  replaceGenerations(...a: Parameters<Results['replaceGenerations']>) {
    return this.results.replaceGenerations(...a);
  }
  generations(...a: Parameters<Results['generations']>) {
    return this.results.generations(...a);
  }
  generationStats(...a: Parameters<Results['generationStats']>) {
    return this.results.generationStats(...a);
  }
  feedback(...a: Parameters<Results['feedback']>) {
    return this.results.feedback(...a);
  }
  appendFeedback(...a: Parameters<Results['appendFeedback']>) {
    return this.results.appendFeedback(...a);
  }
  replaceTrainMetrics(...a: Parameters<Results['replaceTrainMetrics']>) {
    return this.results.replaceTrainMetrics(...a);
  }
  trainMetrics(...a: Parameters<Results['trainMetrics']>) {
    return this.results.trainMetrics(...a);
  }

  // ---- the LLM ledger (ledger.ts) ----
  answers(...a: Parameters<Ledger['answers']>) {
    return this.llm.answers(...a);
  }
  /** Every stored answer, or those of the requests a stage made (for export). */
  ledger(...a: Parameters<Ledger['all']>) {
    return this.llm.all(...a);
  }
  selectAnswers(...a: Parameters<Ledger['select']>) {
    return this.llm.select(...a);
  }
  forgetAnswers(...a: Parameters<Ledger['forgetAnswers']>) {
    return this.llm.forgetAnswers(...a);
  }
  journal(...a: Parameters<Ledger['journal']>) {
    return this.llm.journal(...a);
  }
  journalStored(...a: Parameters<Ledger['journalStored']>) {
    return this.llm.journalStored(...a);
  }
  recordAnswers(...a: Parameters<Ledger['recordAnswers']>) {
    return this.llm.recordAnswers(...a);
  }
  recordLlmErrors(...a: Parameters<Ledger['recordLlmErrors']>) {
    return this.llm.recordLlmErrors(...a);
  }
  llmErrors(...a: Parameters<Ledger['llmErrors']>) {
    return this.llm.llmErrors(...a);
  }

  // ---- file checksum cache (file-hashes.ts) ----
  get(...a: Parameters<FileHashes['get']>) {
    return this.hashes.get(...a);
  }
  /** A reader cannot write: its checksums are computed again next time. */
  put(...a: Parameters<FileHashes['put']>) {
    return this.db.readOnly ? Promise.resolve() : this.hashes.put(...a);
  }
}
