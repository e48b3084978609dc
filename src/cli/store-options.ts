import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { CliExit, loadOrExit, storePathFor } from './common.js';
import { EXIT } from './exit-codes.js';

export interface StoreOptions {
  store?: string;
  experiment?: string;
  json?: boolean;
  wait?: number;
}

/** The store a command works on: --store, else the experiment's `store:`, else results/qexp.duckdb; it must exist. */
export function existingStore(opts: StoreOptions): string {
  const exp = opts.experiment ? loadOrExit(opts.experiment, Boolean(opts.json)) : undefined;
  const path = storePathFor(exp, opts.store);
  if (!existsSync(path)) {
    process.stderr.write(`qexp: no store at ${path}; pass --store PATH or --experiment FILE\n`);
    throw new CliExit(EXIT.invalid);
  }
  return path;
}

/** Options every store command shares: which store, how long to wait for it, JSON output. */
export function withStoreOptions(cmd: Command): Command {
  return cmd
    .option('--store <path>', 'DuckDB store (default results/qexp.duckdb)')
    .option('--experiment <file>', "use this experiment's store: setting")
    .option('--wait <seconds>', 'wait for a busy store', Number)
    .option('--json', 'machine-readable output');
}
