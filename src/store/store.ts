import { dirname, join } from 'node:path';
import type { HashCache } from '../util/hash.js';
import { Database, type OpenOptions } from './database.js';
import { FileHashes } from './file-hashes.js';
import { Ledger } from './ledger.js';
import { Results } from './results.js';
import { StageRecords } from './stage-records.js';

export type { OpenOptions } from './database.js';
export type { LedgerAnswer, LedgerError } from './ledger.js';
export type { FeedbackRow, GenerationRow, MetricRow, TrainMetricRow } from './results.js';
export type { ArtifactRecord, Binding, StageRecord } from './stage-records.js';
export type { StageStatus } from './tables.js';

/**
 * The DuckDB file that keeps every result; one writer process at a time (DuckDB's file lock).
 * One object for the stages and commands, its calls served by the modules of each concern.
 */
export class Store implements HashCache {
  private readonly records: StageRecords;
  private readonly llm: Ledger;
  private readonly results: Results;
  private readonly hashes: FileHashes;

  private constructor(private readonly db: Database) {
    this.records = new StageRecords(db);
    this.llm = new Ledger(db);
    this.results = new Results(db);
    this.hashes = new FileHashes(db);
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<Store> {
    return new Store(await Database.open(path, opts));
  }

  get path(): string {
    return this.db.path;
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
    this.db.close();
  }
  schemaVersion(): Promise<number> {
    return this.db.schemaVersion();
  }

  // ---- stage records (stage-records.ts) ----
  saveExperiment(...a: Parameters<StageRecords['saveExperiment']>) {
    return this.records.saveExperiment(...a);
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
  put(...a: Parameters<FileHashes['put']>) {
    return this.hashes.put(...a);
  }
}
