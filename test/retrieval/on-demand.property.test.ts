import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { buildIndex } from '../../src/retrieval/index/build-index.js';
import { IndexReader, memoryNeeds, readIndexMeta } from '../../src/retrieval/index/read-index.js';
import { searchRm3 } from '../../src/retrieval/search/rm3.js';
import { Bm25Searcher } from '../../src/retrieval/search/search.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-on-demand-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// skewed vocabulary (long postings for a few terms, short for many), words RM3 keeps (letters, 2-20 long)
const VOCAB = Array.from({ length: 40 }, (_, i) => `term${String.fromCharCode(97 + (i % 26))}${i}`);
const word = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...VOCAB.slice(0, 4)) },
  { weight: 3, arbitrary: fc.constantFrom(...VOCAB.slice(4, 14)) },
  { weight: 1, arbitrary: fc.constantFrom(...VOCAB.slice(14)) },
);
const corpus = fc.array(fc.array(word, { minLength: 0, maxLength: 40, size: 'max' }), { minLength: 1, maxLength: 600, size: 'max' });
const query = fc.array(word, { minLength: 1, maxLength: 60, size: 'max' });

const termsOf = (q: string[]) => {
  const terms = new Map<string, number>();
  for (const w of q) terms.set(w, (terms.get(w) ?? 0) + 1);
  return terms;
};

let n = 0;
describe('an index searched with its postings on disk (a memory budget smaller than the index)', () => {
  it('answers exactly as in memory: every strategy, exhaustive, groups, RM3 and external ids, with caches from none to all, document ids on disk or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        corpus,
        fc.array(query, { minLength: 1, maxLength: 6 }),
        fc.constantFrom(1, 10, 1000),
        fc.constantFrom('lucene-byte4', 'exact'),
        // what the budget leaves: no postings cache (every use reads the disk), a few terms (constant
        // eviction), every posting (the term vectors stay on disk); with the document ids on disk,
        // or in memory
        fc.constantFrom(0, 600, -1),
        fc.boolean(),
        fc.constantFrom(16, 1 << 16),
        async (docs, queries, k, norms, cache, docidsInMemory, window) => {
          const out = join(dir, `i${n++}`);
          async function* list() {
            yield* docs.map((words, i) => ({ id: `d${String((i * 7919) % 100003).padStart(6, '0')}`, text: words.join(' ') }));
          }
          await buildIndex(list(), getAnalyzer('whitespace'), out, { norms: norms as 'lucene-byte4' | 'exact', maxFileBytes: 2048 });
          const needs = memoryNeeds(readIndexMeta(out), true, 1);
          const memory = new IndexReader(IndexReader.load(out, true));
          // below the whole index, and (ids on disk) too small for the ids and a cache of a quarter of
          // the postings, or (ids in memory) large enough for both
          const docids = docidsInMemory ? needs.docids + Math.ceil(needs.postings / 4) : 0;
          const cap = docidsInMemory
            ? Math.floor(0.75 * needs.postings) + needs.vectors - 1
            : needs.docids + Math.floor(needs.postings / 4) - 1;
          const postingsCache = Math.max(0, Math.min(cache < 0 ? needs.postings : cache, cap));
          const disk = new IndexReader(IndexReader.load(out, true, { memoryBudget: needs.index + needs.search + docids + postingsCache }));
          expect(memory.onDemand).toBe(false);
          expect(disk.onDemand).toBe(true);
          expect(disk.shared.docidsOnDisk).toBe(!docidsInMemory);
          const params = { k1: 0.9, b: 0.4, hits: k };
          const a = new Bm25Searcher(memory, params, window, window);
          const b = new Bm25Searcher(disk, params, window, window);
          const batch = queries.map(termsOf);
          const reference = batch.map((t) => a.exhaustive(t, k));
          for (const [i, t] of batch.entries()) {
            expect(b.search(t, k)).toEqual(reference[i]);
            for (const strategy of ['sparse', 'maxscore', 'kernel'] as const) expect(b.searchWith(strategy, t, k)).toEqual(reference[i]);
            const docs = reference[i]?.map((h) => h.doc) ?? [];
            expect(disk.docidLines(docs)).toBe(memory.docidLines(docs));
            expect(b.exhaustive(t, k)).toEqual(reference[i]);
            const rm3 = { fbDocs: 3, fbTerms: 5, originalQueryWeight: 0.5 };
            expect(searchRm3(b, t, rm3, k)).toEqual(searchRm3(a, t, rm3, k));
          }
          expect(b.searchMany(batch, k)).toEqual(reference);
          rmSync(out, { recursive: true, force: true });
        },
      ),
      { numRuns: 60, seed: 20261203 },
    );
  });
});
