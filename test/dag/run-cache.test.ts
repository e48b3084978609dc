import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/workspace.js';

interface RunJson {
  status: string;
  executed: { stage: string; outcome: string; variants: string[]; error?: string }[];
  up_to_date: number;
}
interface PlanJson {
  stages: { variant: string; stage: string; status: string; reasons: string[]; sharedWith: string[] }[];
  nodes: number;
}

const ws = new Workspace();
afterAll(() => ws.remove());

// Each command appends to runs.log, so the test sees which stages really executed.
const experiment = (k1: number) => `# yaml-language-server: $schema=../schemas/experiment.schema.json
name: cache-demo
datasets:
  toy: {queries: data/q.tsv}
retrieval: {bm25: {k1: ${k1}, b: 0.4}}
stages:
  data: {kind: dataset, dataset: toy}
  count:
    kind: shell
    from: data
    command: "echo count >> runs.log; wc -l < {{inputs.data.queries}} > {{outs.n}}"
    outs: {n: null}
  score:
    kind: shell
    from: count
    params: [retrieval.bm25.k1]
    command: "echo score >> runs.log; echo k1={{params.retrieval.bm25.k1}} n=$(cat {{inputs.count.n}}) > {{outs.result}}"
    outs: {result: out/result.txt}
  report:
    kind: shell
    from: score
    command: "echo report >> runs.log; cat {{inputs.score.result}} > {{outs.md}}"
    outs: {md: out/report.md}
`;

const runsLog = () => readFileSync(ws.path('runs.log'), 'utf8').trim().split('\n');

