import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { Store } from '../../src/store/store.js';
import { writeToyCollection } from '../helpers/toy-collection.js';
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

describe('cache gc and training job folders', () => {
  const w = new Workspace();
  afterAll(() => w.remove());
  writeToyCollection(
    w,
    4,
    (i) => `w${i}c w${i}d`,
    () => 'nothing',
  );
  const train = (lr: number) =>
    JSON.stringify({
      name: 'jobs',
      datasets: { toy: { queries: 'data/queries.tsv', qrels: 'data/qrels.txt', corpus: 'data/corpus.tsv' } },
      models: { good: { provider: 'replay', file: 'good.jsonl' } },
      prompts: { p: { messages: [{ role: 'user', content: '{{query}}' }] } },
      stages: {
        data: { kind: 'dataset', dataset: 'toy' },
        idx: { kind: 'index', corpus: 'data' },
        gen: { kind: 'generate', model: 'good', prompt: 'p', queries: 'data' },
        fb: { kind: 'feedback', index: 'idx', qrels: 'data', pool: ['gen'] },
        sftd: { kind: 'sft-data', feedback: 'fb', prompt: 'p', validation: 0 },
        sft: {
          kind: 'train',
          method: 'sft',
          base: 'tiny/base',
          data: 'sftd',
          trainer: { learning_rate: lr },
          launcher: { kind: 'manual' },
        },
      },
    });
  const jobs = () => (existsSync(w.path('results/train')) ? readdirSync(w.path('results/train')).sort() : []);

  it('never removes the job folder of a stage waiting for manual work; collects those no stage needs', async () => {
    w.write('jobs.yaml', train(1e-4));
    expect((await w.qexp(['run', 'jobs.yaml'])).exitCode).toBe(3);
    const [waiting] = jobs();
    expect(waiting).toBeDefined();
    mkdirSync(w.path('results/train/0000orphan'), { recursive: true });

    const gc = await w.json<{ stages_removed: string[]; job_dirs_removed: string[] }>(['cache', 'gc']);
    expect(gc.code).toBe(0);
    expect(gc.data.job_dirs_removed).toEqual(['0000orphan']);
    expect(jobs()).toEqual([waiting]);
    expect(existsSync(w.path(`results/train/${waiting}/run.sh`))).toBe(true);
    const plan = await w.json<{ stages: { stage: string; reasons: string[] }[] }>(['plan', 'jobs.yaml']);
    expect(plan.data.stages.find((s) => s.stage === 'sft')?.reasons.join()).toMatch(/waits for manual work/);

    // another learning rate: the first job is abandoned but may still run by hand: kept, and said so;
    // --waiting removes it with its stage, and never the job the experiment now waits for
    w.write('jobs.yaml', train(2e-4));
    expect((await w.qexp(['run', 'jobs.yaml'])).exitCode).toBe(3);
    expect(jobs()).toHaveLength(2);
    const gc2 = await w.json<{ job_dirs_removed: string[]; waiting_kept: string[] }>(['cache', 'gc']);
    expect(gc2.data.job_dirs_removed).toEqual([]);
    expect(gc2.data.waiting_kept).toEqual([waiting]);
    const gc3 = await w.json<{ stages_removed: string[]; job_dirs_removed: string[] }>(['cache', 'gc', '--waiting']);
    expect(gc3.data.job_dirs_removed).toEqual([waiting]);
    expect(gc3.data.stages_removed).toEqual([waiting]);
    expect(jobs()).toHaveLength(1);
    expect(jobs()[0]).not.toBe(waiting);
  });
});
