import type { Diagnostic } from '../config/diagnostics.js';
import type { SourceMap } from '../config/source-map.js';
import type { ExperimentDoc } from '../config/types.js';
import type { Store } from '../store/store.js';
import type { Json } from '../util/json.js';
import type { ArtifactType } from './artifact-types.js';

export type { Json };

/**
 * Thrown by a stage that cannot go on until a person does something elsewhere (a manual training
 * run): the stage is recorded `waiting`, the stages after it are skipped, the others run, and a
 * later `qexp run` tries it again.
 */
export class StageWaiting extends Error {}

/** What a stage kind sees of the experiment when checking or resolving one stage. */
export interface StageScope {
  doc: ExperimentDoc;
  map: SourceMap;
  stageName: string;
  /** JSON Pointer of the stage declaration, e.g. `/stages/score`. */
  ptr: string;
  variant: string;
  /** Absolute path for a relative path written at `ptr` (relative to the file that wrote it). */
  resolvePath(ptr: string, path: string): string;
  /** Path as recorded in fingerprints: relative to the project root, POSIX separators. */
  recordPath(abs: string): string;
  /** Outputs (name → artifact type) of another stage of the experiment; undefined if there is no such stage. */
  outputsOf(stageName: string): Record<string, ArtifactType> | undefined;
  /** A diagnostic at a key of this stage (`key` in pointer form below the stage, e.g. `trainer/lora`). */
  at(key: string, message: string): Diagnostic;
}

/** Everything that identifies a stage's work, apart from its inputs' fingerprints. */
export interface Resolved {
  /** The stage's own settings after defaults and substitutions (references normalised, paths in recorded form). */
  own: Json;
  /** Experiment settings the stage reads, by dotted path (e.g. `retrieval.bm25.k1`). */
  uses: Record<string, Json>;
  /** Absolute paths of the files and folders it reads; their checksums enter the fingerprint. */
  files: string[];
  /** Names of the outputs it produces. */
  outputs: string[];
  /** Output name → absolute path where a copy is published after success. */
  publish: Record<string, string>;
  /** Settings the run needs that cannot change its result (concurrency, timeouts): not fingerprinted. */
  runtime?: Json;
}

/** What the DAG hands a stage's `run`. */
export interface RunContext {
  fingerprint: string;
  stageName: string;
  variants: string[];
  resolved: Resolved;
  /** Upstream stage name → output name → absolute path. */
  inputs: Record<string, Record<string, string>>;
  /** Upstream stage name → its fingerprint (for manifests that say where data came from). */
  inputFingerprints: Record<string, string>;
  /** A fresh folder for managed outputs; it becomes the artifact folder on success. */
  tmpDir: string;
  /** Folder of the experiment file (default working directory). */
  experimentDir: string;
  /** Project root: recorded paths are relative to it. */
  root: string;
  logFile: string;
  log(line: string): void;
  /**
   * Reports progress of long work (the display turns it into counts, percent, rate and ETA, then the
   * note, e.g. a cost so far). The first call says where this attempt starts (work resumed from an
   * earlier one is not counted in the rate); `estimated`: the total is an estimate.
   */
  progress(done: number, total?: number, unit?: string, note?: string, estimated?: boolean): void;
  /** Names a long step that has no counts (`merging postings`), shown until the next one or the end. */
  step(name: string): void;
  signal: AbortSignal;
  /** The store, for stages whose results are rows (metrics, generations) rather than files. */
  store: Store;
}

export interface StageOutput {
  /** Absolute path. Managed outputs lie under `tmpDir` and are moved into the artifact folder. */
  path: string;
  managed: boolean;
}

/** A reference from one stage to another, with the JSON Pointer (below the stage) where it is written. */
export interface StageRef {
  stage: string;
  ptr: string;
}

/**
 * What running a stage does beyond reading and writing the store's files: the commands it starts
 * and the addresses it reaches. `qexp plan` shows them; `qexp run --safe` refuses commands.
 */
export interface StageEffects {
  /** Commands run on this machine (a shell stage's, a trainer, a model server, offline generation). */
  commands: string[];
  /** Addresses reached, and the environment variables whose values go with the requests. */
  network: { url: string; what: string; credentials: string[] }[];
}
