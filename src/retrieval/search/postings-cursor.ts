import type { IndexReader } from '../index/read-index.js';
import { readU32 } from '../index/varint.js';
import { termScore } from './bm25.js';

export const NO_MORE_DOCS = 0x7fffffff;
const EMPTY = new Int32Array(0);

/**
 * Reads one term's postings block by block. `advance(target)` skips whole blocks by their last
 * document without decoding them; the block header's max tf and smallest norm give an upper
 * bound of any score in the block (block-max).
 */
export class PostingsCursor {
  private p: number;
  private readonly end: number;
  private readonly exact: boolean;
  // allocated on first decode: a cursor that only walks block headers (blockBound) needs none
  private docs: Int32Array = EMPTY;
  private tfs: Int32Array = EMPTY;
  private count = 0;
  private i = 0;
  private prevLast = -1;
  /** Header of the current block. */
  blockLast = -1;
  blockMaxTf = 0;
  blockMinNorm = 0;
  private bodyStart = 0;
  private decoded = false;
  doc = -1;

  constructor(
    private readonly index: IndexReader,
    term: { offset: number; bytes: number },
  ) {
    this.p = term.offset;
    this.end = term.offset + term.bytes;
    this.exact = index.meta.norms === 'exact';
    this.nextBlock();
  }

  private nextBlock(): boolean {
    if (this.p >= this.end) {
      this.doc = NO_MORE_DOCS;
      this.blockLast = NO_MORE_DOCS;
      return false;
    }
    const b = this.index.postings;
    if (this.blockLast >= 0) this.prevLast = this.blockLast;
    this.count = b[this.p] as number;
    this.blockLast = readU32(b, this.p + 1);
    this.blockMaxTf = readU32(b, this.p + 5);
    let q = this.p + 9;
    if (this.exact) {
      this.blockMinNorm = readU32(b, q);
      q += 4;
    } else {
      this.blockMinNorm = b[q] as number;
      q += 1;
    }
    const bodyBytes = readU32(b, q);
    this.bodyStart = q + 4;
    this.p = this.bodyStart + bodyBytes;
    this.decoded = false;
    this.i = -1;
    return true;
  }

  private decode(): void {
    if (this.docs.length === 0) {
      this.docs = new Int32Array(256);
      this.tfs = new Int32Array(256);
    }
    const b = this.index.postings;
    let q = this.bodyStart;
    let doc = this.prevLast;
    for (let k = 0; k < 2 * this.count; k++) {
      let v = 0;
      let shift = 0;
      let byte: number;
      do {
        byte = b[q++] as number;
        v |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      if (k < this.count) {
        doc += v >>> 0;
        this.docs[k] = doc;
      } else this.tfs[k - this.count] = v >>> 0;
    }
    this.decoded = true;
  }

  get tf(): number {
    return this.tfs[this.i] as number;
  }

  /** Moves to the next posting; returns its document or NO_MORE_DOCS. */
  next(): number {
    if (this.doc === NO_MORE_DOCS) return NO_MORE_DOCS;
    if (!this.decoded) this.decode();
    this.i++;
    if (this.i >= this.count) {
      if (!this.nextBlock()) return NO_MORE_DOCS;
      this.decode();
      this.i = 0;
    }
    this.doc = this.docs[this.i] as number;
    return this.doc;
  }

  /** Moves to the first posting with document ≥ target. */
  advance(target: number): number {
    if (this.doc >= target) return this.doc;
    while (this.blockLast < target) if (!this.nextBlock()) return NO_MORE_DOCS;
    if (!this.decoded) this.decode();
    if (this.i < 0) this.i = 0;
    while ((this.docs[this.i] as number) < target) this.i++;
    this.doc = this.docs[this.i] as number;
    return this.doc;
  }

  /**
   * Scores every posting below `end` into acc[doc − base] (double sums of float term scores, as
   * Lucene's scorers add them), marking new documents in `seen`; leaves the cursor at the first
   * posting ≥ end. The hot loop of both exhaustive and windowed MaxScore scoring.
   */
  scoreUpTo(
    end: number,
    base: number,
    weight: number,
    normInv: Float32Array,
    acc: Float64Array,
    seen: Uint8Array,
    touched: Int32Array,
    nTouched: number,
  ): number {
    while (this.doc < end) {
      if (!this.decoded) this.decode();
      const docs = this.docs;
      const tfs = this.tfs;
      let i = this.i;
      const count = this.count;
      while (i < count) {
        const doc = docs[i] as number;
        if (doc >= end) break;
        const s = termScore(weight, tfs[i] as number, normInv[doc] as number);
        const slot = doc - base;
        if (seen[slot] === 0) {
          seen[slot] = 1;
          touched[nTouched++] = slot;
        }
        acc[slot] = (acc[slot] as number) + s;
        i++;
      }
      if (i < count) {
        this.i = i;
        this.doc = docs[i] as number;
        return nTouched;
      }
      if (!this.nextBlock()) return nTouched;
      this.decode();
      this.i = 0;
      this.doc = this.docs[0] as number;
    }
    return nTouched;
  }

  /** Max over a term's blocks of bound(max tf, smallest norm) from their headers: the term's score upper bound. */
  static blockBound(
    index: IndexReader,
    term: { offset: number; bytes: number },
    bound: (maxTf: number, minNorm: number) => number,
  ): number {
    const c = new PostingsCursor(index, term);
    let ub = 0;
    while (c.blockLast !== NO_MORE_DOCS) {
      ub = Math.max(ub, bound(c.blockMaxTf, c.blockMinNorm));
      c.nextBlock();
    }
    return ub;
  }

  /** Moves the block window to the block holding target (no decoding); false past the end. */
  shallowAdvance(target: number): boolean {
    while (this.blockLast < target) if (!this.nextBlock()) return false;
    return true;
  }
}
