import { resolve } from 'node:path';
import { ConfigError, type Diagnostic, formatDiagnostic } from '../config/diagnostics.js';
import type { Experiment } from '../config/types.js';
import { loadExperiment } from '../dag/load-experiment.js';
import { describeSource, openStoreForReading, StoreMissingError } from '../store/open-for-reading.js';
import { Store } from '../store/store.js';
import { StoreBusyError } from '../store/store-busy.js';
import { CliExit } from './cli-exit.js';
import { EXIT } from './exit-codes.js';

export { CliExit, VERSION } from './cli-exit.js';

export function diagnosticJson(d: Diagnostic) {
  return { file: d.pos.file, line: d.pos.line, col: d.pos.col, path: d.path, message: d.message };
}

/** Loads an experiment or prints every problem (text or JSON) and exits 2. */
export function loadOrExit(file: string, json: boolean, set: readonly string[] = []): Experiment {
  try {
    return loadExperiment(file, { set });
  } catch (err) {
    if (err instanceof ConfigError) {
      if (json)
        process.stdout.write(`${JSON.stringify({ file, valid: false, diagnostics: err.diagnostics.map(diagnosticJson) }, null, 2)}\n`);
      else printDiagnostics(err.diagnostics);
      throw new CliExit(EXIT.invalid);
    }
    throw err;
  }
}

/** `-S path=value`, repeatable: settings over the experiment file (as `dvc exp run -S`). */
export const SET_FLAG = ['-S, --set <path=value>', 'set an experiment value over the file (repeatable; the value is YAML)'] as const;
export const collectSet = (v: string, prev: string[] = []) => [...prev, v];

export function printDiagnostics(list: Diagnostic[]): void {
  for (const d of list) process.stderr.write(`${formatDiagnostic(d)}\n`);
  process.stderr.write(`${list.length} problem${list.length === 1 ? '' : 's'} found\n`);
}

/** The store file: `--store`, else the experiment's `store:` (relative to its file), else results/qexp.duckdb. */
export function storePathFor(exp: Experiment | undefined, flag: string | undefined): string {
  if (flag) return resolve(flag);
  if (exp?.doc.store) return resolve(exp.map.fileOf('/store'), '..', exp.doc.store);
  return resolve('results/qexp.duckdb');
}

export async function openStoreOrExit(path: string, waitSeconds: number | undefined): Promise<Store> {
  try {
    return await Store.open(path, { waitSeconds: waitSeconds ?? 0 });
  } catch (err) {
    if (err instanceof StoreBusyError) {
      process.stderr.write(`qexp: ${err.message}\n`);
      throw new CliExit(EXIT.failure);
    }
    throw err;
  }
}

/**
 * The store for a command that only reads it: the file, or while `qexp run` holds it, the
 * snapshot that run published (said on stderr). Exits 1 when a writer that publishes none holds it.
 */
export async function openStoreForReadingOrExit(path: string, waitSeconds: number | undefined): Promise<Store> {
  try {
    const store = await openStoreForReading(path, { waitSeconds });
    const note = describeSource(store.source);
    if (note) process.stderr.write(`qexp: ${note}\n`);
    return store;
  } catch (err) {
    if (err instanceof StoreBusyError) {
      process.stderr.write(`qexp: ${err.message}\n`);
      throw new CliExit(EXIT.failure);
    }
    if (err instanceof StoreMissingError) {
      process.stderr.write(`qexp: ${err.message}; pass --store PATH, or run an experiment first\n`);
      throw new CliExit(EXIT.invalid);
    }
    throw err;
  }
}
