import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ChunkSumsState } from './checksums.js';
import { FileByteWriter } from './file-writer.js';
import { writeVarint } from './varint.js';

/** Frequencies below this are packed with the term id in one double for the term vectors' sort. */
export const TF_RANGE = 2 ** 22;
/** Exact, a power of two: a product is cheaper than a quotient, and `%` on doubles is a call. */
const PER_TF_RANGE = 2 ** -22;
/** A document's terms (at most) whose term-vector rewrite sorts ints: a term's place takes the low 8 bits. */
const PLACE_BITS = 8;
const PLACES = 1 << PLACE_BITS;

/** Sorts a[0..n) ascending: by insertion up to 64 (most documents' terms), else by the typed array's sort. */
function sortKeys(a: Int32Array | Float64Array, n: number): void {
  if (n > 64) a.subarray(0, n).sort();
  else insertionSort(a, n);
}

/** Sorts a[0..n) ascending by insertion: fast for few keys, or for keys nearly in order. */
function insertionSort(a: Int32Array | Float64Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const k = a[i] as number;
    let j = i - 1;
    while (j >= 0 && (a[j] as number) > k) {
      a[j + 1] = a[j] as number;
      j--;
    }
    a[j + 1] = k;
  }
}

/** Buckets of a document's terms by the top bits of their ids, before the term-vector rewrite's insertion sort. */
const BUCKETS = 64;

/**
 * Sorts keys[0..n) (non-negative ints below 2^31) ascending into out[0..n): placed by bucket of
 * their bits from `shift` up, then by insertion, which finds them nearly in order. The ids of a
 * document's terms spread over the id range: sorting ~35 by insertion alone took ~40% of the rewrite.
 */
function bucketSort(keys: Int32Array, n: number, shift: number, counts: Int32Array, out: Int32Array): void {
  counts.fill(0);
  for (let i = 0; i < n; i++) {
    const b = ((keys[i] as number) >>> shift) + 1;
    counts[b] = (counts[b] as number) + 1;
  }
  for (let b = 1; b <= BUCKETS; b++) counts[b] = (counts[b] as number) + (counts[b - 1] as number);
  for (let i = 0; i < n; i++) {
    const k = keys[i] as number;
    const b = k >>> shift;
    const at = counts[b] as number;
    counts[b] = at + 1;
    out[at] = k;
  }
  insertionSort(out, n);
}

/** A thread's term vectors with global ids: each document's size, and the file's chunk sums when asked for (the builder renames a lone thread's file that is the whole docvectors). */
export interface RemappedVectors {
  sizes: Int32Array;
  sums: ChunkSumsState | null;
}

/**
 * Rewrites a thread's term vectors with global term ids, each document's terms sorted by id and
 * written as id gaps (the format of docvectors). Returns the byte length of every document's
 * vector, in the thread's document order. The file is read a chunk at a time, and documents are
 * taken a few thousand at a time: every term id of the lot is decoded, then all are looked up in
 * `remap` (8 MB with two million terms: a cache miss for most rare terms, and misses taken
 * together overlap), then each document's terms are sorted (as ints where the ids leave room for a
 * document's places, as doubles otherwise) and written.
 */
