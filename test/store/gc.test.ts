import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheEntries, collectGarbage } from '../../src/store/gc.js';
import { Store } from '../../src/store/store.js';
import { scratch } from './fixtures/duckdb-files.js';

const tmp = scratch();
afterAll(() => tmp.remove());

const fp = (c: string) => c.repeat(64);
const [KEEP, OLD, RUNNING, FAILED] = [fp('1'), fp('2'), fp('3'), fp('4')];

/** A store with a referenced stage, an unreferenced done one, a running one, a failed one; files for each. */
async function storeWithLeftovers(name: string): Promise<Store> {
  const store = await Store.open(tmp.path(`${name}/qexp.duckdb`));
  const stage = (fingerprint: string, stageName: string) => ({
    fingerprint,
    kind: 'shell',
    kindVersion: 1,
    stage: stageName,
    runId: 'r',
    config: {},
    parts: {},
    logPath: '/l',
  });
  for (const [f, s, bytes] of [
    [KEEP, 'keep', 3],
    [OLD, 'make', 5],
  ] as const) {
    const dir = join(store.artifactsDir, f);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'x'), 'x'.repeat(bytes));
    await store.markRunning(stage(f, s));
    await store.markDone(
      f,
      [
        { fingerprint: f, name: 'x', path: join(dir, 'x'), sha256: fp('a'), bytes, managed: true },
        { fingerprint: f, name: 'pub', path: '/elsewhere', sha256: fp('b'), bytes: 1000, managed: false },
      ],
      1,
    );
    await store.replaceMetrics(f, [{ run: 'r', dataset: 'd', qid: 'all', measure: 'map', value: 0.5 }]);
    await store.replaceGenerations(f, [{ qid: 'q', sample: 0, text: 't', requestKey: fp('9') }], { n: 1 });
    await store.appendFeedback(f, [{ qid: 'q', pool: 'p', sample: 0, value: 1, baseline: 0 }]);
    await store.replaceTrainMetrics(f, [{ step: 1, name: 'loss', value: 1 }]);
  }
  await store.markRunning(stage(RUNNING, 'slow'));
  await store.markRunning(stage(FAILED, 'broken'));
  await store.markEnded(FAILED, 'failed', 'exit 1', 1);
  await store.bind([{ experiment: 'e', variant: 'default', stage: 'keep', fingerprint: KEEP, parts: {} }]);
  await store.recordAnswers([
    {
      key: fp('9'),
      endpoint: 'e',
      model: 'm',
      body: {},
      templateVersion: 'v',
      texts: ['t'],
      finishReasons: ['stop'],
      promptTokens: 1,
      completionTokens: 1,
      tokensEstimated: false,
      latencyMs: 1,
      costUsd: 0,
      replica: 'r',
      fingerprint: OLD,
    },
  ]);
  mkdirSync(join(store.artifactsDir, 'no-stage-of-this-name'), { recursive: true });
  mkdirSync(join(store.tmpDir, `${OLD}-123-456`), { recursive: true });
  writeFileSync(join(store.tmpDir, `${OLD}-123-456`, 'half'), 'half-written');
  return store;
}

describe('cache entries and garbage collection on a real store', () => {
  it('lists every stage with its managed bytes and whether a variant references it', async () => {
    const store = await storeWithLeftovers('ls');
    try {
      const entries = await cacheEntries(store);
      expect(entries.map((e) => [e.stage, e.status, e.bytes, e.referenced]).sort()).toEqual([
        ['broken', 'failed', 0, false],
        ['keep', 'done', 3, true],
        ['make', 'done', 5, false],
        ['slow', 'running', 0, false],
      ]);
      expect(entries.find((e) => e.stage === 'keep')?.finishedAt).toMatch(/^\d{4}-\d\d-\d\d /);
    } finally {
      store.close();
    }
  });

  it('a dry run reports what gc would remove and removes nothing', async () => {
    const store = await storeWithLeftovers('dry');
    try {
      const before = await cacheEntries(store);
      const gc = await collectGarbage(store, { dryRun: true });
      expect(gc.stagesRemoved.map((s) => s.stage).sort()).toEqual(['broken', 'make']);
      expect(gc.artifactDirsRemoved.sort()).toEqual([OLD, 'no-stage-of-this-name']);
      expect(gc.tmpRemoved).toEqual([`${OLD}-123-456`]);
      expect(gc.bytesFreed).toBe(5);
      expect(await cacheEntries(store)).toEqual(before);
      expect(existsSync(join(store.artifactsDir, OLD, 'x'))).toBe(true);
      expect(readdirSync(store.tmpDir)).toHaveLength(1);
      expect(await store.metrics(OLD)).toHaveLength(1);
    } finally {
      store.close();
    }
  });

  it('removes unreferenced stages with their rows and files, leftovers of crashed runs; keeps what is referenced or running and the ledger', async () => {
    const store = await storeWithLeftovers('gc');
    try {
      const gc = await collectGarbage(store);
      expect(gc.stagesRemoved.map((s) => s.fingerprint).sort()).toEqual([OLD, FAILED]);
      expect(readdirSync(store.artifactsDir)).toEqual([KEEP]);
      expect(readdirSync(store.tmpDir)).toEqual([]);
      expect((await store.allStages()).map((s) => s.stage).sort()).toEqual(['keep', 'slow']);
      // every row the removed stage wrote is gone; the kept stage's rows stay
      expect(await store.artifacts([OLD])).toEqual([]);
      expect(await store.metrics(OLD)).toEqual([]);
      expect(await store.generations(OLD)).toEqual([]);
      expect(await store.generationStats(OLD)).toBeUndefined();
      expect(await store.feedback(OLD)).toEqual([]);
      expect(await store.trainMetrics(OLD)).toEqual([]);
      expect(await store.artifacts([KEEP])).toHaveLength(2);
      expect(await store.metrics(KEEP)).toHaveLength(1);
      expect(await store.generations(KEEP)).toHaveLength(1);
      expect(await store.feedback(KEEP)).toHaveLength(1);
      expect(await store.trainMetrics(KEEP)).toHaveLength(1);
      // answers are the ledger's, not the stage's: a rerun is answered from them
      expect((await store.answers([fp('9')])).size).toBe(1);
      // nothing left to collect
      const again = await collectGarbage(store);
      expect([again.stagesRemoved, again.artifactDirsRemoved, again.tmpRemoved, again.bytesFreed]).toEqual([[], [], [], 0]);
    } finally {
      store.close();
    }
  });
});
