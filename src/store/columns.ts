import type { DuckDBAppender, DuckDBValue } from '@duckdb/node-api';

/**
 * A table's columns, declared once: the CREATE TABLE, the column order of inserts and appends, the
 * SELECT list and the typed row all derive from the declaration. Keys are the TypeScript field
 * names; the SQL name is their snake_case (`kindVersion` → `kind_version`).
 */

type SqlType = 'VARCHAR' | 'JSON' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMPTZ';

/** Written in place of a TIMESTAMPTZ value: the database's `now()` (the transaction's start). */
export const NOW: unique symbol = Symbol('now()');

/** One column: SQL type, NULL allowed, default; R is the value read back, W the value written. */
export class Column<R, W = R, Nullable extends boolean = false, Defaulted extends boolean = false> {
  declare readonly read: Nullable extends true ? R | null : R;
  declare readonly write: Nullable extends true ? W | null : W;
  declare readonly defaulted: Defaulted;

  constructor(
    readonly type: SqlType,
    readonly nullable: boolean,
    readonly defaultSql?: string,
  ) {}

  /** May hold NULL. */
  null(): Column<R, W, true, Defaulted> {
    return new Column(this.type, true, this.defaultSql);
  }

  /** Filled with `now()` by the database: rows written leave it out. */
  defaultNow(): Column<R, W, Nullable, true> {
    return new Column(this.type, this.nullable, 'now()');
  }
}

export const varchar = <T extends string = string>() => new Column<T>('VARCHAR', false);
/** Stored as JSON text (JS null as the text `null`), read back parsed. */
export const json = <T = unknown>() => new Column<T>('JSON', false);
export const integer = () => new Column<number>('INTEGER', false);
/** Read back as a JS number: byte counts and sizes stay far below 2^53. */
export const bigint = () => new Column<number>('BIGINT', false);
export const double = () => new Column<number>('DOUBLE', false);
export const boolean = () => new Column<boolean>('BOOLEAN', false);
/** Read back as DuckDB prints it ("2026-12-02 10:00:00.123+00"). */
export const timestamptz = () => new Column<string, string | typeof NOW>('TIMESTAMPTZ', false);

/** What every column has, whatever its value types (not the class: calls like `varchar()` infer from it). */
interface AnyColumn {
  readonly type: SqlType;
  readonly nullable: boolean;
  readonly defaultSql?: string;
  readonly read: unknown;
  readonly write: unknown;
  readonly defaulted: boolean;
}
export type Columns = Record<string, AnyColumn>;

export interface Table<C extends Columns = Columns> {
  readonly name: string;
  readonly columns: C;
  readonly primaryKey: readonly string[];
  /** Rows carry the fingerprint of the stage that wrote them and are forgotten with it (`cache gc`). */
  readonly ownedByStage: boolean;
  /** Columns in declaration order: TypeScript key, SQL name, column. */
  readonly order: readonly { key: string; sql: string; column: AnyColumn }[];
}

/** A row as read back. */
export type Row<T extends Table> = { -readonly [K in keyof T['columns']]: T['columns'][K]['read'] };

type DefaultedKeys<C extends Columns> = { [K in keyof C]: C[K]['defaulted'] extends true ? K : never }[keyof C];
/** A row as written: every column but those the database fills. */
export type NewRow<T extends Table> = {
  -readonly [K in Exclude<keyof T['columns'], DefaultedKeys<T['columns']>>]: T['columns'][K]['write'];
};

export function table<C extends Columns>(
  name: string,
  columns: C,
  opts: { primaryKey?: (keyof C & string)[]; ownedByStage?: boolean } = {},
): Table<C> {
  const order = Object.entries(columns).map(([key, column]) => ({ key, sql: snakeCase(key), column }));
  return { name, columns, primaryKey: opts.primaryKey ?? [], ownedByStage: opts.ownedByStage ?? false, order };
}

const snakeCase = (key: string) => key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function createTableSql(t: Table, ifNotExists = false): string {
  const pk = new Set<string>(t.primaryKey);
  const defs = t.order.map(({ key, sql, column }) => {
    // a primary key implies NOT NULL, as the column-level PRIMARY KEY of the first schema did
    const notNull = !column.nullable && !pk.has(key) ? ' NOT NULL' : '';
    return `${sql} ${column.type}${notNull}${column.defaultSql ? ` DEFAULT ${column.defaultSql}` : ''}`;
  });
  if (t.primaryKey.length) defs.push(`PRIMARY KEY (${t.primaryKey.map(snakeCase).join(', ')})`);
  return `CREATE TABLE ${ifNotExists ? 'IF NOT EXISTS ' : ''}${t.name} (${defs.join(', ')})`;
}

/** How to read a table's rows, but the columns in `omit`: the SELECT list, and the typed row of a result row. */
export interface RowReader<T> {
  readonly columns: string;
  readonly decode: (r: Record<string, unknown>) => T;
}