export function remapVectors(path: string, remap: Int32Array, out: string, sums: boolean): RemappedVectors {
  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  let b = new Uint8Array(1 << 23);
  let end = 0;
  let read = 0;
  const w = new FileByteWriter(out, sums);
  let o = new Uint8Array(1 << 22);
  let q = 0;
  let sizes = new Int32Array(1 << 12);
  let nDocs = 0;
  const LOT = 4096;
  const counts = new Int32Array(LOT);
  let ids = new Int32Array(1 << 18);
  let tfs = new Int32Array(1 << 18);
  let keys = new Float64Array(256);
  const slots = new Int32Array(PLACES);
  const slotsTmp = new Int32Array(PLACES);
  const bucketCounts = new Int32Array(BUCKETS + 1);
  // whether every global id leaves room for a document's places in an int's low bits
  let most = 0;
  for (let i = 0; i < remap.length; i++) most = Math.max(most, remap[i] as number);
  const placed = most < 2 ** (31 - PLACE_BITS);
  // the shift that leaves a key's top bits a bucket
  let bucketShift = 0;
  while (((most << PLACE_BITS) | (PLACES - 1)) >>> bucketShift >= BUCKETS) bucketShift++;
  let p = 0;
  let more = false;
  try {
    for (;;) {
      // 4 MB at hand at least, or the rest of the file (a larger document asks for more)
      if ((more || end - p < 1 << 22) && read < size) {
        more = false;
        b.copyWithin(0, p, end);
        end -= p;
        p = 0;
        if (b.length - end < 1 << 22) {
          const grown = new Uint8Array(2 * b.length);
          grown.set(b.subarray(0, end));
          b = grown;
        }
        const n = readSync(fd, b, end, Math.min(b.length - end, size - read), read);
        if (n <= 0) throw new Error(`index build: the temporary file ${path} ended early`);
        end += n;
        read += n;
      }
      if (p >= end) break;
      // decode a lot: each document's count, then its (local id, tf) pairs, stopping before a
      // document that runs past the bytes at hand
      let docs = 0;
      let at = 0;
      while (docs < LOT && p < end) {
        const start = p;
        let n = 0;
        let shift = 0;
        let byte: number;
        do {
          byte = b[p++] as number;
          n |= (byte & 0x7f) << shift;
          shift += 7;
        } while (byte & 0x80);
        // each pair takes two bytes at least: a document that cannot be whole here is read again
        if (p + 2 * n > end) {
          p = start;
          break;
        }
        if (at + n > ids.length) {
          let cap = 2 * ids.length;
          while (cap < at + n) cap *= 2;
          const i2 = new Int32Array(cap);
          i2.set(ids.subarray(0, at));
          ids = i2;
          const t2 = new Int32Array(cap);
          t2.set(tfs.subarray(0, at));
          tfs = t2;
        }
        for (let k = 0; k < 2 * n; k++) {
          let v = 0;
          shift = 0;
          do {
            byte = b[p++] as number;
            v |= (byte & 0x7f) << shift;
            shift += 7;
          } while (byte & 0x80);
          if (k & 1) tfs[at + (k >> 1)] = v;
          else ids[at + (k >> 1)] = v;
        }
        if (p > end) {
          // past the bytes at hand: decoded again once more are read
          p = start;
          break;
        }
        counts[docs++] = n;
        at += n;
      }
      if (docs === 0) {
        if (read >= size) throw new Error(`index build: the temporary file ${path} ends inside a document`);
        more = true;
        continue;
      }
      for (let k = 0; k < at; k++) ids[k] = remap[ids[k] as number] as number;
      for (let d = 0, from = 0; d < docs; d++) {
        const n = counts[d] as number;
        const to = from + n;
        if (q + 5 * (2 * n + 1) > o.length) {
          w.write(o.subarray(0, q));
          q = 0;
          if (5 * (2 * n + 1) > o.length) o = new Uint8Array(10 * (2 * n + 1));
        }
        const before = q;
        q = writeVarint(o, q, n);
        let prev = 0;
        if (placed && n <= PLACES) {
          // one int per term, its id · 256 + its place in the document, sorted (ids are distinct
          // within a document, so the place only leads back to the tf): ints sort faster than doubles
          for (let i = 0; i < n; i++) slots[i] = ((ids[from + i] as number) << PLACE_BITS) | i;
          let sorted = slots;
          if (n > 12) {
            bucketSort(slots, n, bucketShift, bucketCounts, slotsTmp);
            sorted = slotsTmp;
          } else insertionSort(slots, n);
          for (let i = 0; i < n; i++) {
            const k = sorted[i] as number;
            const id = k >>> PLACE_BITS;
            q = writeVarint(o, q, id - prev);
            q = writeVarint(o, q, tfs[from + (k & (PLACES - 1))] as number);
            prev = id;
          }
        } else {
          // one double per term, id · 2^22 + tf (ids below 2^31, tfs below 2^22: exact), sorted
          if (keys.length < n) keys = new Float64Array(2 * n);
          for (let i = 0; i < n; i++) keys[i] = (ids[from + i] as number) * TF_RANGE + (tfs[from + i] as number);
          sortKeys(keys, n);
          for (let i = 0; i < n; i++) {
            const k = keys[i] as number;
            const id = Math.floor(k * PER_TF_RANGE);
            q = writeVarint(o, q, id - prev);
            q = writeVarint(o, q, k - id * TF_RANGE);
            prev = id;
          }
        }
        if (nDocs === sizes.length) {
          const grownSizes = new Int32Array(sizes.length * 2);
          grownSizes.set(sizes);
          sizes = grownSizes;
        }
        sizes[nDocs++] = q - before;
        from = to;
      }
    }
  } finally {
    closeSync(fd);
  }
  w.write(o.subarray(0, q));
  w.close();
  return { sizes: sizes.slice(0, nDocs), sums: w.sums?.state() ?? null };
}
