import { existsSync } from 'node:fs';
import { snapshotPathOf } from './snapshot.js';

/**
 * DuckDB's own words for a file it cannot trust: a bad header, a block whose checksum fails, a
 * file cut short, a WAL it cannot replay, or a database it invalidated after such an error.
 */
const DAMAGE =
  /not a valid DuckDB database file|Corrupt database file|Could not read enough bytes from file|Failure while replaying WAL|database has been invalidated/i;

export function isDamage(err: unknown): boolean {
  return err instanceof Error && DAMAGE.test(err.message) && !(err instanceof StoreDamagedError);
}

/** The store file is damaged: names it, quotes DuckDB, and says how to recover without losing more. */
export class StoreDamagedError extends Error {
  constructor(
    readonly storePath: string,
    readonly duckdbError: Error,
  ) {
    const snapshot = snapshotPathOf(storePath);
    const detail = duckdbError.message.split('\n')[0]?.replace(/^(IO|INTERNAL|FATAL|Serialization) Error: /, '');
    const fromSnapshot =
      existsSync(snapshot) && snapshot !== storePath
        ? `  - restore the last snapshot (taken by qexp run after each stage): cp ${snapshot} ${storePath}; ` +
          'stages that ended after it run again;\n'
        : '';
    super(
      `store ${storePath} is damaged and cannot be read (DuckDB: ${detail}).\n` +
        `Move it aside first (mv ${storePath} ${storePath}.damaged), then either\n${fromSnapshot}` +
        '  - start from an empty store: qexp run creates one; every stage runs again (files under artifacts/ are replaced), ' +
        'and LLM requests are sent again unless their answers are imported first (qexp ledger import FILE).',
    );
    this.name = 'StoreDamagedError';
  }
}
