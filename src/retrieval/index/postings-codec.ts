import { bitsFor, pack, packedWords } from './bitpack.js';
import { BLOCK_SIZE } from './index-format.js';

/** A growable buffer of 32-bit words, written to disk as little-endian bytes. */
export class WordWriter {
  buf = new Uint32Array(1 << 14);
  length = 0;

  ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint32Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.buf.buffer, 0, this.length * 4);
  }
}

// per term: each posting's gap and tf less one; per block: its max tf, smallest norm, last
// document and bit widths (doc | tf << 8); the frontier's order of blocks
let gapsOf = new Int32Array(1 << 12);
let tfmOf = new Int32Array(1 << 12);
let blockTf = new Int32Array(64);
let blockNorm = new Int32Array(64);
let blockLast = new Int32Array(64);
let blockBits = new Int32Array(64);
let order = new Int32Array(64);

/**
 * Appends one term's postings in the format of `index-format.ts`: the frontier header, then
 * blocks of bit-packed gaps and frequencies with their max tf and smallest norm. `docs` ascend;
 * `norms` is the norm byte (or, with exact norms, the length) of every document. Returns the
 * collection frequency. One pass over the postings gathers what every block needs (its gaps and
 * frequencies kept), then the words are written once each.
 */
export function encodeTermPostings(
  docs: Int32Array,
  tfs: Int32Array,
  n: number,
  norms: Uint8Array | Uint32Array,
  exact: boolean,
  out: WordWriter,
): number {
  const nBlocks = Math.ceil(n / BLOCK_SIZE);
  if (blockTf.length < nBlocks) {
    let size = blockTf.length;
    while (size < nBlocks) size *= 2;
    blockTf = new Int32Array(size);
    blockNorm = new Int32Array(size);
    blockLast = new Int32Array(size);
    blockBits = new Int32Array(size);
    order = new Int32Array(size);
  }
  if (gapsOf.length < n) {
    let size = gapsOf.length;
    while (size < n) size *= 2;
    gapsOf = new Int32Array(size);
    tfmOf = new Int32Array(size);
  }
  const gaps = gapsOf;
  const tfm = tfmOf;
  let cf = 0;
  let prev = -1;
  let words = 0;
  for (let b = 0; b < nBlocks; b++) {
    const start = b * BLOCK_SIZE;
    const end = Math.min(n, start + BLOCK_SIZE);
    let maxTf = 0;
    let minNorm = 0x7fffffff;
    // an OR of the values has the bit width of their largest
    let gapBits = 0;
    for (let i = start; i < end; i++) {
      const d = docs[i] as number;
      const g = d - prev - 1;
      prev = d;
      gaps[i] = g;
      gapBits |= g;
      const tf = tfs[i] as number;
      cf += tf;
      tfm[i] = tf - 1;
      if (tf > maxTf) maxTf = tf;
      const norm = norms[d] as number;
      if (norm < minNorm) minNorm = norm;
    }
    const docBits = bitsFor(gapBits);
    const tfBits = bitsFor(maxTf - 1);
    blockTf[b] = maxTf;
    blockNorm[b] = minNorm;
    blockLast[b] = prev;
    blockBits[b] = docBits | (tfBits << 8);
    words += packedWords(end - start, docBits) + packedWords(end - start, tfBits);
  }
  // the header's frontier (two words a block at most), then each block's header and packed words
  out.ensure(1 + 2 * nBlocks + (exact ? 4 : 3) * nBlocks + words);
  const buf = out.buf;
  let o = out.length;
  // the frontier: blocks by max tf descending (smallest norm first); keep each that has a smaller
  // norm than every block with at least its tf
  const at = o++;
  let frontier = 0;
  if (nBlocks === 1) {
    // most terms: one block, its own frontier
    buf[o++] = blockTf[0] as number;
    buf[o++] = blockNorm[0] as number;
    frontier = 1;
  } else {
    const ord = order.subarray(0, nBlocks);
    for (let b = 0; b < nBlocks; b++) ord[b] = b;
    ord.sort((x, y) => (blockTf[y] as number) - (blockTf[x] as number) || (blockNorm[x] as number) - (blockNorm[y] as number));
    let best = 0x7fffffff;
    for (let i = 0; i < nBlocks; i++) {
      const b = ord[i] as number;
      if ((blockNorm[b] as number) >= best) continue;
      best = blockNorm[b] as number;
      buf[o++] = blockTf[b] as number;
      buf[o++] = best;
      frontier++;
    }
  }
  buf[at] = frontier;

  for (let b = 0; b < nBlocks; b++) {
    const start = b * BLOCK_SIZE;
    const count = Math.min(n, start + BLOCK_SIZE) - start;
    const bits = blockBits[b] as number;
    const docBits = bits & 0xff;
    const tfBits = bits >>> 8;
    buf[o++] = (count | (docBits << 8) | (tfBits << 16) | ((exact ? 0 : (blockNorm[b] as number)) << 24)) >>> 0;
    buf[o++] = blockLast[b] as number;
    buf[o++] = blockTf[b] as number;
    if (exact) buf[o++] = blockNorm[b] as number;
    o += pack(gaps, count, docBits, buf, o, start);
    o += pack(tfm, count, tfBits, buf, o, start);
  }
  out.length = o;
  return cf;
}
