import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

describe('store readers for the viewer', () => {
  it('lists experiments with their variants and runs newest first, read-only, without changing the file', async () => {
    ws.write(
      'e.yaml',
      `name: readers
description: two variants
stages:
  make: {kind: shell, command: "echo {{variant}} > {{outs.x}}", outs: {x: null}}
ablations:
  axes:
    make.description: [one, two]
`,
    );
    expect((await ws.qexp(['run', 'e.yaml'])).exitCode).toBe(0);
    expect((await ws.qexp(['run', 'e.yaml'])).exitCode).toBe(0);
    const path = ws.path('results/qexp.duckdb');
    const before = sha(path);
    const store = await Store.open(path, { readOnly: true });
    try {
      const exps = await store.experiments();
      expect(exps.map((e) => [e.name, e.description, e.file])).toEqual([['readers', 'two variants', ws.path('e.yaml')]]);
      expect(exps[0]?.variants.map((v) => v.name)).toEqual(['make.description=one', 'make.description=two']);
      expect(exps[0]?.variants[1]?.overrides).toEqual([{ axis: 'make.description', value: 'two' }]);
      const runs = await store.runs('readers');
      expect(runs).toHaveLength(2);
      expect(runs.every((r) => r.status === 'ok' && r.experiment === 'readers')).toBe(true);
      expect(runs[0]!.startedAt >= runs[1]!.startedAt).toBe(true);
      expect(await store.runs('other')).toEqual([]);
      // a write is refused on a read-only store (the file-hash cache alone is skipped there, so readers can hash)
      await expect(store.beginRun('r1', 'readers', 'e.yaml', [], 'x')).rejects.toThrow(/read-only/i);
    } finally {
      store.close();
    }
    expect(sha(path)).toBe(before);
  });
});
