import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Doc } from '../../src/data/corpus.js';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { buildIndex } from '../../src/retrieval/index/build-index.js';
import { IndexReader } from '../../src/retrieval/index/read-index.js';
import { GroupKernel } from '../../src/retrieval/search/group-kernel.js';
import { groupTopK, mostFrequent } from '../../src/retrieval/search/group-search.js';
import { groupTerms, keepQueries } from '../../src/retrieval/search/group-terms.js';
import { kernelTopK } from '../../src/retrieval/search/kernel-search.js';
import { Bm25Searcher, queryTerms } from '../../src/retrieval/search/search.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-maxscore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* docsOf(list: Doc[]): AsyncGenerator<Doc> {
  yield* list;
}

// A small vocabulary with a skewed distribution: many documents share terms and many scores tie.
const VOCAB = Array.from({ length: 24 }, (_, i) => `t${i}`);
const word = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...VOCAB.slice(0, 4)) },
  { weight: 3, arbitrary: fc.constantFrom(...VOCAB.slice(4, 12)) },
  { weight: 1, arbitrary: fc.constantFrom(...VOCAB.slice(12)) },
);
// size 'max': fast-check would otherwise keep arrays near ten elements, too few for 128-posting blocks
const corpus = fc.array(fc.array(word, { minLength: 0, maxLength: 40, size: 'max' }), { minLength: 1, maxLength: 450, size: 'max' });
// long queries with repeated terms, as query ×5 + expansion formulations make them
const query = fc.array(word, { minLength: 1, maxLength: 60, size: 'max' });

let n = 0;
/** An index of the random documents, with ids in an order unlike the internal one, so that tie-breaking by external id is exercised. */
async function indexOf(docs: string[][], norms: string, name: string): Promise<string> {
  const out = join(dir, `${name}${n++}`);
  const list = docs.map((words, i) => ({ id: `d${String((i * 7919) % 100003).padStart(6, '0')}`, text: words.join(' ') }));
  await buildIndex(docsOf(list), getAnalyzer('whitespace'), out, { norms: norms as 'lucene-byte4' | 'exact' });
  return out;
}

function termsOf(q: string[]): Map<string, number> {
  const terms = new Map<string, number>();
  for (const w of q) terms.set(w, (terms.get(w) ?? 0) + 1);
  return terms;
}

describe("every strategy's top-k equals exhaustive top-k", () => {
  it('on random corpora and queries: MaxScore, the sparse table and the kernel alone give the same ids, order and scores, for several k, windows and both norms', async () => {
    await fc.assert(
      fc.asyncProperty(
        corpus,
        fc.array(query, { minLength: 1, maxLength: 5 }),
        fc.constantFrom(1, 3, 10, 100, 1000),
        fc.constantFrom('lucene-byte4', 'exact'),
        fc.constantFrom([0.9, 0.4], [1.2, 0.75], [0.5, 0]),
        fc.constantFrom(16, 64, 1 << 16),
        async (docs, queries, k, norms, [k1, b], window) => {
          const out = await indexOf(docs, norms, 'idx');
          const index = new IndexReader(out);
          // the kernel's windows follow MaxScore's (16 and 64 cross windows on these small corpora)
          const searcher = new Bm25Searcher(index, { k1: k1 as number, b: b as number, hits: k }, window, window, window);
          for (const q of queries) {
            const terms = termsOf(q);
            const exhaustive = searcher.exhaustive(terms, k);
            for (const strategy of ['maxscore', 'sparse', 'kernel'] as const)
              expect(searcher.searchWith(strategy, terms, k)).toEqual(exhaustive);
            expect(searcher.search(terms, k)).toEqual(exhaustive);
            // the kernel with every term's tf = 1 scores from a table, and with none
            for (const tableFrom of [0, Number.POSITIVE_INFINITY]) {
              const top = kernelTopK(
                searcher.weighted(terms),
                k,
                searcher.kernelNorms,
                index.docOrder,
                norms === 'exact',
                window,
                tableFrom,
              );
              expect(top.sorted().map((h) => [index.docid(h.doc), h.score])).toEqual(exhaustive.map((h) => [h.docid, h.score]));
            }
          }
          rmSync(out, { recursive: true, force: true });
        },
      ),
      { numRuns: 150, seed: 20261125 },
    );
  });
});