export function rowReader<T extends Table, K extends keyof T['columns'] & string = never>(
  t: T,
  omit: readonly K[] = [],
): RowReader<Omit<Row<T>, K>> {
  const cols = t.order.filter((c) => !(omit as readonly string[]).includes(c.key));
  // a generated object literal: every row gets one shape, built as fast as hand-written code
  // (a feedback stage resumes by reading millions of rows); names come from the declarations only
  const fields = cols.map(({ key, sql, column }) => {
    const v = `r[${JSON.stringify(sql)}]`;
    const read = `READ.${column.type}(${v})`;
    return `${JSON.stringify(key)}: ${column.nullable ? `${v} === null || ${v} === undefined ? null : ${read}` : read}`;
  });
  const decode = new Function('READ', `return (r) => ({ ${fields.join(', ')} });`)(READ);
  return { columns: cols.map((c) => c.sql).join(', '), decode };
}

/** From what `getRowObjectsJson()` gives (BIGINT as text, JSON as text) to the row's value. */
const READ: Record<SqlType, (v: unknown) => unknown> = {
  VARCHAR: String,
  TIMESTAMPTZ: String,
  JSON: parseJson,
  BOOLEAN: Boolean,
  INTEGER: Number,
  BIGINT: Number,
  DOUBLE: Number,
};

function parseJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

/**
 * `INSERT INTO t (every written column) VALUES (...), (...)` with its parameters; NOW becomes
 * `now()`. `fixed` gives columns that have one value for every row (a stage's fingerprint).
 */
export function insertSql(
  t: Table,
  rows: readonly object[],
  opts: { orIgnore?: boolean; fixed?: object } = {},
): { sql: string; params: DuckDBValue[] } {
  const cols = t.order.filter((c) => !c.column.defaultSql);
  const params: DuckDBValue[] = [];
  const tuples = rows.map((row) => {
    const marks = cols.map(({ key, column }) => {
      const v = valueIn(row, opts.fixed, key);
      if (v === NOW) return 'now()';
      params.push(column.type === 'JSON' ? JSON.stringify(v) : (v as DuckDBValue));
      return '?';
    });
    return `(${marks.join(', ')})`;
  });
  const verb = opts.orIgnore ? 'INSERT OR IGNORE INTO' : 'INSERT INTO';
  return { sql: `${verb} ${t.name} (${cols.map((c) => c.sql).join(', ')}) VALUES ${tuples.join(', ')}`, params };
}

/**
 * Appends rows to a DuckDB appender on `t`: every column in order, defaulted ones as DEFAULT, the
 * columns in `fixed` from it. The per-row code is generated once per table and set of fixed
 * columns, straight-line as hand-written appends (feedback and metrics come in 10^5-row batches).
 */
export function appendRows(app: DuckDBAppender, t: Table, rows: readonly object[], fixed: object = {}): void {
  const fixedKeys = Object.keys(fixed).filter((k) => k in t.columns);
  const id = `${t.name}\u0000${fixedKeys.join(',')}`;
  let write = APPENDERS.get(id);
  if (!write) APPENDERS.set(id, (write = rowAppender(t, new Set(fixedKeys))));
  for (const r of rows) {
    write(app, r, fixed, missing);
    app.endRow();
  }
}

type RowAppender = (app: DuckDBAppender, row: object, fixed: object, missing: (key: string) => never) => void;
const APPENDERS = new Map<string, RowAppender>();

function rowAppender(t: Table, fixed: Set<string>): RowAppender {
  const lines = t.order.map(({ key, column }) => {
    if (column.defaultSql) return 'app.appendDefault();';
    const k = JSON.stringify(key);
    const get = `v = ${fixed.has(key) ? 'f' : 'r'}[${k}]; if (v === undefined) missing(${k});`;
    const put = {
      JSON: 'app.appendVarchar(JSON.stringify(v));',
      VARCHAR: 'if (v === null) app.appendNull(); else app.appendVarchar(v);',
      INTEGER: 'if (v === null) app.appendNull(); else app.appendInteger(v);',
      BIGINT: 'if (v === null) app.appendNull(); else app.appendBigInt(BigInt(v));',
      DOUBLE: 'if (v === null) app.appendNull(); else app.appendDouble(v);',
      BOOLEAN: 'if (v === null) app.appendNull(); else app.appendBoolean(v);',
      TIMESTAMPTZ: `if (v === null) app.appendNull(); else throw new Error(${JSON.stringify(
        `append to ${t.name}: TIMESTAMPTZ column ${key} takes its default, NULL or an INSERT`,
      )});`,
    }[column.type];
    return `${get} ${put}`;
  });
  return new Function('app', 'r', 'f', 'missing', `let v; ${lines.join('\n')}`) as RowAppender;
}

function missing(key: string): never {
  throw new Error(`a row has no value for column ${key}`);
}

function valueIn(row: object, fixed: object | undefined, key: string): unknown {
  const v = fixed && key in fixed ? (fixed as Record<string, unknown>)[key] : (row as Record<string, unknown>)[key];
  if (v === undefined) throw new Error(`a row has no value for column ${key}`);
  return v;
}
