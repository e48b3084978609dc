import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

const exp = (word: string) => `name: gc
stages:
  make: {kind: shell, command: "echo ${word} > {{outs.x}}", outs: {x: null}}
  keep: {kind: shell, command: "echo same > {{outs.y}}", outs: {y: null}}
`;

describe('store and cache', () => {
  it('migrates a new store to the current schema version and records artifacts with checksums', async () => {
    ws.write('gc.yaml', exp('first'));
    expect((await ws.qexp(['run', 'gc.yaml'])).exitCode).toBe(0);
    const store = await Store.open(ws.path('results/qexp.duckdb'));
    expect(await store.schemaVersion()).toBe(SCHEMA_VERSION);
    const arts = await store.artifacts();
    store.close();
    const x = arts.find((a) => a.name === 'x');
    expect(x).toMatchObject({ managed: true, bytes: 6 });
    const { createHash } = await import('node:crypto');
    expect(x?.sha256).toBe(createHash('sha256').update('first\n').digest('hex'));
    expect(x?.path.startsWith(ws.path('results/artifacts'))).toBe(true);
  });

  it('cache ls lists stages; cache gc removes only unreferenced artifacts', async () => {
    ws.write('gc.yaml', exp('second'));
    expect((await ws.qexp(['run', 'gc.yaml'])).exitCode).toBe(0);
    const ls = await ws.json<{ stages: { stage: string; referenced: boolean; fingerprint: string }[] }>(['cache', 'ls']);
    expect(ls.data.stages.map((s) => [s.stage, s.referenced]).sort()).toEqual([
      ['keep', true],
      ['make', false],
      ['make', true],
    ]);
    const old = ls.data.stages.find((s) => !s.referenced)?.fingerprint as string;
    const artifacts = ws.path('results/artifacts');
    expect(existsSync(join(artifacts, old))).toBe(true);

    const dry = await ws.json<{ stages_removed: string[] }>(['cache', 'gc', '--dry-run']);
    expect(dry.data.stages_removed).toEqual([old]);
    expect(existsSync(join(artifacts, old))).toBe(true);

    const gc = await ws.json<{ stages_removed: string[]; bytes_freed: number }>(['cache', 'gc']);
    expect(gc.data.stages_removed).toEqual([old]);
    expect(gc.data.bytes_freed).toBe(6);
    expect(existsSync(join(artifacts, old))).toBe(false);
    expect(readdirSync(artifacts)).toHaveLength(2);
    // what is referenced stays done
    const again = await ws.qexp(['run', 'gc.yaml']);
    expect(again.stdout).toMatch(/nothing to run/);
  });
});
