import type { Json } from '../../util/json.js';
import type { SettingProblem } from '../trainer-config.js';

/**
 * A launcher: where a train stage's job runs. One object per launcher (in its own file) and a
 * list in `registry.ts`, as the model providers are. Where a job runs does not change what it
 * produces, so nothing of the launcher enters the stage's fingerprint.
 */
export interface Launcher<S extends LaunchSpec = LaunchSpec> {
  /** The `launcher.kind` value that selects it. */
  kind: string;
  /** For the schema's description of `kind`. */
  summary: string;
  /** Its settings under `launcher:` (JSON Schema properties). */
  schema: Record<string, Json>;
  /**
   * The job sees this machine's files (here, or a cluster's shared file system); false: what it
   * reads must travel in its folder (a base checkpoint is copied in).
   */
  sharesFiles: boolean;
  /** Checks beyond the schema; keys are relative to `launcher`. */
  check(spec: S): SettingProblem[];
  /** Runs the job to its end, or leaves it to a person: then what they must do, and the stage waits. */
  launch(spec: S, ctx: LaunchContext): Promise<{ done: true } | { waiting: string }>;
}

/** A train stage's `launcher:` settings, as the schema leaves them (defaults filled in). */
export interface LaunchSpec {
  kind: string;
  /** What runs the trainer script (the train stage's, not the launcher's). */
  command?: string;
  timeout_s: number;
}

export interface LaunchContext {
  jobDir: string;
  /** The job's entry point, `run.sh` in the job folder. */
  script: string;
  name: string;
  /** Where the finished job's checkpoint is, and whether it is complete there (a manual run's, copied back). */
  outputDir: string;
  finished(): boolean;
  log(line: string): void;
  progress(done: number, total: number | undefined, unit: string | undefined): void;
  signal: AbortSignal;
}

/** A launcher with its own settings' type, as the registry lists it (each is only ever given its own kind's settings). */
export function defineLauncher<S extends LaunchSpec>(l: Launcher<S>): Launcher {
  return l as unknown as Launcher;
}

/** `timeout_s`, which local and Slurm runs share. */
export const TIMEOUT_SCHEMA: Json = {
  description: 'Seconds the job may run before it is stopped (a local run gets SIGTERM and saves; a Slurm job is cancelled).',
  type: 'number',
  exclusiveMinimum: 0,
  default: 172800,
};
