import { afterAll, describe, expect, it } from 'vitest';
import { NOW, rowReader } from '../../src/store/columns.js';
import { Database } from '../../src/store/database.js';
import { GENERATIONS, STAGES, TABLES } from '../../src/store/tables.js';
import { instants, scratch } from './fixtures/duckdb-files.js';

const tmp = scratch();
afterAll(() => tmp.remove());

/** A value for every column kind, unlike any default, and NULL where a column allows it (on odd rows). */
function rowOf(t: (typeof TABLES)[number], i: number, appended: boolean): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const { key, column } of t.order) {
    if (column.defaultSql) continue;
    if (column.nullable && (i % 2 === 1 || (appended && column.type === 'TIMESTAMPTZ'))) row[key] = null;
    else if (column.type === 'VARCHAR') row[key] = `${key} ✓ ${i}`;
    else if (column.type === 'JSON') row[key] = { key, i, list: [1.5, null, 'x'] };
    else if (column.type === 'INTEGER') row[key] = 1000 + i;
    else if (column.type === 'BIGINT') row[key] = 2 ** 40 + i;
    else if (column.type === 'DOUBLE') row[key] = i + 1 / 3;
    else if (column.type === 'BOOLEAN') row[key] = i % 2 === 0;
    else row[key] = `2026-12-0${i + 1} 10:11:12.25+00`;
  }
  return row;
}

describe('table declarations', () => {
  it('every table round-trips rows through INSERT and the appender: values, NULLs and column order', async () => {
    const db = await Database.open(tmp.path('round-trip.duckdb'));
    try {
      for (const t of TABLES) {
        if (t.name === 'meta') continue;
        const inserted = [rowOf(t, 0, false), rowOf(t, 1, false)];
        const appended = [rowOf(t, 2, true), rowOf(t, 3, true)];
        const back = await db.tx(async (q) => {
          await q.exec(`DELETE FROM ${t.name}`);
          await q.insert(t, inserted as never[]);
          await q.append(t, appended as never[]);
          return q.all(`SELECT ${rowReader(t).columns} FROM ${t.name} ORDER BY rowid`);
        });
        const decoded = back.map(rowReader(t).decode);
        const filled = t.order.filter((c) => c.column.defaultSql).map((c) => c.key);
        // defaulted columns were filled by now()
        for (const d of decoded)
          for (const k of filled) expect({ table: t.name, k, v: d[k as never] }).toMatchObject({ v: expect.any(String) });
        const written = decoded.map((d) => Object.fromEntries(Object.entries(d).filter(([k]) => !filled.includes(k))));
        expect({ table: t.name, rows: instants(written) }).toEqual({ table: t.name, rows: instants([...inserted, ...appended]) });
      }
    } finally {
      db.close();
    }
  });

  it('a value shared by every row (`fixed`) and NOW go where their column is', async () => {
    const db = await Database.open(tmp.path('fixed.duckdb'));
    try {
      const [rows, now] = await db.tx(async (q) => {
        await q.append(GENERATIONS, [{ qid: 'q1', sample: 0, text: 'a', requestKey: null }], { fingerprint: 'fp' });
        await q.insert(GENERATIONS, [{ qid: 'q2', sample: 1, text: 'b', requestKey: 'k' }], { fixed: { fingerprint: 'fp' } });
        const stage = { kind: 'k', kindVersion: 1, stage: 's', status: 'running', runId: null, pid: null, durationMs: null } as const;
        const rest = { config: {}, parts: {}, error: null, logPath: null, finishedAt: null };
        await q.insert(STAGES, [{ ...stage, ...rest, fingerprint: 'fp', startedAt: NOW }]);
        return Promise.all([
          q.all('SELECT fingerprint, qid, sample, text, request_key FROM generations ORDER BY qid'),
          // now() is the transaction's start: the row's started_at is that instant
          q.all('SELECT started_at = now() AS same, finished_at FROM stages'),
        ]);
      });
      expect(rows).toEqual([
        { fingerprint: 'fp', qid: 'q1', sample: 0, text: 'a', request_key: null },
        { fingerprint: 'fp', qid: 'q2', sample: 1, text: 'b', request_key: 'k' },
      ]);
      expect(now).toEqual([{ same: true, finished_at: null }]);
    } finally {
      db.close();
    }
  });

  it('a row without a value for a column is refused, not stored with a NULL', async () => {
    const db = await Database.open(tmp.path('missing.duckdb'));
    try {
      await expect(db.tx((q) => q.insert(GENERATIONS, [{ qid: 'q', sample: 0, text: 't' } as never]))).rejects.toThrow(
        'a row has no value for column fingerprint',
      );
      const rows = [
        { qid: 'q', sample: 0, text: 't', requestKey: null },
        { qid: 'q', sample: 1, text: 't' },
      ];
      await expect(db.tx((q) => q.append(GENERATIONS, rows as never[], { fingerprint: 'fp' }))).rejects.toThrow(
        'a row has no value for column requestKey',
      );
      expect(await db.read((q) => q.all('SELECT count(*)::INTEGER AS n FROM generations'))).toEqual([{ n: 0 }]);
      // the store is usable after the refused rows
      await db.tx((q) => q.append(GENERATIONS, [rows[0] as never], { fingerprint: 'fp' }));
      expect(await db.read((q) => q.all('SELECT count(*)::INTEGER AS n FROM generations'))).toEqual([{ n: 1 }]);
    } finally {
      db.close();
    }
  });
});
