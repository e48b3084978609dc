import { groupKernel, type KernelNorms } from './group-kernel.js';
import type { Weighted } from './group-terms.js';
import { loadTerms, TABLE_FROM } from './kernel-search.js';
import { type RankedHits, type Ranking, TopK } from './top-k.js';

/**
 * Exhaustive top-k of a query with few postings (a short query), in the WebAssembly kernel
 * (group-kernel.wat's `sparse`): every posting is decoded, scored and added into a small
 * open-addressing table keyed by document, sized to the query, which stays in the core's cache
 * whatever the index's size. An accumulator over every document would cost cache misses per
 * posting (reading it, marking it, clearing it), and MaxScore's bookkeeping costs more than it
 * skips when there is little to skip. Exact: each document's score is the double sum of its terms'
 * float scores, in the query's term order as `Bm25Searcher.exhaustive` adds them, rounded to
 * float; ties by external id.
 */
export class SparseScorer {
  constructor(
    private readonly exact: boolean,
    private readonly norms: KernelNorms,
    private readonly tableFrom = TABLE_FROM,
  ) {}

  /** `postings`: the terms' document frequencies summed. */
  topK(terms: Weighted, postings: number, k: number, order: Uint32Array): Ranking {
    let bits = 6;
    while (1 << bits < 2 * postings) bits++;
    const size = 1 << bits;
    const kernel = groupKernel();
    const { invAt, cacheAt, bytesAt } = kernel.reset(this.norms);
    const keysAt = kernel.alloc(4 * size);
    const sumsAt = kernel.alloc(8 * size);
    const usedAt = kernel.alloc(4 * size);
    const statesAt = loadTerms(kernel, terms, this.exact, this.tableFrom, cacheAt, false);
    const buffer = kernel.buffer;
    const keys = new Int32Array(buffer, keysAt, size).fill(-1);
    const sums = new Float64Array(buffer, sumsAt, size).fill(0);
    const used = new Int32Array(buffer, usedAt, size);
    const n = kernel.run.sparse(statesAt, terms.length, this.exact ? 1 : 0, bytesAt, cacheAt, invAt, keysAt, sumsAt, usedAt, bits);
    if (8 * k < n) {
      const top = new TopK(k, order);
      // few kept of many: most are turned away by the heap's root, without reading their rank
      for (let i = 0; i < n; i++) {
        const slot = used[i] as number;
        top.offer(keys[slot] as number, Math.fround(sums[slot] as number));
      }
      return top;
    }
    // most of them kept: ranked in the kernel (a radix sort), their ranks read first, in one pass of
    // independent loads whose cache misses overlap
    const docsAt = kernel.alloc(4 * n);
    const scoresAt = kernel.alloc(8 * n);
    const ranksAt = kernel.alloc(4 * n);
    const scratchAt = kernel.alloc(16 * n + 1024);
    kernel.run.gather(keysAt, sumsAt, usedAt, n, docsAt, scoresAt);
    const docs = new Int32Array(kernel.buffer, docsAt, n);
    const ranks = new Uint32Array(kernel.buffer, ranksAt, n);
    for (let i = 0; i < n; i++) ranks[i] = order[docs[i] as number] as number;
    const m = kernel.run.select(docsAt, scoresAt, ranksAt, n, k, scratchAt);
    const ranked: RankedHits = { docs: docs.slice(0, m), scores: new Float64Array(kernel.buffer, scoresAt, m).slice() };
    return { ranked: () => ranked };
  }
}
