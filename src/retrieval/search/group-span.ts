import type { TermInfo } from '../index/read-index.js';
import type { GroupKernel } from './group-kernel.js';
import { blockEnd, firstBlock } from './postings-cursor.js';

/**
 * Terms' postings, decoded span by span in the kernel (a sparse term's one span is every document):
 * each span, a term's blocks that can hold documents below the span's end are copied into the
 * kernel's memory and decoded there.
 * The last of them may run past the span's end: it is decoded again for the next span, which
 * keeps its documents from there on.
 */
export class SpanDecoder {
  /** Each term's next block to decode (word in its postings file), and the document before it. */
  private readonly next: Int32Array;
  private readonly prev: Int32Array;
  /** Each term's word past its last block. */
  private readonly end: Int32Array;

  constructor(
    private readonly terms: TermInfo[],
    private readonly exact: boolean,
    private readonly kernel: GroupKernel,
  ) {
    const n = terms.length;
    this.next = new Int32Array(n);
    this.prev = new Int32Array(n).fill(-1);
    this.end = new Int32Array(n);
    terms.forEach((info, i) => {
      this.next[i] = firstBlock(info);
      this.end[i] = info.offset + info.length;
    });
  }

  /** Decodes term i's postings in [spanStart, spanEnd) into the buffers at `used` (documents from spanStart); returns how many. */
  span(i: number, spanStart: number, spanEnd: number, buffers: SpanBuffers, used: number): number {
    const from = this.next[i] as number;
    const end = this.end[i] as number;
    const prev = this.prev[i] as number;
    if (from >= end || prev >= spanEnd - 1) return 0;
    // the blocks whose first document can be below the span's end
    const words = (this.terms[i] as TermInfo).words;
    let q = from;
    let lastStart = from;
    let beforeLast = prev;
    let last = prev;
    let total = 0;
    while (q < end && last < spanEnd - 1) {
      lastStart = q;
      beforeLast = last;
      last = words[q + 1] as number;
      total += (words[q] as number) & 0xff;
      q = blockEnd(words, q, this.exact);
    }
    const length = q - from;
    // the kernel reads packed values 8 bytes at a time: a word of slack after the last
    buffers.reserveStaging(length + 1);
    buffers.reservePostings(used, used + total);
    const stage = buffers.staging;
    stage.set(words.subarray(from, q));
    stage[length] = 0;
    let n = this.kernel.run.decode(
      buffers.stagingAt,
      buffers.stagingAt + 4 * length,
      this.exact ? 1 : 0,
      prev,
      spanStart,
      buffers.docsAt + 4 * used,
      buffers.tfsAt + 4 * used,
    );
    if (last >= spanEnd) {
      // the last block runs past the span's end: the next span decodes it again
      this.next[i] = lastStart;
      this.prev[i] = beforeLast;
      const docs = buffers.docs;
      while (n > 0 && (docs[used + n - 1] as number) >= spanEnd - spanStart) n--;
    } else {
      this.next[i] = q;
      this.prev[i] = last;
    }
    return n;
  }
}

/**
 * Terms' postings whole (every document), decoded in one kernel call into the span buffers from
 * their start: returns where each term's postings start there (and, last, where they end). The
 * terms' list for the kernel (8 bytes a term, at listAt) is allocated before the buffers.
 */
export function decodeWhole(terms: TermInfo[], exact: boolean, kernel: GroupKernel, buffers: SpanBuffers, listAt: number): Int32Array {
  // room for each term's whole postings (its frontier too, which is not copied): sizing by its
  // blocks alone would read each term's first word in a pass of its own, before the copy reads it
  let words = 0;
  let postings = 0;
  for (const info of terms) {
    words += info.length;
    postings += info.df;
  }
  // the kernel reads packed values 8 bytes at a time: a word of slack after the last
  buffers.reserveStaging(words + 1);
  buffers.reservePostings(0, postings);
  const stage = buffers.staging;
  const list = new Int32Array(kernel.buffer, listAt, 2 * terms.length);
  let at = 0;
  terms.forEach((info, i) => {
    const from = firstBlock(info);
    const end = info.offset + info.length;
    list[2 * i] = buffers.stagingAt + 4 * at;
    // a view and a native copy: faster than copying word by word
    stage.set(info.words.subarray(from, end), at);
    at += end - from;
    list[2 * i + 1] = buffers.stagingAt + 4 * at;
  });
  stage[at] = 0;
  kernel.run.decodeAll(listAt, terms.length, exact ? 1 : 0, buffers.docsAt, buffers.tfsAt);
  // each entry's end is now the term's count
  const starts = new Int32Array(terms.length + 1);
  for (let i = 0; i < terms.length; i++) starts[i + 1] = (starts[i] as number) + (list[2 * i + 1] as number);
  return starts;
}

