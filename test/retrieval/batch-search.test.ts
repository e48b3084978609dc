import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { IndexReader } from '../../src/retrieval/index/read-index.js';
import type * as batchType from '../../src/retrieval/search/batch-search.js';
import { Workspace } from '../helpers/workspace.js';

// search threads start from the compiled worker (npm test builds first)
const batch = (await import(`${'../../dist/retrieval/search/batch-search.js'}`)) as typeof batchType;

const ws = new Workspace();
afterAll(() => {
  batch.endSearchThreads();
  ws.remove();
});

const words = ['apple', 'banana', 'cherry', 'damson', 'elder', 'fig', 'grape', 'hazel'];
const corpus = (n: number, k: number) =>
  `${Array.from({ length: n }, (_, i) => JSON.stringify({ id: `d${i}`, contents: words.filter((_, j) => (i * (j + k)) % 5 < 2).join(' ') })).join('\n')}\n`;
const topics = Array.from({ length: 60 }, (_, i) => ({
  qid: `q${i}`,
  text: `${words[i % 8]} ${words[(i * 3) % 8]} ${words[(i * 5) % 8]}`,
}));
const params = { k1: 0.9, b: 0.4, hits: 7 };

describe('search threads', () => {
  it('are kept between calls on one index, give the one-thread hits, and move to the next index', async () => {
    ws.write('a.jsonl', corpus(400, 2));
    ws.write('b.jsonl', corpus(300, 3));
    for (const c of ['a', 'b']) expect((await ws.qexp(['index', `${c}.jsonl`, '--out', c])).exitCode).toBe(0);
    const a = IndexReader.load(ws.path('a'), false);
    const b = IndexReader.load(ws.path('b'), false);
    const oneA = await batch.batchHits({ indexDir: '', shared: a, params }, topics, 1);
    const oneB = await batch.batchHits({ indexDir: '', shared: b, params }, topics, 1);
    expect(oneA.flat().length).toBeGreaterThan(100);

    // three batches of 20: three threads on each call, the same three the second time
    expect(await batch.batchHits({ indexDir: '', shared: a, params }, topics, 3)).toEqual(oneA);
    expect(batch.idleSearchThreads()).toEqual({ count: 3, indexes: [ws.path('a')] });
    expect(await batch.batchHits({ indexDir: '', shared: a, params }, topics, 3)).toEqual(oneA);
    expect(batch.idleSearchThreads().count).toBe(3);
    // internal documents and scores only: the same hits, on the same threads
    const ranked = await batch.batchRanked({ indexDir: '', shared: a, params }, topics, 3);
    expect(batch.idleSearchThreads().count).toBe(3);
    expect(ranked.map((r) => [...r.docs])).toEqual(oneA.map((hits) => hits.map((h) => h.doc)));
    expect(ranked.map((r) => [...r.scores])).toEqual(oneA.map((hits) => hits.map((h) => h.score)));
    // other parameters on the same threads
    const deeper = await batch.batchHits({ indexDir: '', shared: a, params: { ...params, hits: 20 } }, topics, 3);
    expect(deeper).toEqual(await batch.batchHits({ indexDir: '', shared: a, params: { ...params, hits: 20 } }, topics, 1));
    // another index: the first one's threads end
    expect(await batch.batchHits({ indexDir: '', shared: b, params }, topics, 2)).toEqual(oneB);
    expect(batch.idleSearchThreads()).toEqual({ count: 2, indexes: [ws.path('b')] });
    batch.endSearchThreads();
    expect(batch.idleSearchThreads().count).toBe(0);
  });

  it('reject a call whose thread fails, and serve the next call', async () => {
    ws.write('c.jsonl', corpus(200, 4));
    expect((await ws.qexp(['index', 'c.jsonl', '--out', 'c'])).exitCode).toBe(0);
    const c = IndexReader.load(ws.path('c'), false);
    const plain = await batch.batchHits({ indexDir: '', shared: c, params }, topics, 1);
    // RM3 reads the term vectors when first asked: without their file, each thread fails
    rmSync(ws.path('c/docvectors-0.bin'));
    const rm3 = { fbDocs: 5, fbTerms: 5, originalQueryWeight: 0.5 };
    await expect(batch.batchHits({ indexDir: '', shared: c, params, rm3 }, topics, 2)).rejects.toThrow(/docvectors-0\.bin/);
    expect(batch.idleSearchThreads().count).toBe(0);
    expect(await batch.batchHits({ indexDir: '', shared: c, params }, topics, 2)).toEqual(plain);
    expect(batch.idleSearchThreads().count).toBe(2);
  });
});
