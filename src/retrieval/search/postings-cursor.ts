import { packedWords, unpack, unpackDocs } from '../index/bitpack.js';
import type { TermInfo } from '../index/read-index.js';
import { termScore } from './bm25.js';

export const NO_MORE_DOCS = 0x7fffffff;

/** A term's first block (word in its postings file): past its frontier, a count and then the pairs. */
export function firstBlock(term: TermInfo): number {
  return term.offset + 1 + 2 * (term.words[term.offset] as number);
}

/**
 * The largest score any posting of the term can have: `bound(maxTf, minNorm)` at the best of its
 * (tf, norm) frontier, where the term's largest score for any k1 and b lies.
 */
export function frontierBound(term: TermInfo, bound: (maxTf: number, minNorm: number) => number): number {
  const at = term.offset;
  const end = at + 1 + 2 * (term.words[at] as number);
  let ub = 0;
  for (let i = at + 1; i < end; i += 2) ub = Math.max(ub, bound(term.words[i] as number, term.words[i + 1] as number));
  return ub;
}

/** The word after the block that starts at word p: a header of three words (four with exact norms), then the packed gaps and tfs. */
export function blockEnd(words: Uint32Array, p: number, exact: boolean): number {
  const h = words[p] as number;
  const count = h & 0xff;
  return p + (exact ? 4 : 3) + packedWords(count, (h >>> 8) & 0xff) + packedWords(count, (h >>> 16) & 0xff);
}

/**
 * Reads one term's postings block by block (format v2: bit-packed blocks with a header). Headers
 * are read without decoding the block: `shallowAdvance` skips whole blocks by their last document,
 * and a block's max tf and smallest norm bound every score in it (block-max).
 */
export class PostingsCursor {
  private readonly words: Uint32Array;
  private readonly end: number;
  private readonly exact: boolean;
  /** Next block's first word. */
  private p: number;
  /** Postings in the current block. */
  count = 0;
  /** Position in the decoded block (−1 before the first). */
  i = -1;
  private docBits = 0;
  private tfBits = 0;
  private bodyStart = 0;
  private prevLast = -1;
  decoded = false;
  /** Header of the current block. */
  blockLast = -1;
  blockMaxTf = 0;
  blockMinNorm = 0;
  doc = -1;

  /** The current block's documents and frequencies, decoded (128 postings at most). */
  readonly docs = new Int32Array(128);
  readonly tfs = new Int32Array(128);

  constructor(term: TermInfo, exact: boolean) {
    this.words = term.words;
    this.exact = exact;
    this.p = firstBlock(term);
    this.end = term.offset + term.length;
    this.nextBlock();
  }

  /** Reads the next block's header; false (and NO_MORE_DOCS) past the last block. */
  nextBlock(): boolean {
    if (this.p >= this.end) {
      this.doc = NO_MORE_DOCS;
      this.blockLast = NO_MORE_DOCS;
      this.count = 0;
      return false;
    }
    const w = this.words;
    const h = w[this.p] as number;
    if (this.blockLast >= 0) this.prevLast = this.blockLast;
    this.count = h & 0xff;
    this.docBits = (h >>> 8) & 0xff;
    this.tfBits = (h >>> 16) & 0xff;
    this.blockLast = w[this.p + 1] as number;
    this.blockMaxTf = w[this.p + 2] as number;
    if (this.exact) {
      this.blockMinNorm = w[this.p + 3] as number;
      this.bodyStart = this.p + 4;
    } else {
      this.blockMinNorm = h >>> 24;
      this.bodyStart = this.p + 3;
    }
    this.p = blockEnd(w, this.p, this.exact);
    this.decoded = false;
    this.i = -1;
    return true;
  }

