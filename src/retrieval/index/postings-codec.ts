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

  push(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v >>> 0;
  }

  bytes(): Uint8Array {
    return new Uint8Array(this.buf.buffer, 0, this.length * 4);
  }
}

const scratch = { gaps: new Int32Array(BLOCK_SIZE), tfs: new Int32Array(BLOCK_SIZE) };
let blockTf = new Int32Array(64);
let blockNorm = new Int32Array(64);
let order = new Int32Array(64);

/**
 * Appends one term's postings in the format of `index-format.ts`: the frontier header, then
 * blocks of bit-packed gaps and frequencies with their max tf and smallest norm. `docs` ascend;
 * `norms` is the norm byte (or, with exact norms, the length) of every document. Returns the
 * collection frequency.
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
    order = new Int32Array(size);
  }
  let cf = 0;
  for (let b = 0; b < nBlocks; b++) {
    const end = Math.min(n, (b + 1) * BLOCK_SIZE);
    let maxTf = 0;
    let minNorm = 0x7fffffff;
    for (let i = b * BLOCK_SIZE; i < end; i++) {
      const tf = tfs[i] as number;
      cf += tf;
      if (tf > maxTf) maxTf = tf;
      const norm = norms[docs[i] as number] as number;
      if (norm < minNorm) minNorm = norm;
    }
    blockTf[b] = maxTf;
    blockNorm[b] = minNorm;
  }
  // the frontier: blocks by max tf descending (smallest norm first); keep each that has a smaller
  // norm than every block with at least its tf
  const at = out.length;
  out.push(0);
  let frontier = 0;
  if (nBlocks === 1) {
    // most terms: one block, its own frontier
    out.push(blockTf[0] as number);
    out.push(blockNorm[0] as number);
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
      out.push(blockTf[b] as number);
      out.push(best);
      frontier++;
    }
  }
  out.buf[at] = frontier;

  const { gaps, tfs: tfm } = scratch;
  let prev = -1;
  for (let b = 0; b < nBlocks; b++) {
    const start = b * BLOCK_SIZE;
    const count = Math.min(n, start + BLOCK_SIZE) - start;
    let maxGap = 0;
    let maxTfm = 0;
    for (let i = 0; i < count; i++) {
      const d = docs[start + i] as number;
      const g = d - prev - 1;
      prev = d;
      gaps[i] = g;
      if (g > maxGap) maxGap = g;
      const t = (tfs[start + i] as number) - 1;
      tfm[i] = t;
      if (t > maxTfm) maxTfm = t;
    }
    const docBits = bitsFor(maxGap);
    const tfBits = bitsFor(maxTfm);
    out.ensure(4 + packedWords(count, docBits) + packedWords(count, tfBits));
    out.push(count | (docBits << 8) | (tfBits << 16) | ((exact ? 0 : (blockNorm[b] as number)) << 24));
    out.push(prev);
    out.push(blockTf[b] as number);
    if (exact) out.push(blockNorm[b] as number);
    out.length += pack(gaps, count, docBits, out.buf, out.length);
    out.length += pack(tfm, count, tfBits, out.buf, out.length);
  }
  return cf;
}
