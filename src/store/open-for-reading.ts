import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { Database } from './database.js';
import { journalPathOf } from './ledger.js';
import { SCHEMA_VERSION } from './migrations.js';
import { snapshotPathOf } from './snapshot.js';
import { type ReadSource, Store } from './store.js';
import { StoreBusyError } from './store-busy.js';

/** How long a reader waits by default for a writer that publishes no snapshot (`cache gc`, `ledger import`: short). */
export const READ_WAIT_SECONDS = 5;

export class StoreMissingError extends Error {
  constructor(readonly storePath: string) {
    super(`no store at ${storePath}`);
    this.name = 'StoreMissingError';
  }
}

/**
 * Opens a store for commands that only read it (plan, report, exp show, cache ls, gate, ledger
 * export, view), also while `qexp run` holds it. The file itself is opened read-only when no
 * writer holds it (an older schema is brought up to date first, as any command did before);
 * while `qexp run` holds it, the snapshot that run published is opened instead (`store.source`
 * says so, with the run and the time of the copy). A reader sees only committed transactions,
 * so never a stage half written: a stage is recorded done in the transaction after its rows.
 * Close it soon: while a reader has the file open, a starting `qexp run` waits for it.
 */
export async function openStoreForReading(path: string, opts: { waitSeconds?: number } = {}): Promise<Store> {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new StoreMissingError(abs);
  const deadline = Date.now() + (opts.waitSeconds ?? READ_WAIT_SECONDS) * 1000;
  for (;;) {
    const holder = await openFile(abs);
    if (holder instanceof Store) return holder;
    const snapshot = await openSnapshot(abs, holder.pid);
    if (snapshot) return snapshot;
    if (Date.now() >= deadline) throw new StoreBusyError(abs, holder.pid, true);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The store opened read-only, or the pid of the writer holding it. */
async function openFile(abs: string): Promise<Store | { pid: number | undefined }> {
  let db: Database;
  try {
    db = await Database.open(abs, { readOnly: true, anyVersion: true });
  } catch (err) {
    if (err instanceof StoreBusyError) return { pid: err.holderPid };
    throw err;
  }
  // a free store with answers a killed run journaled: a reader must see them too, so they are
  // stored first, as the next writer would (a moment); an older store is upgraded the same way
  if ((await db.schemaVersion()) >= SCHEMA_VERSION && !journalPending(abs)) return Store.over(db, abs, { kind: 'store' });
  db.close();
  try {
    (await Store.open(abs)).close();
  } catch (err) {
    if (err instanceof StoreBusyError) return { pid: err.holderPid };
    throw err;
  }
  return openFile(abs);
}

function journalPending(abs: string): boolean {
  const path = journalPathOf(abs);
  return existsSync(path) && statSync(path).size > 0;
}

/** The snapshot published by the process holding the store (not one left by an earlier writer). */
async function openSnapshot(abs: string, holderPid: number | undefined): Promise<Store | undefined> {
  const path = snapshotPathOf(abs);
  if (!existsSync(path)) return undefined;
  let db: Database;
  try {
    db = await Database.open(path, { readOnly: true, anyVersion: true });
  } catch (err) {
    if (err instanceof StoreBusyError) return undefined;
    throw err;
  }
  const info = (await db.schemaVersion()) === SCHEMA_VERSION ? await db.snapshotInfo() : undefined;
  const current = info !== undefined && (holderPid === undefined ? alive(info.pid) : info.pid === holderPid);
  if (!info || !current) {
    db.close();
    return undefined;
  }
  return Store.over(db, abs, { kind: 'snapshot', path, ...info });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** One line for a reader's output: where its rows come from when not from the store itself. */
export function describeSource(source: ReadSource): string | undefined {
  if (source.kind === 'store') return undefined;
  const run = source.runId ? `run ${source.runId}` : source.command;
  return `the store is in use by ${run} (pid ${source.pid}): showing its snapshot of ${source.takenAt} (${source.path})`;
}
