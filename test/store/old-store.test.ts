import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { contentOf, instants, schemaOf, scratch, unpackV5Store, v5Reads } from './fixtures/duckdb-files.js';
import { readSample, writeSample } from './fixtures/store-sample.js';

// The fixture is a store the code before the split wrote (store-sample.ts says how): it must
// open, read back as it did then, and a store written now must hold the same rows.
const tmp = scratch();
afterAll(() => tmp.remove());

/** What depends on when and by which process the sample was written. */
function withoutWhen(reads: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify(reads), (k, v) => (['pid', 'startedAt', 'finishedAt'].includes(k) ? undefined : v));
}

describe('a store written before the split', () => {
  it('opens read-only and every read returns what the old code read from it', async () => {
    const store = await Store.open(unpackV5Store(tmp.path('ro.duckdb')), { readOnly: true });
    try {
      expect(instants(await readSample(store))).toEqual(instants(v5Reads()));
    } finally {
      store.close();
    }
  });

  it('opens for writing (no migration to run), reads the same, and takes new rows', async () => {
    const path = unpackV5Store(tmp.path('rw.duckdb'));
    const before = await schemaOf(path);
    const store = await Store.open(path);
    try {
      expect(await store.schemaVersion()).toBe(5);
      expect(instants(await readSample(store))).toEqual(instants(v5Reads()));
      await store.replaceMetrics('9'.repeat(64), [{ run: 'new', dataset: 'dl20', qid: 'all', measure: 'map', value: 0.75 }]);
      await store.put('/data/new', 1, 2, 'e'.repeat(64));
      expect(await store.metrics('9'.repeat(64))).toEqual([{ run: 'new', dataset: 'dl20', qid: 'all', measure: 'map', value: 0.75 }]);
      expect(await store.get('/data/new', 1, 2)).toBe('e'.repeat(64));
    } finally {
      store.close();
    }
    expect(await schemaOf(path)).toEqual(before);
  });

  it('the code now writes the same rows, and reads them back the same, as the code before the split', async () => {
    const path = tmp.path('fresh.duckdb');
    const store = await Store.open(path);
    let reads: Record<string, unknown>;
    try {
      await writeSample(store);
      reads = await readSample(store);
    } finally {
      store.close();
    }
    const old = await contentOf(unpackV5Store(tmp.path('old.duckdb')));
    const now = await contentOf(path);
    expect(Object.keys(now)).toEqual(Object.keys(old));
    for (const t of Object.keys(old)) expect({ table: t, rows: now[t] }).toEqual({ table: t, rows: old[t] });
    expect(withoutWhen(reads)).toEqual(withoutWhen(v5Reads()));
  });

  it('a new store, created from the table declarations, has the schema the old migrations built', async () => {
    const fresh = tmp.path('schema.duckdb');
    (await Store.open(fresh)).close();
    const old = await schemaOf(unpackV5Store(tmp.path('schema-old.duckdb')));
    expect(old.columns.length).toBeGreaterThan(80);
    expect(await schemaOf(fresh)).toEqual(old);
  });
});
