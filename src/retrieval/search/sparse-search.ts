import { packedWords, unpack, unpackDocs } from '../index/bitpack.js';
import { termScore } from './bm25.js';
import type { Weighted } from './group-search.js';
import { firstBlock } from './postings-cursor.js';
import { TopK } from './top-k.js';

/** The golden ratio in 32 bits: Fibonacci hashing spreads document numbers over the table. */
const FIB = 0x9e3779b1;

/**
 * Exhaustive top-k of a query with few postings (a short query): every posting is decoded, scored
 * and added into a small open-addressing table keyed by document, which stays in the core's cache
 * whatever the index's size. An accumulator over every document would cost cache misses per
 * posting (reading it, marking it, clearing it), and MaxScore's bookkeeping costs more than it
 * skips when there is little to skip. Exact: each document's score is the double sum of its
 * terms' float scores, in the query's term order as `Bm25Searcher.exhaustive` adds them, rounded to
 * float; ties by external id.
 */
export class SparseScorer {
  /** The table: a document per slot (−1 for none) and its sum; the slots in use, to clear them. */
  private keys = new Int32Array(0);
  private sums = new Float64Array(0);
  private used = new Int32Array(0);
  private found = new Int32Array(0);
  private ranks = new Uint32Array(0);
  private readonly docs = new Int32Array(128);
  private readonly tfs = new Int32Array(128);

  constructor(
    private readonly exact: boolean,
    /**
     * Each document's norm byte and normInverse per byte (Lucene's cache), or null with exact
     * norms: a byte per document stays in cache where 4 bytes would not, at random documents.
     */
    private readonly normBytes: Uint8Array | null,
    private readonly normCache: Float32Array | null,
    /** Each document's normInverse, for exact norms. */
    private readonly normInv: Float32Array,
  ) {}

  /** `postings`: the terms' document frequencies summed. */
  topK(terms: Weighted, postings: number, k: number, order: Uint32Array): TopK {
    let bits = 6;
    while (1 << bits < 2 * postings) bits++;
    const size = 1 << bits;
    if (this.keys.length < size) {
      this.keys = new Int32Array(size).fill(-1);
      this.sums = new Float64Array(size);
      this.used = new Int32Array(size);
      this.found = new Int32Array(size);
      this.ranks = new Uint32Array(size);
    }
    const keys = this.keys;
    const sums = this.sums;
    const used = this.used;
    const docs = this.docs;
    const tfs = this.tfs;
    const shift = 32 - bits;
    const mask = size - 1;
    const header = this.exact ? 4 : 3;
    const normBytes = this.normBytes;
    const normCache = this.normCache as Float32Array;
    const normInv = this.normInv;
    let n = 0;
    for (const { info, weight } of terms) {
      const w = info.words;
      const end = info.offset + info.length;
      let prev = -1;
      for (let p = firstBlock(info); p < end; ) {
        const h = w[p] as number;
        const count = h & 0xff;
        const docBits = (h >>> 8) & 0xff;
        const tfBits = (h >>> 16) & 0xff;
        const body = p + header;
        prev = unpackDocs(w, body, count, docBits, docs, prev);
        const tfAt = body + packedWords(count, docBits);
        unpack(w, tfAt, count, tfBits, tfs, 1);
        p = tfAt + packedWords(count, tfBits);
        for (let i = 0; i < count; i++) {
          const doc = docs[i] as number;
          const ni = normBytes ? (normCache[normBytes[doc] as number] as number) : (normInv[doc] as number);
          const score = termScore(weight, tfs[i] as number, ni);
          let slot = Math.imul(doc, FIB) >>> shift;
          for (;;) {
            const key = keys[slot] as number;
            if (key === doc) break;
            if (key === -1) {
              keys[slot] = doc;
              used[n++] = slot;
              break;
            }
            slot = (slot + 1) & mask;
          }
          sums[slot] = (sums[slot] as number) + score;
        }
      }
    }
    const top = new TopK(k, order);
    if (8 * k < n) {
      // few kept of many: most are turned away by the heap's root, without reading their rank
      for (let i = 0; i < n; i++) {
        const slot = used[i] as number;
        top.offer(keys[slot] as number, Math.fround(sums[slot] as number));
        keys[slot] = -1;
        sums[slot] = 0;
      }
      return top;
    }
    // most of them kept: their ranks read first, in one pass of independent loads whose cache misses overlap
    const found = this.found;
    const ranks = this.ranks;
    for (let i = 0; i < n; i++) found[i] = keys[used[i] as number] as number;
    for (let i = 0; i < n; i++) ranks[i] = order[found[i] as number] as number;
    for (let i = 0; i < n; i++) {
      const slot = used[i] as number;
      top.offerRanked(found[i] as number, Math.fround(sums[slot] as number), ranks[i] as number);
      keys[slot] = -1;
      sums[slot] = 0;
    }
    return top;
  }
}
