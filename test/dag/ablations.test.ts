import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

interface RunJson {
  executed: { stage: string; outcome: string; variants: string[] }[];
  nodes: number;
  variants: number;
}
interface PlanJson {
  variants: { name: string }[];
  stages: { variant: string; stage: string; status: string; sharedWith: string[]; fingerprint: string }[];
}

const grid = `name: grid
retrieval: {bm25: {k1: 0.9}}
stages:
  prep:
    kind: shell
    command: "echo prep >> calls.log; echo corpus > {{outs.c}}"
    outs: {c: null}
  pairs:
    kind: shell
    from: prep
    env: {MIN_DELTA: "0.1"}
    params: [retrieval.bm25.k1]
    command: 'echo "pairs $MIN_DELTA {{params.retrieval.bm25.k1}}" >> calls.log; echo "$MIN_DELTA {{params.retrieval.bm25.k1}}" > {{outs.p}}'
    outs: {p: "out/{{variant}}.txt"}
ablations:
  axes:
    pairs.env.MIN_DELTA: ["0.05", "0.1", "0.2"]
    retrieval.bm25.k1: [0.9, 1.2]
`;

describe('ablation grids', () => {
  it('expands 3×2 into 6 named variants; the shared upstream stage runs once', async () => {
    ws.write('grid.yaml', grid);
    const plan = await ws.json<PlanJson>(['plan', 'grid.yaml']);
    expect(plan.data.variants.map((v) => v.name)).toEqual([
      'pairs.env.MIN_DELTA=0.05,retrieval.bm25.k1=0.9',
      'pairs.env.MIN_DELTA=0.05,retrieval.bm25.k1=1.2',
      'pairs.env.MIN_DELTA=0.1,retrieval.bm25.k1=0.9',
      'pairs.env.MIN_DELTA=0.1,retrieval.bm25.k1=1.2',
      'pairs.env.MIN_DELTA=0.2,retrieval.bm25.k1=0.9',
      'pairs.env.MIN_DELTA=0.2,retrieval.bm25.k1=1.2',
    ]);
    const prep = plan.data.stages.filter((s) => s.stage === 'prep');
    expect(prep).toHaveLength(6);
    expect(new Set(prep.map((s) => s.fingerprint)).size).toBe(1);
    expect(prep[0]?.sharedWith).toHaveLength(5);

    const run = await ws.json<RunJson>(['run', 'grid.yaml', '--concurrency', '3']);
    expect(run.code).toBe(0);
    expect(run.data.nodes).toBe(7);
    expect(run.data.executed.filter((e) => e.stage === 'prep')).toHaveLength(1);
    expect(run.data.executed.find((e) => e.stage === 'prep')?.variants).toHaveLength(6);
    const calls = readFileSync(ws.path('calls.log'), 'utf8').trim().split('\n').sort();
    expect(calls).toEqual(['pairs 0.05 0.9', 'pairs 0.05 1.2', 'pairs 0.1 0.9', 'pairs 0.1 1.2', 'pairs 0.2 0.9', 'pairs 0.2 1.2', 'prep']);
    expect(readFileSync(ws.path('out/pairs.env.MIN_DELTA=0.2,retrieval.bm25.k1=1.2.txt'), 'utf8')).toBe('0.2 1.2\n');

    const text = await ws.qexp(['plan', 'grid.yaml']);
    expect(text.stdout).toContain('variant pairs.env.MIN_DELTA=0.05,retrieval.bm25.k1=0.9');
    expect(text.stdout).toMatch(/2 stages × 6 variants = 7 distinct units of work/);
  });

  it('adding a value to one axis runs only the new variants', async () => {
    ws.write('grid.yaml', grid.replace('["0.05", "0.1", "0.2"]', '["0.05", "0.1", "0.2", "0.3"]'));
    const run = await ws.json<RunJson>([
      'run',
      'grid.yaml',
      '--variant',
      'pairs.env.MIN_DELTA=0.3,retrieval.bm25.k1=0.9',
      '--variant',
      'pairs.env.MIN_DELTA=0.3,retrieval.bm25.k1=1.2',
    ]);
    expect(run.data.executed.map((e) => e.variants[0])).toEqual([
      'pairs.env.MIN_DELTA=0.3,retrieval.bm25.k1=0.9',
      'pairs.env.MIN_DELTA=0.3,retrieval.bm25.k1=1.2',
    ]);
  });

  it('rejects variants that would publish different results to one path', async () => {
    ws.write('clash.yaml', grid.replace('out/{{variant}}.txt', 'out/same.txt'));
    const r = await ws.qexp(['plan', 'clash.yaml']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(
      /clash\.yaml:\d+:\d+: error: variants .* publish different results to .*out\/same\.txt; put \{\{variant\}\} in the path/,
    );
  });
});
