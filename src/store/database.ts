import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { open, rename, rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { promisify } from 'node:util';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Mutex } from '../util/mutex.js';
import { appendRows, insertSql } from './columns.js';
import { migrate, SCHEMA_VERSION, schemaVersion } from './migrations.js';
import type { Query } from './query.js';
import { type SnapshotInfo, snapshotPathOf } from './snapshot.js';
import { type LockHolder, lockHolder, StoreBusyError } from './store-busy.js';
import { isDamage, StoreDamagedError } from './store-damaged.js';

export interface OpenOptions {
  /** Seconds to keep retrying while another process holds the store (0: fail at once). */
  waitSeconds?: number;
  readOnly?: boolean;
  /** With readOnly: leave an older schema as it is (the caller upgrades it or says what to do). */
  anyVersion?: boolean;
}

/** What publishing a snapshot cost: the time the store's other calls waited, and the whole. */
export interface SnapshotTiming {
  heldMs: number;
  totalMs: number;
}

let snapshotSeq = 0;

/** Readers hold the file for a moment (one command, one request of the viewer): a writer waits this long for them. */
const READER_GRACE_MS = 30_000;

/** Opens the file once; a lock conflict comes back as its holder, not thrown. */
async function openOnce(abs: string, readOnly: boolean): Promise<DuckDBInstance | LockHolder> {
  try {
    return await DuckDBInstance.create(abs, readOnly ? { access_mode: 'READ_ONLY' } : {});
  } catch (err) {
    const holder = lockHolder((err as Error).message);
    if (holder) return holder;
    if (isDamage(err)) throw new StoreDamagedError(abs, err as Error);
    throw err;
  }
}

/**
 * The DuckDB file: opening it (DuckDB's file lock keeps one writer process; we wait or say who
 * holds it), bringing its schema up to date, and transactions serialized within this process.
 */
export class Database {
  private readonly mutex = new Mutex();
  private readonly q: Query;
  /** A transaction committed since the last snapshot. */
  private changed = false;

