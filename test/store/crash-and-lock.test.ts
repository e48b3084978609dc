import { existsSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { Workspace, waitFor } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => {
  for (const r of RELEASES) release(r);
  ws.remove();
});

interface PlanJson {
  stages: { stage: string; status: string; reasons: string[] }[];
}
interface RunJson {
  status: string;
  executed: { stage: string; outcome: string }[];
}

// `slow` marks that it started, then waits until the test writes its release file (or 120 s pass,
// so that a stage the test leaves behind ends): it is still running whenever the test acts.
const exp = (marker: string, release: string) => `name: crash
stages:
  first: {kind: shell, command: "echo one > {{outs.a}}", outs: {a: null}}
  slow:
    kind: shell
    from: first
    command: "echo started >> ${marker}; for i in $(seq 3000); do [ -e ${release} ] && break; sleep 0.1; done; cat {{inputs.first.a}} > {{outs.b}}"
    outs: {b: out/b.txt}
`;
const RELEASES = ['crash.release', 'int.release', 'lock.release'];
const release = (name: string) => ws.write(name, '');

describe('crash safety and the store lock', () => {
  it('SIGKILL in the middle of a stage leaves a store that opens, shows the stage not done, and a rerun completes', async () => {
    ws.write('crash.yaml', exp('started.log', 'crash.release'));
    const child = ws.spawn(['run', 'crash.yaml', '--progress', 'plain']);
    await waitFor(() => existsSync(ws.path('started.log')), 30_000, 'the slow stage to start');
    child.kill('SIGKILL');
    const killed = await child;
    expect(killed.signal).toBe('SIGKILL');

    // the store opens and is consistent
    const store = await Store.open(ws.path('results/qexp.duckdb'));
    const stages = await store.allStages();
    store.close();
    const byName = Object.fromEntries(stages.map((s) => [s.stage, s.status]));
    expect(byName).toEqual({ first: 'done', slow: 'running' });

    const plan = await ws.json<PlanJson>(['plan', 'crash.yaml']);
    const slow = plan.data.stages.find((s) => s.stage === 'slow');
    expect(slow?.status).toBe('pending');
    expect(slow?.reasons[0]).toMatch(/marked running by a stopped process/);
    expect(plan.data.stages.find((s) => s.stage === 'first')?.status).toBe('done');
    expect(existsSync(ws.path('out/b.txt'))).toBe(false);

    release('crash.release');
    const rerun = await ws.json<RunJson>(['run', 'crash.yaml']);
    expect(rerun.code).toBe(0);
    expect(rerun.data.executed.map((e) => [e.stage, e.outcome])).toEqual([['slow', 'done']]);
    expect(readFileSync(ws.path('out/b.txt'), 'utf8')).toBe('one\n');
    const after = await ws.json<PlanJson>(['plan', 'crash.yaml']);
    expect(after.data.stages.map((s) => s.status)).toEqual(['done', 'done']);
  });

  it('Ctrl-C (SIGINT) stops cleanly: exit 130 and the stage recorded as interrupted, not done', async () => {
    ws.write('int.yaml', exp('int-started.log', 'int.release').replace('name: crash', 'name: interrupt'));
    const child = ws.spawn(['run', 'int.yaml', '--progress', 'plain']);
    await waitFor(() => existsSync(ws.path('int-started.log')), 30_000, 'the slow stage to start');
    const t0 = Date.now();
    child.kill('SIGINT');
    const r = await child;
    // the stage alone would run 300 s: ending well before shows Ctrl-C stopped it, whatever the load
    expect(Date.now() - t0).toBeLessThan(200_000);
    expect(r.exitCode).toBe(130);
    expect(r.all).toMatch(/interrupted: unfinished stages are not recorded as done/);
    const plan = await ws.json<PlanJson>(['plan', 'int.yaml']);
    const slow = plan.data.stages.find((s) => s.stage === 'slow');
    expect(slow?.status).toBe('pending');
    expect(slow?.reasons[0]).toMatch(/last attempt was interrupted/);
  });

  it('a second qexp run on the same store fails with a clear message, or waits with --wait', async () => {
    ws.write('lock.yaml', exp('lock-started.log', 'lock.release').replace('name: crash', 'name: lock'));
    const first = ws.spawn(['run', 'lock.yaml', '--progress', 'plain']);
    await waitFor(() => existsSync(ws.path('lock-started.log')), 30_000, 'the first run to start');

    const second = await ws.qexp(['run', 'lock.yaml']);
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/store .*results\/qexp\.duckdb is in use by process \d+ .*wait for it to finish, pass --wait SECONDS/);

    const queued = ws.json<RunJson>(['run', 'lock.yaml', '--wait', '60']);
    release('lock.release');
    const waiting = await queued;
    const firstResult = await first;
    expect(firstResult.exitCode).toBe(0);
    expect(waiting.code).toBe(0);
    expect(waiting.data.executed).toEqual([]); // the first run did the work
    const store = await Store.open(ws.path('results/qexp.duckdb'));
    const stages = await store.allStages();
    store.close();
    // the lock experiment's two stages are done and the store still reads back every row
    const lockRows = stages.filter((s) => s.runId !== null && s.status === 'done');
    expect(lockRows.length).toBeGreaterThanOrEqual(2);
    expect(stages.every((s) => ['done', 'interrupted'].includes(s.status))).toBe(true);
  });
});
