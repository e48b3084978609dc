import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { Mutex } from '../util/mutex.js';
import { appendRows, insertSql } from './columns.js';
import { migrate, SCHEMA_VERSION, schemaVersion } from './migrations.js';
import type { Query } from './query.js';
import { lockHolder, StoreBusyError } from './store-busy.js';

export interface OpenOptions {
  /** Seconds to keep retrying while another process holds the store (0: fail at once). */
  waitSeconds?: number;
  readOnly?: boolean;
}

/**
 * The DuckDB file: opening it (DuckDB's file lock keeps one writer process; we wait or say who
 * holds it), bringing its schema up to date, and transactions serialized within this process.
 */
export class Database {
  private readonly mutex = new Mutex();
  private readonly q: Query;

  private constructor(
    readonly path: string,
    private readonly instance: DuckDBInstance,
    private readonly conn: DuckDBConnection,
  ) {
    this.q = {
      all: async (sql, params = []) => (await conn.runAndReadAll(sql, params)).getRowObjectsJson() as Record<string, unknown>[],
      exec: async (sql, params = []) => {
        await conn.run(sql, params);
      },
      insert: async (t, rows, opts) => {
        if (rows.length === 0) return;
        const { sql, params } = insertSql(t, rows, opts);
        await conn.run(sql, params);
      },
      append: async (t, rows, fixed) => {
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
      },
    };
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<Database> {
    const abs = resolve(path);
    if (!opts.readOnly) mkdirSync(dirname(abs), { recursive: true });
    const deadline = Date.now() + (opts.waitSeconds ?? 0) * 1000;
    for (;;) {
      let db: Database | undefined;
      try {
        const instance = await DuckDBInstance.create(abs, opts.readOnly ? { access_mode: 'READ_ONLY' } : {});
        db = new Database(abs, instance, await instance.connect());
        await db.checkVersion();
        if (!opts.readOnly) await db.tx((q) => migrate(q));
        return db;
      } catch (err) {
        db?.close();
        const holder = lockHolder((err as Error).message);
        if (holder === null) throw err;
        if (Date.now() >= deadline) throw new StoreBusyError(abs, holder);
        await new Promise((r) => setTimeout(r, 250));
      }
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

  private async checkVersion(): Promise<void> {
    const v = await this.schemaVersion();
    if (v > SCHEMA_VERSION) {
      throw new Error(`store ${this.path} has schema version ${v}, newer than this qexp understands (${SCHEMA_VERSION}); upgrade qexp`);
    }
  }
}
