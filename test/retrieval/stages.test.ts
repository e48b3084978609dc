import { cpSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { MIRROR } from '../helpers/mirror.js';
import { regression } from '../helpers/regressions.js';
import { Workspace } from '../helpers/workspace.js';

const CACM = regression('cacm');

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ws = new Workspace();
afterAll(() => ws.remove());

describe.skipIf(!MIRROR)('index, retrieve and evaluate stages on CACM (experiments/cacm-bm25.yaml)', () => {
  it('builds one index for both values of b, retrieves twice, and stores the metrics', async () => {
    cpSync(join(repo, 'experiments'), ws.path('experiments'), { recursive: true });
    const env = { QEXP_DATA_HOME: ws.path('data-home'), QEXP_DATA_MIRROR: MIRROR as string };
    const run = await ws.json<{ executed: { stage: string; outcome: string; variants: string[] }[] }>(
      ['run', 'experiments/cacm-bm25.yaml'],
      env,
    );
    expect(run.code, JSON.stringify(run.data)).toBe(0);
    const count = (stage: string) => run.data.executed.filter((e) => e.stage === stage).length;
    expect([count('data'), count('index'), count('bm25'), count('bm25-rm3'), count('eval')]).toEqual([1, 1, 2, 2, 2]);

    const store = await Store.open(ws.path('results/qexp.duckdb'));
    const bindings = await store.bindings('cacm-bm25');
    const fp = bindings.find((b) => b.stage === 'eval' && b.variant === 'retrieval.bm25.b=0.4')?.fingerprint as string;
    const rows = await store.metrics(fp);
    store.close();
    const all = (m: string) => rows.find((r) => r.qid === 'all' && r.measure === m)?.value as number;
    // Anserini's figures (k1 = 0.9, b = 0.4), exactly: the stages retrieve with tie_adjust: anserini
    const bm25 = CACM.models.find((m) => m.name === 'bm25')?.results as Record<string, number>;
    expect([all('AP@1000').toFixed(4), all('P@30').toFixed(4)]).toEqual([
      (bm25.map as number).toFixed(4),
      (bm25.P_30 as number).toFixed(4),
    ]);
    expect(rows.filter((r) => r.measure === 'P@30' && r.qid !== 'all')).toHaveLength(52);
    expect(rows.every((r) => r.run === 'bm25' && r.dataset === 'cacm')).toBe(true);

    // k1 only touches retrieval: plan names it, and the index stays done
    const text = ws.path('experiments/cacm-bm25.yaml');
    const { readFileSync, writeFileSync } = await import('node:fs');
    writeFileSync(text, readFileSync(text, 'utf8').replace('k1: 0.9', 'k1: 1.2'));
    const plan = await ws.json<{ stages: { stage: string; variant: string; status: string; reasons: string[] }[] }>(
      ['plan', 'experiments/cacm-bm25.yaml'],
      env,
    );
    const of = (stage: string) => plan.data.stages.filter((s) => s.stage === stage);
    expect(of('index').map((s) => s.status)).toEqual(['done', 'done']);
    expect(of('bm25').map((s) => s.reasons)).toEqual([['retrieval.bm25.k1: 0.9 → 1.2'], ['retrieval.bm25.k1: 0.9 → 1.2']]);

    // vectors: true is the default, the same index; vectors: false another, which RM3 cannot search
    const base = readFileSync(text, 'utf8').replace('k1: 1.2', 'k1: 0.9');
    const withIndex = (decl: string) => base.replace('index: {kind: index, corpus: data}', `index: {kind: index, corpus: data${decl}}`);
    writeFileSync(text, withIndex(', vectors: true'));
    const same = await ws.json<{ stages: { stage: string; status: string }[] }>(['plan', 'experiments/cacm-bm25.yaml'], env);
    expect(same.data.stages.filter((s) => s.stage === 'index').map((s) => s.status)).toEqual(['done', 'done']);
    writeFileSync(text, withIndex(', vectors: false'));
    const refused = await ws.qexp(['plan', 'experiments/cacm-bm25.yaml'], env);
    expect(refused.exitCode).toBe(2);
    expect(refused.stderr).toContain(
      "RM3 reads the documents' term vectors, and index stage 'index' is declared with `vectors: false`: drop one of the two",
    );
    // without the RM3 stages the index is built again, without term vectors, and BM25 gives the same figures
    writeFileSync(
      text,
      withIndex(', vectors: false')
        .replace(/ {2}bm25-rm3:.*\n/, '')
        .replace(/ {2}eval-rm3:\n(?: {4}.*\n)+/, ''),
    );
    const slim = await ws.json<{ executed: { stage: string; outcome: string }[] }>(['run', 'experiments/cacm-bm25.yaml'], env);
    expect(slim.code, JSON.stringify(slim.data)).toBe(0);
    expect(slim.data.executed.filter((e) => e.stage === 'index' && e.outcome !== 'cached')).toHaveLength(1);
    const store2 = await Store.open(ws.path('results/qexp.duckdb'));
    const fp2 = (await store2.bindings('cacm-bm25')).find((b) => b.stage === 'eval' && b.variant === 'retrieval.bm25.b=0.4')
      ?.fingerprint as string;
    const rows2 = await store2.metrics(fp2);
    store2.close();
    const ap = rows2.find((r) => r.qid === 'all' && r.measure === 'AP@1000')?.value as number;
    expect(ap.toFixed(4)).toBe((bm25.map as number).toFixed(4));
  });
});
