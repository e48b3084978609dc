import { closeSync, copyFileSync, openSync, readFileSync, statSync, truncateSync, writeSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { snapshotPathOf } from '../../src/store/snapshot.js';
import { Store } from '../../src/store/store.js';
import { StoreDamagedError } from '../../src/store/store-damaged.js';
import { sha256Text } from '../../src/util/hash.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());
const STORE = ws.path('results/qexp.duckdb');
const GOOD = ws.path('good.duckdb');

ws.write(
  'x.yaml',
  `name: x
stages:
  one: {kind: shell, command: "echo 1 > {{outs.o}}", outs: {o: null}}
  two: {kind: shell, from: one, command: "cat {{inputs.one.o}} > {{outs.o}}", outs: {o: null}}
`,
);

const poke = (path: string, offset: number, bytes: number) => {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(bytes, 0x41), 0, bytes, offset);
  closeSync(fd);
};
const digest = (path: string) => sha256Text(readFileSync(path).toString('base64'));

// each damage a disk or a careless copy can do; DuckDB words each differently
const DAMAGES: [string, (p: string) => void][] = [
  ['a garbage file header', (p) => poke(p, 0, 64)],
  ['a database header whose checksum fails', (p) => poke(p, 4096, 64)],
  ['the file cut in half', (p) => truncateSync(p, Math.floor(statSync(p).size / 2))],
  ['every block after the headers overwritten', (p) => poke(p, 12288, statSync(p).size - 12288)],
  ['an empty file', (p) => truncateSync(p, 0)],
];

describe('a damaged store', () => {
  it('is set up: a run leaves a store and its snapshot', async () => {
    const r = await ws.qexp(['run', 'x.yaml']);
    expect(r.exitCode, r.all).toBe(0);
    copyFileSync(STORE, GOOD);
  });

  // every command on the first damage, `plan` on the others (each CLI start costs seconds on a loaded machine)
  it.each(DAMAGES.map(([what, f], i) => [what, f, i === 0] as const))(
    'with %s: commands name the file, say it is damaged and how to recover, and change nothing',
    async (_, damage, all) => {
      copyFileSync(GOOD, STORE);
      damage(STORE);
      const before = digest(STORE);
      const commands = all
        ? [
            ['plan', 'x.yaml'],
            ['run', 'x.yaml'],
            ['cache', 'ls'],
            ['report', 'x.yaml'],
            ['cache', 'gc'],
          ]
        : [['plan', 'x.yaml']];
      for (const args of commands) {
        const r = await ws.qexp(args);
        expect(r.exitCode, `${args.join(' ')}: ${r.all}`).toBe(1);
        expect(r.stderr).not.toMatch(/internal error| {4}at /);
        expect(r.stderr).toContain(`store ${STORE} is damaged and cannot be read (DuckDB: `);
        expect(r.stderr).toContain(`mv ${STORE} ${STORE}.damaged`);
        expect(r.stderr).toContain(`cp ${snapshotPathOf(STORE)} ${STORE}`);
        expect(r.stderr).toMatch(/LLM requests are sent again unless their answers are imported first \(qexp ledger import FILE\)/);
      }
      expect(digest(STORE)).toBe(before);
    },
  );

  it('the snapshot named in the message restores the store: the stages are done again', async () => {
    copyFileSync(snapshotPathOf(STORE), STORE);
    const plan = await ws.json<{ summary: Record<string, number> }>(['plan', 'x.yaml']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.data.summary).toMatchObject({ done: 2, pending: 0 });
  });

  it('damage found by a query, not at open (a data block whose checksum fails), is reported the same way', async () => {
    const path = ws.path('big/qexp.duckdb');
    const store = await Store.open(path);
    const rows = Array.from({ length: 200_000 }, (_, i) => ({ qid: `q${i}`, pool: 'p', sample: i, value: i / 7, baseline: 0.5 }));
    await store.appendFeedback('f'.repeat(64), rows);
    store.close();
    // a block holding feedback rows, from DuckDB's own storage map
    const db = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' });
    const c = await db.connect();
    const info = (
      await c.runAndReadAll(`SELECT max(block_id) AS b FROM pragma_storage_info('feedback') WHERE block_id >= 0`)
    ).getRowObjectsJson();
    c.closeSync();
    db.closeSync();
    poke(path, 3 * 4096 + Number(info[0]?.b) * 262_144 + 1000, 200);

    const reopened = await Store.open(path, { readOnly: true });
    try {
      expect(await reopened.allStages()).toEqual([]); // the rest still reads
      const err = await reopened.feedback('f'.repeat(64)).catch((e) => e);
      expect(err).toBeInstanceOf(StoreDamagedError);
      expect((err as Error).message).toMatch(
        new RegExp(`store ${path} is damaged and cannot be read \\(DuckDB: Corrupt database file: computed checksum`),
      );
    } finally {
      reopened.close();
    }
  });
});