  private constructor(
    readonly path: string,
    readonly readOnly: boolean,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {
    // DuckDB's corruption errors become one that names the file and says how to recover
    const guard = async <T>(f: () => Promise<T>): Promise<T> => {
      try {
        return await f();
      } catch (err) {
        throw isDamage(err) ? new StoreDamagedError(path, err as Error) : err;
      }
    };
    this.q = {
      all: (sql, params = []) =>
        guard(async () => (await conn.runAndReadAll(sql, params)).getRowObjectsJson() as Record<string, unknown>[]),
      exec: (sql, params = []) =>
        guard(async () => {
          await conn.run(sql, params);
        }),
      insert: (t, rows, opts) =>
        guard(async () => {
          if (rows.length === 0) return;
          const { sql, params } = insertSql(t, rows, opts);
          await conn.run(sql, params);
        }),
      append: (t, rows, fixed) =>
        guard(async () => {
          const app = await conn.createAppender(t.name);
          try {
            appendRows(app, t, rows, fixed);
            app.flushSync();
          } catch (err) {
            // the transaction rolls back; the row's own error says more than a failed close
            try {
              app.closeSync();
            } catch {}
            throw err;
          }
          app.closeSync();
        }),
    };
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<Database> {
    const abs = resolve(path);
    const readOnly = Boolean(opts.readOnly);
    if (!readOnly) mkdirSync(dirname(abs), { recursive: true });
    const t0 = Date.now();
    const deadline = t0 + (opts.waitSeconds ?? 0) * 1000;
    for (;;) {
      const got = await openOnce(abs, readOnly);
      if (got instanceof DuckDBInstance) {
        let db: Database | undefined;
        try {
          db = new Database(abs, readOnly, got, await got.connect());
          await db.checkVersion(readOnly && opts.anyVersion);
          if (!readOnly) await db.tx((q) => migrate(q));
          return db;
        } catch (err) {
          if (db) db.close();
          else got.closeSync();
          throw err;
        }
      }
      // a reader leaves soon: a writer waits for it even without --wait
      const limit = !readOnly && got.reader ? Math.max(deadline, t0 + READER_GRACE_MS) : deadline;
      if (Date.now() >= limit) throw new StoreBusyError(abs, got.pid);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  close(): void {
    this.conn.closeSync();
    this.instance.closeSync();
  }

  /** Runs statements in one transaction, serialized with every other store call of this process. */
  tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.mutex.run(async () => {
      await this.q.exec('BEGIN TRANSACTION');
      try {
        const out = await fn(this.q);
        await this.q.exec('COMMIT');
        this.changed = true;
        return out;
      } catch (err) {
        await this.q.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** Reads, serialized with the other store calls of this process. */
  read<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    return this.mutex.run(() => fn(this.q));
  }

  schemaVersion(): Promise<number> {
    return this.read(schemaVersion);
  }

  /**
   * Copies the store to its snapshot (snapshot.ts): between two transactions, the description is
   * written into the store, CHECKPOINT folds the WAL into the file, and the file is copied to a
   * temporary name; then, with the store free again, the copy is synced and renamed over the
   * previous snapshot. Skipped when no transaction committed since the last one, unless `force`.
   */
  async publishSnapshot(info: Omit<SnapshotInfo, 'takenAt'>, force = false): Promise<SnapshotTiming | undefined> {
    const t0 = performance.now();
    const dest = snapshotPathOf(this.path);
    const tmp = `${dest}.tmp-${process.pid}-${++snapshotSeq}`;
    const copied = await this.mutex.run(async () => {
      if (!force && !this.changed) return false;
      const full: SnapshotInfo = { ...info, takenAt: new Date().toISOString() };
      await this.q.exec('BEGIN TRANSACTION');
      try {
        await this.q.exec(`DELETE FROM meta WHERE key = 'snapshot'`);
        await this.q.exec(`INSERT INTO meta VALUES ('snapshot', ?)`, [JSON.stringify(full)]);
        await this.q.exec('COMMIT');
      } catch (err) {
        await this.q.exec('ROLLBACK').catch(() => undefined);
        throw err;
      }
      await this.q.exec('CHECKPOINT');
      this.changed = false;
      // by another process: closing any descriptor of the file in this one would drop DuckDB's lock (POSIX locks)
      await promisify(execFile)('cp', ['--', this.path, tmp]).catch(async (err) => {
        await rm(tmp, { force: true });
        throw new Error(`copying ${this.path}: ${String(err.stderr || err.message).trim()}`);
      });
      return true;
    });
    if (!copied) return undefined;
    const heldMs = performance.now() - t0;
    try {
      const fh = await open(tmp, 'r');
      await fh.sync();
      await fh.close();
      await rename(tmp, dest);
      const dir = await open(dirname(dest), 'r');
      await dir.sync().catch(() => undefined);
      await dir.close();
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    return { heldMs, totalMs: performance.now() - t0 };
  }

  /** The description a snapshot carries (undefined in a store that never published one). */
  async snapshotInfo(): Promise<SnapshotInfo | undefined> {
    const rows = await this.read((q) => q.all(`SELECT value FROM meta WHERE key = 'snapshot'`));
    return rows[0] ? (JSON.parse(String(rows[0].value)) as SnapshotInfo) : undefined;
  }

  private async checkVersion(allowOlder = false): Promise<void> {
    const v = await this.schemaVersion();
    if (v > SCHEMA_VERSION) {
      throw new Error(`store ${this.path} has schema version ${v}, newer than this qexp understands (${SCHEMA_VERSION}); upgrade qexp`);
    }
    if (this.readOnly && !allowOlder && v < SCHEMA_VERSION) {
      throw new Error(
        `store ${this.path} has schema version ${v}, older than this qexp's (${SCHEMA_VERSION}); run qexp run once to upgrade it`,
      );
    }
  }
}
