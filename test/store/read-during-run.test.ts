import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../../src/store/migrations.js';
import { openStoreForReading } from '../../src/store/open-for-reading.js';
import { snapshotPathOf } from '../../src/store/snapshot.js';
import { type Store, Store as StoreClass } from '../../src/store/store.js';
import { writeToyCollection } from '../helpers/toy-collection.js';
import { Workspace, waitFor } from '../helpers/workspace.js';

// Two real processes: `qexp run` holds the store while a shell stage waits for a file the test
// writes; the readers (the CLI's, and openStoreForReading in this process) work meanwhile.
const ws = new Workspace();
const release = (name: string) => ws.write(name, '');
afterAll(() => {
  // a stage the test left behind ends
  for (const r of ['live.release', ...Array.from({ length: 8 }, (_, i) => `go-${i}`)]) release(r);
  ws.remove();
});
const STORE = ws.path('results/qexp.duckdb');

writeToyCollection(
  ws,
  6,
  (i) => `w${i}c w${i}d`,
  (i) => `w${i}b`,
);

const live = `name: live
datasets:
  toy: {queries: data/queries.tsv, qrels: data/qrels.txt, corpus: data/corpus.tsv}
stages:
  toy: {kind: dataset, dataset: toy}
  index: {kind: index, corpus: toy}
  bm25: {kind: retrieve, index: index, topics: toy}
  eval-bm25: {kind: evaluate, run: bm25, qrels: toy, measures: [nDCG@10, AP@1000]}
  slow:
    kind: shell
    from: eval-bm25
    command: "echo started >> live.started; until [ -e live.release ]; do sleep 0.05; done; echo x > {{outs.b}}"
    outs: {b: null}
  after: {kind: shell, from: slow, command: "echo y > {{outs.c}}", outs: {c: null}}
report:
  rows: {BM25: eval-bm25}
gates:
  checks: [{run: BM25, measure: AP@1000, min: 0.01}]
`;

async function stagesOf(s: Store): Promise<Record<string, string>> {
  try {
    return Object.fromEntries((await s.allStages()).map((r) => [r.stage, r.status]));
  } finally {
    s.close();
  }
}