/**
 * A span's buffers in the kernel's memory: the dense terms' decoded postings (documents from the
 * span's start, and tfs, i32), term after term and then (`regroup`) window after window, and their
 * segments' (slot, score) pairs of one window (`scorePacked`'s blocks), regrown as needed; and
 * typed-array views of everything the span loop writes or reads, taken again whenever the memory
 * grows.
 */
export class SpanBuffers {
  docsAt = 0;
  tfsAt = 0;
  pairsAt = 0;
  stagingAt = 0;
  /** The postings window after window. */
  windowDocsAt = 0;
  windowTfsAt = 0;
  private postingsCap = 0;
  private windowsCap = 0;
  private scoresCap = 0;
  private stagingCap = 0;
  docs = new Int32Array(0);
  /** A term's postings words, copied for the kernel to decode. */
  staging = new Uint32Array(0);
  bounds = new Int32Array(0);
  runs = new Int32Array(0);
  outSlots = new Int32Array(0);
  outSums = new Float64Array(0);

  constructor(
    private readonly kernel: GroupKernel,
    private readonly fixed: {
      outSlotsAt: number;
      outSumsAt: number;
      boundsAt: number;
      width: number;
      bounds: number;
      runsAt: number;
      runs: number;
    },
  ) {
    this.reservePostings(0, kernel.sizes.postings);
    this.reserveWindows(0, kernel.sizes.windows);
    this.reserveScores(kernel.sizes.scores);
    this.reserveStaging(kernel.sizes.staging);
    this.views();
  }

  /** Room for `need` words of postings to decode. */
  reserveStaging(need: number): void {
    if (need <= this.stagingCap) return;
    this.stagingCap = Math.max(need, 2 * this.stagingCap);
    this.kernel.sizes.staging = Math.max(this.kernel.sizes.staging, this.stagingCap);
    this.stagingAt = this.kernel.alloc(4 * this.stagingCap);
    this.views();
  }

  /** Room for postings up to `need`, keeping the first `used`. */
  reservePostings(used: number, need: number): void {
    if (need <= this.postingsCap) return;
    this.postingsCap = Math.max(need, 2 * this.postingsCap);
    this.kernel.sizes.postings = Math.max(this.kernel.sizes.postings, this.postingsCap);
    [this.docsAt, this.tfsAt] = this.regrow(this.docsAt, this.tfsAt, used, this.postingsCap);
    this.views();
  }

  /** Room for postings window after window up to `need`, keeping the first `used`. */
  reserveWindows(used: number, need: number): void {
    if (need <= this.windowsCap) return;
    this.windowsCap = Math.max(need, 2 * this.windowsCap);
    this.kernel.sizes.windows = Math.max(this.kernel.sizes.windows, this.windowsCap);
    [this.windowDocsAt, this.windowTfsAt] = this.regrow(this.windowDocsAt, this.windowTfsAt, used, this.windowsCap);
    this.views();
  }

  /** Room for cap documents and tfs (i32 each), the first `used` of those at (docsAt, tfsAt) copied in: their addresses. */
  private regrow(docsAt: number, tfsAt: number, used: number, cap: number): [number, number] {
    const docs = this.kernel.alloc(4 * cap);
    const tfs = this.kernel.alloc(4 * cap);
    const mem = new Int32Array(this.kernel.buffer);
    mem.copyWithin(docs / 4, docsAt / 4, docsAt / 4 + used);
    mem.copyWithin(tfs / 4, tfsAt / 4, tfsAt / 4 + used);
    return [docs, tfs];
  }

  /** Where the room for scores ends. */
  get pairsEnd(): number {
    return this.pairsAt + this.scoresCap;
  }

  /** Room for `need` bytes of scored pairs (a window's, written once the span's postings are all decoded). */
  reserveScores(need: number): void {
    if (need <= this.scoresCap) return;
    this.scoresCap = Math.max(need, 2 * this.scoresCap);
    this.kernel.sizes.scores = Math.max(this.kernel.sizes.scores, this.scoresCap);
    this.pairsAt = this.kernel.alloc(this.scoresCap);
    this.views();
  }

  private views(): void {
    const b = this.kernel.buffer;
    const f = this.fixed;
    this.docs = new Int32Array(b, this.docsAt, this.postingsCap);
    this.staging = new Uint32Array(b, this.stagingAt, this.stagingCap);
    this.bounds = new Int32Array(b, f.boundsAt, f.bounds);
    this.runs = new Int32Array(b, f.runsAt, f.runs);
    this.outSlots = new Int32Array(b, f.outSlotsAt, f.width);
    this.outSums = new Float64Array(b, f.outSumsAt, f.width);
  }
}