describe('qexp run caches by fingerprint', () => {
  it('runs everything once, then nothing, then only what a parameter change touches', async () => {
    ws.write('data/q.tsv', '1\tfirst\n2\tsecond\n3\tthird\n');
    ws.write('exp.yaml', experiment(0.9));

    const first = await ws.json<RunJson>(['run', 'exp.yaml']);
    expect(first.code).toBe(0);
    expect(first.data.executed.map((e) => [e.stage, e.outcome])).toEqual([
      ['data', 'done'],
      ['count', 'done'],
      ['score', 'done'],
      ['report', 'done'],
    ]);
    expect(runsLog()).toEqual(['count', 'score', 'report']);
    expect(readFileSync(ws.path('out/report.md'), 'utf8')).toBe('k1=0.9 n=3\n');

    // second run: nothing executes, and the text output says so
    const again = await ws.qexp(['run', 'exp.yaml']);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/nothing to run: all 4 stages are up to date/);
    expect(runsLog()).toHaveLength(3);

    // change k1: plan names the key; only score and report run again
    ws.write('exp.yaml', experiment(1.2));
    const plan = await ws.json<PlanJson>(['plan', 'exp.yaml']);
    const byStage = Object.fromEntries(plan.data.stages.map((s) => [s.stage, s]));
    expect(byStage.data?.status).toBe('done');
    expect(byStage.count?.status).toBe('done');
    expect(byStage.score?.status).toBe('stale');
    expect(byStage.score?.reasons).toEqual(['retrieval.bm25.k1: 0.9 → 1.2']);
    expect(byStage.report?.status).toBe('stale');
    expect(byStage.report?.reasons).toEqual(['input score changed']);
    const text = await ws.qexp(['plan', 'exp.yaml']);
    expect(text.stdout).toContain('- retrieval.bm25.k1: 0.9 → 1.2');

    const third = await ws.json<RunJson>(['run', 'exp.yaml']);
    expect(third.data.executed.map((e) => e.stage)).toEqual(['score', 'report']);
    expect(runsLog()).toEqual(['count', 'score', 'report', 'score', 'report']);
    expect(readFileSync(ws.path('out/report.md'), 'utf8')).toBe('k1=1.2 n=3\n');

    // back to 0.9: the earlier results are still in the store, nothing runs
    ws.write('exp.yaml', experiment(0.9));
    const back = await ws.json<RunJson>(['run', 'exp.yaml']);
    expect(back.data.executed).toEqual([]);
    expect(runsLog()).toHaveLength(5);
    expect(readFileSync(ws.path('out/report.md'), 'utf8')).toBe('k1=0.9 n=3\n');
  });

  it('re-runs a dataset stage and everything after it when a data file changes', async () => {
    ws.write('data/q.tsv', '1\tfirst\n2\tsecond\n');
    const plan = await ws.json<PlanJson>(['plan', 'exp.yaml']);
    const data = plan.data.stages.find((s) => s.stage === 'data');
    expect(data?.status).toBe('stale');
    expect(data?.reasons).toEqual(['file data/q.tsv changed']);
    const r = await ws.json<RunJson>(['run', 'exp.yaml']);
    expect(r.data.executed.map((e) => e.stage)).toEqual(['data', 'count', 'score', 'report']);
    expect(readFileSync(ws.path('out/report.md'), 'utf8')).toBe('k1=0.9 n=2\n');
  });

  it('restores a deleted published output from the store without re-running', async () => {
    const { rmSync } = await import('node:fs');
    rmSync(ws.path('out/report.md'));
    const before = runsLog().length;
    const r = await ws.json<RunJson & { restored: number }>(['run', 'exp.yaml']);
    expect(r.data.executed).toEqual([]);
    expect(r.data.restored).toBe(1);
    expect(readFileSync(ws.path('out/report.md'), 'utf8')).toBe('k1=0.9 n=2\n');
    expect(runsLog()).toHaveLength(before);
  });

  it('selects with --only, --until, --from and --force', async () => {
    const before = runsLog().length;
    const forced = await ws.json<RunJson>(['run', 'exp.yaml', '--force', 'score']);
    expect(forced.data.executed.map((e) => e.stage)).toEqual(['score', 'report']);
    const only = await ws.json<RunJson>(['run', 'exp.yaml', '--force', 'count', '--only', 'count']);
    expect(only.data.executed.map((e) => e.stage)).toEqual(['count']);
    const until = await ws.json<RunJson>(['run', 'exp.yaml', '--force', 'data', '--until', 'count']);
    expect(until.data.executed.map((e) => e.stage)).toEqual(['data', 'count']);
    const from = await ws.json<RunJson>(['run', 'exp.yaml', '--force', 'data', '--from', 'score']);
    expect(from.data.executed.map((e) => e.stage)).toEqual(['score', 'report']);
    expect(runsLog().slice(before)).toEqual(['score', 'report', 'count', 'count', 'score', 'report']);
    const bad = await ws.qexp(['run', 'exp.yaml', '--only', 'scroe']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain("--only scroe: no such stage; did you mean 'score'?");
  });

  it('--dry-run shows what would run and runs nothing', async () => {
    ws.write('exp.yaml', experiment(2));
    const before = runsLog().length;
    const r = await ws.qexp(['run', 'exp.yaml', '--dry-run']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/dry run: would execute 2 unit\(s\) of work: score, report/);
    expect(runsLog()).toHaveLength(before);
  });

  it('records a failing stage as failed, skips its dependents, exits 1, and shows the last output', async () => {
    ws.write(
      'fail.yaml',
      `name: failing
stages:
  boom: {kind: shell, command: "echo about to fail; echo details >&2; exit 3", outs: {x: null}}
  after: {kind: shell, from: boom, command: "echo never > {{outs.y}}", outs: {y: null}}
  other: {kind: shell, command: "echo fine > {{outs.z}}", outs: {z: null}}
`,
    );
    const r = await ws.qexp(['run', 'fail.yaml', '--concurrency', '1', '--keep-going']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/failed: boom\n {2}command exited with code 3\n {2}last output:\n {4}about to fail\n {4}details/);
    expect(r.stderr).toMatch(/log: .*results\/logs\/failing\/boom-[0-9a-f]{12}\.log/);
    const plan = await ws.json<PlanJson>(['plan', 'fail.yaml']);
    const status = Object.fromEntries(plan.data.stages.map((s) => [s.stage, [s.status, s.reasons[0]]]));
    expect(status.boom).toEqual(['pending', expect.stringMatching(/^last attempt failed: command exited with code 3/)]);
    expect(status.after?.[0]).toBe('pending');
    expect(status.other).toEqual(['done', undefined]);
  });

  it('fails a stage that does not write a declared output, and one that times out', async () => {
    ws.write(
      'noout.yaml',
      `name: noout
stages:
  lazy: {kind: shell, command: "true", outs: {x: null}}
  slow: {kind: shell, command: "sleep 600", timeout: 0.5}
`,
    );
    const t0 = Date.now();
    const r = await ws.json<RunJson>(['run', 'noout.yaml', '--keep-going']);
    // killed at its timeout, not after its 600 s, however slow the machine
    expect(Date.now() - t0).toBeLessThan(300_000);
    expect(r.code).toBe(1);
    const err = Object.fromEntries(r.data.executed.map((e) => [e.stage, e.error]));
    expect(err.lazy).toMatch(/did not write output 'x'/);
    expect(err.slow).toMatch(/timed out after 0.5 s/);
  });
});
