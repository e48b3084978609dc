import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { contentOf, instants, schemaOf, scratch, unpackV5Store, v5Reads } from './fixtures/duckdb-files.js';
import { readSample, writeSample } from './fixtures/store-sample.js';

// The fixture is a store the code before the split wrote (store-sample.ts says how): it must
// open, read back as it did then, and a store written now must hold the same rows. A later schema
// may add columns: what the old code wrote and read must stay, what is added is not compared.
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
      expect(instants(await readSample(store))).toMatchObject(instants(v5Reads()) as object);
    } finally {
      store.close();
    }
  });

  it('opens for writing, reads the same, and takes new rows', async () => {
    const path = unpackV5Store(tmp.path('rw.duckdb'));
    const store = await Store.open(path);
    try {
      expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
      expect(instants(await readSample(store))).toMatchObject(instants(v5Reads()) as object);
      await store.replaceMetrics('9'.repeat(64), [{ run: 'new', dataset: 'dl20', qid: 'all', measure: 'map', value: 0.75 }]);
      await store.put('/data/new', 1, 2, 'e'.repeat(64));
      expect(await store.metrics('9'.repeat(64))).toEqual([{ run: 'new', dataset: 'dl20', qid: 'all', measure: 'map', value: 0.75 }]);
      expect(await store.get('/data/new', 1, 2)).toBe('e'.repeat(64));
    } finally {
      store.close();
    }
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
    const oldPath = unpackV5Store(tmp.path('old.duckdb'));
    const old = await contentOf(oldPath);
    const now = await contentOf(path, oldPath);
    expect(Object.keys(now)).toEqual(Object.keys(old));
    for (const t of Object.keys(old)) expect({ table: t, rows: now[t] }).toEqual({ table: t, rows: old[t] });
    expect(withoutWhen(reads)).toMatchObject(withoutWhen(v5Reads()) as object);
  });

  it('a new store, created from the table declarations, has the schema the old migrations built', async () => {
    const fresh = tmp.path('schema.duckdb');
    (await Store.open(fresh)).close();
    const old = unpackV5Store(tmp.path('schema-old.duckdb'));
    (await Store.open(old)).close(); // brought up to date, if the schema has grown since
    const schema = await schemaOf(old);
    expect(schema.columns.length).toBeGreaterThan(80);
    expect(await schemaOf(fresh)).toEqual(schema);
  });
});