  /** Decodes the current block's documents and frequencies. */
  decode(): void {
    const w = this.words;
    unpackDocs(w, this.bodyStart, this.count, this.docBits, this.docs, this.prevLast);
    unpack(w, this.bodyStart + packedWords(this.count, this.docBits), this.count, this.tfBits, this.tfs, 1);
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

  /** Lowest document the current block can hold (its first document is at least this). */
  get blockFirst(): number {
    return this.prevLast + 1;
  }

  /**
   * Largest bound(max tf, smallest norm) over the blocks from the current one that can hold a
   * document below `end`, read from their headers without moving the cursor: the term's bound in a
   * window of documents.
   */
  windowMax(end: number, bound: (maxTf: number, minNorm: number) => number): number {
    if (this.blockLast === NO_MORE_DOCS) return 0;
    let ub = bound(this.blockMaxTf, this.blockMinNorm);
    let last = this.blockLast;
    let p = this.p;
    const w = this.words;
    while (last < end - 1 && p < this.end) {
      const b = bound(w[p + 2] as number, this.exact ? (w[p + 3] as number) : (w[p] as number) >>> 24);
      if (b > ub) ub = b;
      last = w[p + 1] as number;
      p = blockEnd(w, p, this.exact);
    }
    return ub;
  }

  /** Moves the block window to the block that would hold target (no decoding); false past the end. */
  shallowAdvance(target: number): boolean {
    while (this.blockLast < target) if (!this.nextBlock()) return false;
    return true;
  }

  /** Moves to the first posting with document ≥ target. */
  advance(target: number): number {
    if (this.doc >= target) return this.doc;
    if (!this.shallowAdvance(target)) return NO_MORE_DOCS;
    if (!this.decoded) this.decode();
    let i = Math.max(this.i, 0);
    const docs = this.docs;
    while ((docs[i] as number) < target) i++;
    this.i = i;
    this.doc = docs[i] as number;
    return this.doc;
  }

  /**
   * Scores every posting below `end` into acc[doc − base] (double sums of float term scores, as
   * Lucene's scorers add them), listing new documents in `touched` (marked in `seen`); leaves the
   * cursor at the first posting ≥ end. The hot loop of exhaustive and windowed MaxScore scoring.
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
    if (this.doc < base && this.advance(base) >= end) return nTouched;
    while (this.doc < end) {
      if (!this.decoded) this.decode();
      const docs = this.docs;
      const tfs = this.tfs;
      let i = Math.max(this.i, 0);
      const count = this.count;
      for (; i < count; i++) {
        const doc = docs[i] as number;
        if (doc >= end) break;
        const slot = doc - base;
        if (seen[slot] === 0) {
          seen[slot] = 1;
          touched[nTouched++] = slot;
        }
        acc[slot] = (acc[slot] as number) + termScore(weight, tfs[i] as number, normInv[doc] as number);
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

  /**
   * Adds the score of every posting below `end` to acc[doc − base], marking nothing: for windows
   * dense enough that the candidates are found by scanning the accumulator.
   */
  addUpTo(end: number, base: number, weight: number, normInv: Float32Array, acc: Float64Array): void {
    if (this.doc < base && this.advance(base) >= end) return;
    for (;;) {
      if (this.decoded) {
        const docs = this.docs;
        const tfs = this.tfs;
        let i = Math.max(this.i, 0);
        const count = this.count;
        for (; i < count; i++) {
          const doc = docs[i] as number;
          if (doc >= end) break;
          acc[doc - base] = (acc[doc - base] as number) + termScore(weight, tfs[i] as number, normInv[doc] as number);
        }
        if (i < count) {
          this.i = i;
          this.doc = docs[i] as number;
          return;
        }
        if (!this.nextBlock()) return;
      }
      if (this.blockLast >= end) {
        // the block straddles the window's end: decode it and stop inside it
        if (this.prevLast + 1 >= end) return;
        this.decode();
        this.i = 0;
        this.doc = this.docs[0] as number;
        continue;
      }
      this.addBlock(base, weight, normInv, acc);
      if (!this.nextBlock()) return;
    }
  }

  /** Adds every posting of the current (undecoded) block, decoding and scoring in one pass. */
  private addBlock(base: number, weight: number, normInv: Float32Array, acc: Float64Array): void {
    const w = this.words;
    const n = this.count;
    const db = this.docBits;
    const tb = this.tfBits;
    const dMask = db === 32 ? -1 : (1 << db) - 1;
    const tMask = tb === 32 ? -1 : (1 << tb) - 1;
    const d0 = this.bodyStart;
    const t0 = d0 + packedWords(n, db);
    let doc = this.prevLast;
    let dBit = 0;
    let tBit = 0;
    for (let i = 0; i < n; i++, dBit += db, tBit += tb) {
      let gap = 0;
      if (db !== 0) {
        const wi = d0 + (dBit >>> 5);
        const sh = dBit & 31;
        gap = (w[wi] as number) >>> sh;
        if (sh + db > 32) gap |= (w[wi + 1] as number) << (32 - sh);
        gap &= dMask;
      }
      doc += gap + 1;
      let tf = 1;
      if (tb !== 0) {
        const wi = t0 + (tBit >>> 5);
        const sh = tBit & 31;
        let v = (w[wi] as number) >>> sh;
        if (sh + tb > 32) v |= (w[wi + 1] as number) << (32 - sh);
        tf += v & tMask;
      }
      acc[doc - base] = (acc[doc - base] as number) + termScore(weight, tf, normInv[doc] as number);
    }
    this.doc = doc;
  }
}
