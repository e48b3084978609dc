import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { IndexReader, memoryNeeds } from '../../src/retrieval/index/read-index.js';
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

  it('batch up to 2,048 queries at a time in memory and 512 under a memory budget, with the same hits', async () => {
    ws.write('f.jsonl', corpus(300, 6));
    expect((await ws.qexp(['index', 'f.jsonl', '--out', 'f'])).exitCode).toBe(0);
    const f = IndexReader.load(ws.path('f'), false);
    const many = Array.from({ length: 1100 }, (_, i) => ({ qid: `m${i}`, text: (topics[i % 60] as { text: string }).text }));
    const counts = async (memoryBudget?: number, shared = f) => {
      const seen: number[] = [];
      const hits = await batch.batchHits({ indexDir: '', shared, params, memoryBudget }, many, 1, (n) => seen.push(n));
      return { seen, hits };
    };
    // a batch reports progress every 1/32 of its queries: the first count gives the batch's size
    const inMemory = await counts();
    expect(inMemory.seen[0]).toBe(Math.floor(1100 / 32));
    expect(inMemory.seen.at(-1)).toBe(1100);
    const budget = await counts(1 << 30);
    expect(budget.seen[0]).toBe(512 / 32);
    expect(budget.seen).toContain(1024 + Math.floor(76 / 32));
    expect(budget.hits).toEqual(inMemory.hits);
    // an index loaded under a budget (its postings on disk, as the feedback stage loads it) batches likewise
    const needs = memoryNeeds(f.meta, false, 1);
    const onDisk = IndexReader.load(ws.path('f'), false, {
      memoryBudget: needs.index + needs.docids + needs.search + Math.floor(needs.postings / 2),
    });
    expect(onDisk.postings).toBeNull();
    const loaded = await counts(undefined, onDisk);
    expect(loaded.seen[0]).toBe(512 / 32);
    expect(loaded.hits).toEqual(inMemory.hits);
  });

  it('count queries as each ends, not only as batches end (RM3, and BM25 queries with few postings), on threads and on one', async () => {
    ws.write('d.jsonl', corpus(300, 5));
    // each word in 6 documents of 300: short queries, scored one by one
    ws.write(
      'e.jsonl',
      `${Array.from({ length: 300 }, (_, i) => JSON.stringify({ id: `e${i}`, contents: `w${i % 50}x filler` })).join('\n')}\n`,
    );
    for (const c of ['d', 'e']) expect((await ws.qexp(['index', `${c}.jsonl`, '--out', c])).exitCode).toBe(0);
    const d = IndexReader.load(ws.path('d'), true);
    const e = IndexReader.load(ws.path('e'), false);
    const rare = topics.map((t, i) => ({ qid: t.qid, text: `w${i % 50}x` }));
    const rm3 = { fbDocs: 5, fbTerms: 5, originalQueryWeight: 0.5 };
    for (const [job, list] of [
      [{ indexDir: '', shared: d, params, rm3 }, topics],
      [{ indexDir: '', shared: e, params }, rare],
    ] as const) {
      for (const threads of [1, 2]) {
        const seen: number[] = [];
        // two batches of 30
        await batch.batchHits(job, [...list], threads, (n) => seen.push(n), 30);
        expect(seen.at(-1)).toBe(60);
        for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThanOrEqual(seen[i - 1] as number);
        // every query is counted on its own (on two threads, one batch's count may pass over another's)
        expect(new Set(seen).size).toBeGreaterThanOrEqual(threads === 1 ? 60 : 30);
      }
    }
  });
});
