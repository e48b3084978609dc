import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { schemaOf, scratch, withDuckDb } from './fixtures/duckdb-files.js';

const tmp = scratch();
afterAll(() => tmp.remove());

/** A store as qexp left it at schema version `v`: the released steps up to v, run as they were. */
async function storeAt(v: number, path: string): Promise<string> {
  await withDuckDb(
    path,
    async (_all, exec) => {
      await exec('CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL)');
      for (const m of MIGRATIONS.filter((m) => m.version <= v)) for (const sql of m.sql) await exec(sql);
      await exec(`INSERT INTO meta VALUES ('schema_version', '${v}')`);
      await exec(`INSERT INTO stages (fingerprint, kind, kind_version, stage, status, config, parts)
                  VALUES ('${'a'.repeat(64)}', 'shell', 1, 'old', 'done', '{"command":"echo"}', '{}')`);
      await exec(`INSERT INTO file_hashes VALUES ('/data/x', 10, 5.5, '${'b'.repeat(64)}')`);
    },
    false,
  );
  return path;
}

describe('migrations', () => {
  it('the steps run in order, one version each, up to SCHEMA_VERSION', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });

  let declared: Awaited<ReturnType<typeof schemaOf>>;
  beforeAll(async () => {
    const fresh = tmp.path('fresh.duckdb');
    (await Store.open(fresh)).close();
    declared = await schemaOf(fresh);
  });

  for (let v = 1; v < SCHEMA_VERSION; v++) {
    it(`a store at version ${v} is brought to ${SCHEMA_VERSION}: the declared schema, its rows kept, the new tables usable`, async () => {
      const path = await storeAt(v, tmp.path(`v${v}.duckdb`));
      const store = await Store.open(path);
      try {
        expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
        const [old] = await store.allStages();
        expect(old).toMatchObject({ stage: 'old', status: 'done', config: { command: 'echo' }, runId: null, durationMs: null });
        expect(await store.get('/data/x', 10, 5.5)).toBe('b'.repeat(64));
        await store.replaceTrainMetrics('a'.repeat(64), [{ step: 1, name: 'loss', value: 2 }]);
        expect(await store.trainMetrics('a'.repeat(64))).toEqual([{ step: 1, name: 'loss', value: 2 }]);
      } finally {
        store.close();
      }
      expect(await schemaOf(path)).toEqual(declared);
    });
  }

  it('a store from a newer qexp is refused with what to do, and left as it was', async () => {
    const path = await storeAt(SCHEMA_VERSION, tmp.path('newer.duckdb'));
    await withDuckDb(path, (_all, exec) => exec(`UPDATE meta SET value = '${SCHEMA_VERSION + 1}'`), false);
    const before = await schemaOf(path);
    await expect(Store.open(path)).rejects.toThrow(`has schema version ${SCHEMA_VERSION + 1}, newer than this qexp understands`);
    await expect(Store.open(path, { readOnly: true })).rejects.toThrow(/upgrade qexp/);
    expect(await schemaOf(path)).toEqual(before);
    // the refused open released the file: it opens again
    await withDuckDb(
      path,
      async (all) => expect(await all('SELECT value FROM meta')).toEqual([{ value: String(SCHEMA_VERSION + 1) }]),
      false,
    );
  });
});