/** Waits (polling, generous deadline) until a reader sees `stage` with `status`. */
async function untilReaderSees(stage: string, status: string): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    const seen = await stagesOf(await openStoreForReading(STORE));
    if (seen[stage] === status) return;
    if (Date.now() - t0 > 120_000) throw new Error(`a reader never saw ${stage} ${status}: ${JSON.stringify(seen)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('reading the store while qexp run holds it', () => {
  it('plan, report, gate, cache ls, ledger export/ls and exp show work mid-run and show only completed stages', async () => {
    ws.write('live.yaml', live);
    const child = ws.spawn(['run', 'live.yaml', '--progress', 'plain']);
    try {
      await waitFor(() => existsSync(ws.path('live.started')), 120_000, 'the slow stage to start');
      await untilReaderSees('slow', 'running');

      const plan = await ws.json<{ stages: { stage: string; status: string; reasons: string[] }[]; summary: Record<string, number> }>([
        'plan',
        'live.yaml',
      ]);
      expect(plan.code, plan.stderr).toBe(0);
      expect(plan.stderr).toMatch(/the store is in use by run \S+ \(pid \d+\): showing its snapshot of \d{4}-\d\d-\d\dT/);
      const status = Object.fromEntries(plan.data.stages.map((s) => [s.stage, s.status]));
      expect(status).toEqual({ toy: 'done', index: 'done', bm25: 'done', 'eval-bm25': 'done', slow: 'running', after: 'pending' });
      expect(plan.data.stages.find((s) => s.stage === 'slow')?.reasons[0]).toMatch(/^running now \(process \d+/);

      const report = await ws.qexp(['report', 'live.yaml']);
      expect(report.exitCode, report.all).toBe(0);
      expect(report.stdout).toMatch(/\| BM25 \| 0\.\d{4}/);

      const gate = await ws.qexp(['gate', 'live.yaml']);
      expect(gate.exitCode, gate.all).toBe(0);

      const cache = await ws.json<{ stages: { stage: string; status: string }[] }>(['cache', 'ls']);
      expect(cache.code, cache.stderr).toBe(0);
      const cached = Object.fromEntries(cache.data.stages.map((s) => [s.stage, s.status]));
      expect(cached.slow).toBe('running');
      expect(cached.after).toBeUndefined();
      expect(cached['eval-bm25']).toBe('done');

      const ledger = await ws.qexp(['ledger', 'export', 'ledger.jsonl']);
      expect(ledger.exitCode, ledger.all).toBe(0);
      expect(ledger.stdout).toMatch(/exported 0 answers/);
      expect((await ws.qexp(['ledger', 'ls'])).exitCode).toBe(0);

      // the experiment table: the evaluate stage done so far has its value
      const table = await ws.json<{ rows: { id: string; metrics: Record<string, number> }[] }>(['exp', 'show', 'live.yaml']);
      expect(table.code, table.stderr).toBe(0);
      expect(Object.keys(table.data.rows[0]?.metrics ?? {}).some((k) => k.startsWith('eval-bm25:'))).toBe(true);

      // a writer is still refused, as before
      const second = await ws.qexp(['cache', 'gc']);
      expect(second.exitCode).toBe(1);
      expect(second.stderr).toMatch(/is in use by process \d+/);
    } finally {
      release('live.release');
    }
    const done = await child;
    expect(done.exitCode, done.all).toBe(0);

    // the store is free: read directly, no snapshot named
    const after = await ws.json<{ summary: Record<string, number> }>(['plan', 'live.yaml']);
    expect(after.stderr).not.toMatch(/snapshot/);
    expect(after.data.summary).toMatchObject({ done: 6, running: 0, pending: 0, stale: 0 });
  });

  it('a reader never opens a torn snapshot: every read, taken while stages end and snapshots are replaced, is consistent', async () => {
    const n = 6;
    const stages = Array.from(
      { length: n },
      (_, i) =>
        `  s${i}:\n    kind: shell\n${i ? `    from: s${i - 1}\n` : ''}` +
        `    command: "until [ -e go-${i} ]; do sleep 0.02; done; seq 1 ${1000 * (i + 1)} > {{outs.o}}"\n    outs: {o: null}\n`,
    ).join('');
    ws.write('chain.yaml', `name: chain\nstages:\n${stages}`);
    const child = ws.spawn(['run', 'chain.yaml', '--progress', 'plain']);
    let reads = 0;
    const runIds = new Set<string>();
    try {
      for (let i = 0; i < n; i++) {
        release(`go-${i}`);
        // read as fast as we can while stage i ends and its snapshot replaces the last one
        const t0 = Date.now();
        for (;;) {
          const s = await openStoreForReading(STORE);
          let seenDone = false;
          try {
            if (s.source.kind === 'snapshot') {
              reads++;
              if (s.source.runId) runIds.add(s.source.runId);
              seenDone = await consistent(s, i);
            } else seenDone = (await s.allStages()).some((r) => r.stage === `s${i}` && r.status === 'done');
          } finally {
            s.close();
          }
          if (seenDone) break;
          if (Date.now() - t0 > 120_000) throw new Error(`stage s${i} never showed as done`);
        }
      }
    } finally {
      for (let i = 0; i < n; i++) release(`go-${i}`);
    }
    const r = await child;
    expect(r.exitCode, r.all).toBe(0);
    expect(reads).toBeGreaterThanOrEqual(n);
    expect(runIds.size).toBe(1);
  });

  it('a reader waits for a writer that publishes no snapshot, then says who holds the store', async () => {
    // this process holds the store as a writer (as cache gc or ledger import would) and publishes nothing
    const holder = await StoreClass.open(STORE);
    try {
      const r = await ws.qexp(['cache', 'ls', '--wait', '1']);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`in use by process ${process.pid}.*publishes no snapshot to read meanwhile`));
      // the snapshot left by the earlier runs is not shown as if it were this writer's
      expect(existsSync(snapshotPathOf(STORE))).toBe(true);
    } finally {
      holder.close();
    }
  });

  it('qexp run waits for a reader that has the store open instead of failing', async () => {
    ws.write('grace.yaml', 'name: grace\nstages:\n  one: {kind: shell, command: "echo 1 > {{outs.o}}", outs: {o: null}}\n');
    const reader = await openStoreForReading(STORE);
    expect(reader.source.kind).toBe('store');
    const child = ws.spawn(['run', 'grace.yaml', '--progress', 'plain']);
    // the run cannot finish while the reader holds the file (its shared lock keeps writers out)
    await new Promise((r) => setTimeout(r, 3000));
    expect(child.exitCode).toBeNull();
    reader.close();
    const r = await child;
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/ran 1 of 1 unit/);
  });

  it('an older store is brought up to date by a reader when no writer holds it', async () => {
    const path = ws.path('old/qexp.duckdb');
    const s = await StoreClass.open(path);
    s.close();
    // make it a version-4 store: drop what step 5 added and record version 4
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(path);
    const c = await db.connect();
    await c.run('DROP TABLE train_metrics');
    await c.run(`UPDATE meta SET value = '4' WHERE key = 'schema_version'`);
    c.closeSync();
    db.closeSync();
    const r = await openStoreForReading(path);
    try {
      expect(r.readOnly).toBe(true);
      expect(await r.schemaVersion()).toBe(SCHEMA_VERSION);
      expect(await r.trainMetrics('f')).toEqual([]);
    } finally {
      r.close();
    }
  });
});

/** Everything a reader reads of the snapshot holds together: done stages have their outputs, every table reads to the end. */
async function consistent(s: Store, i: number): Promise<boolean> {
  const stages = (await s.allStages()).filter((x) => /^s\d+$/.test(x.stage));
  const arts = await s.artifacts();
  for (const st of stages.filter((x) => x.status === 'done')) {
    const mine = arts.filter((a) => a.fingerprint === st.fingerprint);
    expect(mine.map((a) => a.name)).toEqual(['o']);
    expect(existsSync(mine[0]?.path as string)).toBe(true);
  }
  // stages end in order: a done stage's predecessors are done
  const done = new Set(stages.filter((x) => x.status === 'done').map((x) => Number(x.stage.slice(1))));
  for (const k of done) for (let j = 0; j < k; j++) expect(done.has(j)).toBe(true);
  // read the other tables to their end: a torn file fails its block checksums here
  await s.bindings('chain');
  await s.ledger();
  await s.get('/nothing', 0, 0);
  return done.has(i);
}
