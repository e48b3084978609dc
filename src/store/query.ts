import type { DuckDBValue } from '@duckdb/node-api';
import type { NewRow, Table } from './columns.js';

/** Statements on the store's connection; handed out only inside `tx` and `read`. */
export interface Query {
  all(sql: string, params?: DuckDBValue[]): Promise<Record<string, unknown>[]>;
  exec(sql: string, params?: DuckDBValue[]): Promise<void>;
  /** Inserts rows with one statement (bound parameters); `fixed` gives the columns every row shares. */
  insert<T extends Table, F extends keyof NewRow<T> = never>(
    t: T,
    rows: readonly Omit<NewRow<T>, F>[],
    opts?: { orIgnore?: boolean; fixed?: Pick<NewRow<T>, F> },
  ): Promise<void>;
  /** Appends rows through DuckDB's appender (fast bulk insert). */
  append<T extends Table, F extends keyof NewRow<T> = never>(
    t: T,
    rows: readonly Omit<NewRow<T>, F>[],
    fixed?: Pick<NewRow<T>, F>,
  ): Promise<void>;
}