describe('group scoring (searchMany) equals exhaustive top-k', () => {
  it('on random corpora and batches of long and short queries: same ids, order and scores, for several k, windows, spans, copy chunks, dense-sparse splits and both norms (the kernel memory reused from group to group)', async () => {
    await fc.assert(
      fc.asyncProperty(
        corpus,
        fc.array(query, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(1, 3, 10, 1000),
        fc.constantFrom('lucene-byte4', 'exact'),
        fc.constantFrom(16, 64, 1 << 13),
        // every term dense, the default split, every term sparse
        fc.constantFrom(0, 2, Number.POSITIVE_INFINITY),
        // windows per span: one, a few (spans end inside the corpus), the default
        fc.constantFrom(1, 3, 16),
        // MaxScore within the group: no pruning, the default share of the k-th score, all of it
        fc.constantFrom(0, 0.7, 1),
        // head terms (the ones a query can leave non-essential): one, a few, the default
        fc.constantFrom(1, 3, 128),
        // a candidate's cost: none (queries keep pruning however small the windows), the default
        fc.constantFrom(0, 40),
        // dense postings per copy window after window: a term at a time, a few terms, the default (one copy a span)
        fc.constantFrom(1, 40, 1 << 20),
        // room for the rare terms' pairs: the default, or none (every term with a posting a window is dense)
        fc.constantFrom(1 << 30, 0),
        async (docs, queries, k, norms, window, densePerWindow, span, prune, heads, candidateCost, chunk, sparseBytes) => {
          const out = await indexOf(docs, norms, 'group');
          const index = new IndexReader(out);
          const searcher = new Bm25Searcher(index, { k1: 0.9, b: 0.4, hits: k }, 1 << 16, window);
          const batch = queries.map(termsOf);
          const exhaustive = batch.map((terms) => searcher.exhaustive(terms, k));
          expect(searcher.searchMany(batch, k)).toEqual(exhaustive);
          const tops = groupTopK(
            batch.map((terms) => searcher.weighted(terms)),
            k,
            searcher.kernelNorms,
            index.docOrder,
            norms === 'exact',
            searcher.niOfNorm,
            // pruning at every k (the engine leaves it out past k = 20)
            { window, densePerWindow, span, chunk, prune, heads, candidateCost, sparseBytes, pruneUpToK: Number.POSITIVE_INFINITY },
          );
          expect(tops.map((top) => top.sorted().map((h) => [index.docid(h.doc), h.score]))).toEqual(
            exhaustive.map((hits) => hits.map((h) => [h.docid, h.score])),
          );
          rmSync(out, { recursive: true, force: true });
        },
      ),
      { numRuns: 100, seed: 20261126 },
    );
  });

  it("sizes a span's room for scores by its largest window, not its first", async () => {
    // windows of 16 documents: the first holds one posting of the dense terms, the next ones 48
    // each, in a new kernel whose buffers start empty; the kernel traps a write past the room
    const docs = Array.from({ length: 64 }, (_, i) => (i === 0 ? ['a', 'x'] : i < 16 ? ['x'] : ['a', 'b', 'c']));
    const out = await indexOf(docs, 'lucene-byte4', 'group-room');
    const index = new IndexReader(out);
    const searcher = new Bm25Searcher(index, { k1: 0.9, b: 0.4, hits: 5 });
    const batch = [termsOf(['a', 'b', 'c']), termsOf(['a', 'b', 'x']), termsOf(['c', 'c', 'a'])];
    for (const span of [1, 4]) {
      const tops = groupTopK(
        batch.map((t) => searcher.weighted(t)),
        5,
        searcher.kernelNorms,
        index.docOrder,
        false,
        searcher.niOfNorm,
        { window: 16, span, kernel: new GroupKernel() },
      );
      expect(tops.map((top) => top.sorted().map((h) => [index.docid(h.doc), h.score]))).toEqual(
        batch.map((t) => searcher.exhaustive(t, 5).map((h) => [h.docid, h.score])),
      );
    }
    rmSync(out, { recursive: true, force: true });
  });

  it('refuses a pruning share above 1 (documents without an essential term would be lost)', async () => {
    const out = await indexOf([['a', 'b'], ['a']], 'lucene-byte4', 'group-share');
    const index = new IndexReader(out);
    const searcher = new Bm25Searcher(index, { k1: 0.9, b: 0.4, hits: 1 });
    const batch = [termsOf(['a', 'b']), termsOf(['a'])].map((t) => searcher.weighted(t));
    expect(() => groupTopK(batch, 1, searcher.kernelNorms, index.docOrder, false, searcher.niOfNorm, { window: 16, prune: 1.5 })).toThrow(
      /pruning share must be in \[0, 1\], not 1.5/,
    );
    rmSync(out, { recursive: true, force: true });
  });
});

describe("a batch's terms as group scoring's segments", () => {
  it("picks the head terms as a sort by postings would: the most first, ties in the list's order", () => {
    fc.assert(
      fc.property(fc.array(fc.nat(40), { maxLength: 300 }), fc.oneof(fc.nat(5), fc.nat(400)), fc.boolean(), (dfs, count, huge) => {
        // postings past 2^31 (a corpus of billions) take the comparator's way
        const postings = dfs.map((df) => (huge ? df * 2 ** 26 : df));
        // every other term, listed last first
        const terms = dfs.map((_, t) => t).filter((t) => t % 2 === 0);
        terms.reverse();
        const sorted = [...terms].sort((a, b) => (postings[b] as number) - (postings[a] as number)).slice(0, count);
        expect(mostFrequent(terms, postings, count)).toEqual(sorted);
      }),
      { numRuns: 300, seed: 20261205 },
    );
  });

  it('keeping some queries gives the segments those queries alone give, terms and segments renumbered alike', async () => {
    const out = await indexOf([VOCAB.slice(0, 20), VOCAB.slice(4), ['t0', 't1']], 'lucene-byte4', 'keep');
    const searcher = new Bm25Searcher(new IndexReader(out), { k1: 0.9, b: 0.4, hits: 10 });
    // the segments, and each term's id, postings and info as the group gives it
    const ids = ({ info, ...g }: ReturnType<typeof groupTerms>) => ({ ...g, infos: g.ids.map((_, t) => info(t)) });
    fc.assert(
      fc.property(fc.array(query, { minLength: 1, maxLength: 6 }), fc.array(fc.nat(5)), (queries, picks) => {
        // terms the index lacks as well ('zz'), and queries kept in any order, repeats left out
        const weighted = queries.map((q) => searcher.weighted(termsOf([...q, 'zz'])));
        const keep = [...new Set(picks.filter((i) => i < queries.length))];
        expect(ids(keepQueries(groupTerms(weighted), keep))).toEqual(ids(groupTerms(keep.map((i) => weighted[i] ?? []))));
      }),
      { numRuns: 200, seed: 20261205 },
    );
    rmSync(out, { recursive: true, force: true });
  });

  it('searchMany scores a batch of long and short queries as each alone: the long ones in a group with those that join it, the others one by one', async () => {
    // 3,000 documents, most with most of 40 common terms: a query of 30 of them has past 65,536
    // postings (group scoring's); one of a few rare terms is scored alone; one of two common terms
    // (4,800 postings: past JOIN_FROM's 150 here) joins the group
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const common = Array.from({ length: 40 }, (_, i) => `c${i}`);
    const docs = Array.from({ length: 3000 }, () => [
      ...common.filter(() => rand() < 0.8),
      ...Array.from({ length: 3 }, () => `r${Math.floor(rand() * 500)}`),
    ]);
    const out = await indexOf(docs, 'lucene-byte4', 'mixed');
    const searcher = new Bm25Searcher(new IndexReader(out), { k1: 0.9, b: 0.4, hits: 10 }, 1 << 16, 1 << 10);
    const long = (i: number) => termsOf([...common.slice(i, i + 30), ...common.slice(i, i + 5), `r${i}`, 'absent']);
    const short = (i: number) => termsOf([`r${i}`, `r${i + 1}`, 'absent']);
    const medium = (i: number) => termsOf([`c${i}`, `c${i + 1}`, `r${i}`]);
    const batch = [short(1), long(0), long(3), short(7), medium(12), long(9), short(7), long(3)];
    const strategies = batch.map((t) => searcher.strategy(searcher.weighted(t)));
    expect(strategies).toEqual(['sparse', 'kernel', 'kernel', 'sparse', 'sparse', 'kernel', 'sparse', 'kernel']);
    for (const k of [1, 10, 100]) expect(searcher.searchMany(batch, k)).toEqual(batch.map((t) => searcher.exhaustive(t, k)));
    // the same queries as texts (a word repeated within one, words not in the index, an empty
    // text), their tokens looked up without maps: the same hits as each text's map of terms
    const words = (i: number, n: number) => [...common.slice(i, i + n), `r${i}`, 'absent', ...common.slice(i, i + 5)];
    const texts = [
      '',
      'absent nowhere',
      'r1 r2 r1 absent',
      words(0, 30).join(' '),
      words(3, 30).join(' '),
      'r7 r8',
      'c12 c13 c12 r12',
      words(9, 30).join(' '),
    ];
    const analyzer = getAnalyzer('whitespace');
    const maps = texts.map((t) => queryTerms(analyzer, t));
    expect(maps.map((t) => searcher.strategy(searcher.weighted(t)))).toEqual([
      'sparse',
      'sparse',
      'sparse',
      'kernel',
      'kernel',
      'sparse',
      'sparse',
      'kernel',
    ]);
    const heard: number[] = [];
    for (const k of [1, 10, 100]) {
      expect(searcher.searchTexts(analyzer, texts, k, (done) => heard.push(done))).toEqual(maps.map((t) => searcher.exhaustive(t, k)));
      expect(searcher.rankedTexts(analyzer, texts, k)).toEqual(searcher.rankedMany(maps, k));
    }
    // the group (the three long texts and the one that joins them) first, then each other one
    expect(heard.slice(0, 5)).toEqual([4, 5, 6, 7, 8]);
    rmSync(out, { recursive: true, force: true });
  });
});

describe('MaxScore tie at the pruning bound', () => {
  it('keeps a candidate whose bound equals the k-th score: it can still win the tie on its id', async () => {
    // 'zz' (indexed first) and 'aa' (5,000 documents later, in a later scoring window) score the
    // same. When 'aa' comes, b is non-essential, and 'aa''s partial score plus b's bound equals
    // the k-th score exactly: pruning it would lose the tie that 'aa' wins on its id
    const out = join(dir, 'tie');
    const filler = Array.from({ length: 5000 }, (_, i) => ({ id: `f${i}`, text: 'c d' }));
    await buildIndex(
      docsOf([{ id: 'zz', text: 'a b' }, ...filler, { id: 'aa', text: 'a b' }, { id: 'mm', text: 'b c' }]),
      getAnalyzer('whitespace'),
      out,
    );
    const searcher = new Bm25Searcher(new IndexReader(out), { k1: 0.9, b: 0.4, hits: 1 }, 4096);
    const terms = new Map([
      ['a', 1],
      ['b', 1],
    ]);
    expect(searcher.searchWith('maxscore', terms, 1)).toEqual(searcher.exhaustive(terms, 1));
    expect(searcher.searchWith('maxscore', terms, 1)[0]?.docid).toBe('aa');
  });
});
