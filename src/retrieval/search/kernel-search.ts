import { type GroupKernel, groupKernel, type KernelNorms } from './group-kernel.js';
import type { Weighted } from './group-terms.js';
import { firstBlock } from './postings-cursor.js';
import { TopK } from './top-k.js';

/**
 * Documents per window of a long query searched alone: its accumulator (8 bytes a document,
 * 512 KiB) stays in the core's second-level cache.
 */
export const KERNEL_WINDOW = 1 << 16;
/** Terms with at least this many postings get a table of their tf = 1 scores by norm byte (256 divisions, then a lookup per posting). */
export const TABLE_FROM = 512;

/**
 * Top-k of one long query (an expanded one, whose postings cover a large share of the documents),
 * exhaustively, term at a time, window by window, in the WebAssembly kernel (group-kernel.wat's
 * `accumulate`): each posting is decoded, scored and added to the window's accumulator in one pass,
 * with no buffer between the steps, then the window is scanned against the k-th score. Pruning
 * would skip little of such a query (most of its postings can make a document competitive), and
 * the kernel adds a posting at a fraction of MaxScore's cost.
 *
 * Exact: a document's score is the double sum of its terms' float scores (the same floats as
 * `termScore`), rounded to float; ties by external id.
 */
export function kernelTopK(
  terms: Weighted,
  k: number,
  norms: KernelNorms,
  order: Uint32Array,
  exact: boolean,
  window = KERNEL_WINDOW,
  tableFrom = TABLE_FROM,
): TopK {
  const docCount = norms.inv.length;
  const kernel = groupKernel();
  const { invAt, cacheAt, bytesAt } = kernel.reset(norms);
  const width8 = Math.ceil(window / 8) * 8;
  const accAt = kernel.alloc(8 * width8);
  const outSlotsAt = kernel.alloc(4 * width8);
  const outSumsAt = kernel.alloc(8 * width8);
  const heapAt = kernel.alloc(8 * k);
  const statesAt = loadTerms(kernel, terms, exact, tableFrom, cacheAt, true);
  const buffer = kernel.buffer;
  new Float64Array(buffer, accAt, width8).fill(0);

  const top = new TopK(k, order);
  const outSlots = new Int32Array(buffer, outSlotsAt, width8);
  const outSums = new Float64Array(buffer, outSumsAt, width8);
  for (let base = 0; base < docCount; base += window) {
    const limit = Math.min(base + window, docCount);
    kernel.run.accumulate(statesAt, terms.length, base, limit, accAt, exact ? 1 : 0, bytesAt, cacheAt, invAt);
    // below `cut` a sum cannot round (to float) up to the k-th score; `offer` makes the exact test
    let cut = top.size < k ? 0 : top.threshold * (1 - 2 ** -20);
    // while the top-k is not full, the scan raises its own cut
    const found = kernel.run.scan(accAt, Math.ceil((limit - base) / 8) * 8, cut, top.size < k ? k : 0, heapAt, outSlotsAt, outSumsAt);
    for (let i = 0; i < found; i++) {
      const v = outSums[i] as number;
      if (v > cut && top.offer(base + (outSlots[i] as number), Math.fround(v)) && top.size === k) cut = top.threshold * (1 - 2 ** -20);
    }
  }
  return top;
}

/**
 * Copies the terms' postings (from their first block) into the kernel's memory, with a word of
 * slack after them (the kernel reads packed values 8 bytes at a time), and lays out their states
 * for `accumulate` and `sparse` (32 bytes each: the block addresses, the document before the next
 * block, the carry's cursor and count, the weight, the tf = 1 table, the carry); with tables,
 * fills them. Returns the states' address.
 */
export function loadTerms(
  kernel: GroupKernel,
  terms: Weighted,
  exact: boolean,
  tableFrom: number,
  cacheAt: number,
  carries: boolean,
): number {
  const n = terms.length;
  const statesAt = kernel.alloc(32 * n);
  const carriesAt = carries ? kernel.alloc(1024 * n) : 0;
  let tabled = 0;
  let words = 0;
  for (const { info } of terms) {
    if (!exact && info.df >= tableFrom) tabled++;
    words += info.offset + info.length - firstBlock(info);
  }
  const tablesAt = kernel.alloc(1024 * tabled);
  const wordsAt = kernel.alloc(4 * (words + 1));
  const buffer = kernel.buffer;
  const mem = new Uint32Array(buffer);
  const states = new Int32Array(buffer, statesAt, 8 * n);
  const weights = new Float32Array(buffer, statesAt, 8 * n);
  let at = wordsAt / 4;
  let table = 0;
  for (let i = 0; i < n; i++) {
    const { info, weight } = terms[i] as Weighted[number];
    const from = firstBlock(info);
    const length = info.offset + info.length - from;
    mem.set(info.words.subarray(from, from + length), at);
    const s = 8 * i;
    states[s] = 4 * at;
    states[s + 1] = 4 * (at + length);
    states[s + 2] = -1;
    states[s + 3] = 0;
    states[s + 4] = 0;
    weights[s + 5] = weight;
    states[s + 6] = !exact && info.df >= tableFrom ? tablesAt + 1024 * table++ : 0;
    states[s + 7] = carriesAt + 1024 * i;
    at += length;
  }
  mem[at] = 0;
  if (tabled > 0) kernel.run.tables(statesAt, n, cacheAt);
  return statesAt;
}
