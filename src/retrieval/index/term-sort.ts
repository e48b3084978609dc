/**
 * Term ids in ascending UTF-16 code-unit order of their terms (JavaScript's string order), for a
 * dictionary whose terms' code units lie one after the other in `chars` by id, term `id` from
 * starts[id] to starts[id + 1]. No string is made and no comparator called (sorting the strings
 * took several times as long).
 *
 * First a radix sort, a byte at a time, of 8-byte keys: a term's first 7 code units a byte each
 * where every unit in `chars` is below 256, else its first 3 (high byte first), zero past its end,
 * then its length, capped at one past those units. The keys are read in one pass over the
 * characters in id order, split into buckets by their most significant byte that varies, and each
 * bucket, small enough for the cache, sorted by the bytes below (least significant first). The
 * characters read at random instead, a cache miss a term a pass, took 0.5 s for one indexing
 * thread's 1.68M terms at 1M passages. Terms whose keys tie and which are longer than the key then
 * go by an MSD radix sort over their characters past it.
 */
export function sortTermIds(chars: Uint16Array, starts: Int32Array, n: number, charsUsed: number): SortedTerms {
  // terms of Latin-1 code units alone (most, once analyzed): 7 units a key, and the MSD sort skips their high bytes, all 0
  let narrow = true;
  for (let k = 0; k < charsUsed && narrow; k++) narrow = (chars[k] as number) < 256;
  const held = keyUnits(narrow);
  let ids = new Int32Array(n);
  let hi = new Int32Array(n);
  let lo = new Int32Array(n);
  for (let id = 0; id < n; id++) {
    const a = starts[id] as number;
    const l = (starts[id + 1] as number) - a;
    const m = Math.min(l, held);
    let h = 0;
    let w = 0;
    // big-endian: unit k at byte k (narrow) or bytes 2k and 2k + 1, the length in the last byte or two
    for (let k = 0; k < m; k++) {
      const u = chars[a + k] as number;
      if (narrow) {
        if (k < 4) h |= u << (24 - 8 * k);
        else w |= u << (56 - 8 * k);
      } else if (k < 2) h |= u << (16 - 16 * k);
      else w |= u << 16;
    }
    ids[id] = id;
    hi[id] = h;
    lo[id] = w | Math.min(l, held + 1);
  }
  let ids2 = new Int32Array(n);
  let hi2 = new Int32Array(n);
  let lo2 = new Int32Array(n);
  const counts = new Int32Array(257);
  /** Counts digit p (byte p of the key, most significant first) of [s, e); whether more than one value occurs. */
  const count = (s: number, e: number, p: number, h: Int32Array, l: Int32Array): boolean => {
    const src = p < 4 ? h : l;
    const shift = 24 - 8 * (p & 3);
    counts.fill(0);
    for (let i = s; i < e; i++) {
      const b = ((src[i] as number) >>> shift) & 255;
      counts[b + 1] = (counts[b + 1] as number) + 1;
    }
    for (let b = 1; b <= 256; b++) if (counts[b] === e - s) return false;
    counts[0] = s;
    for (let b = 1; b <= 256; b++) counts[b] = (counts[b] as number) + (counts[b - 1] as number);
    return true;
  };
  /** Places [s, e) by digit p (counted) from one set of arrays into the other. */
  const place = (
    s: number,
    e: number,
    p: number,
    fi: Int32Array,
    fh: Int32Array,
    fl: Int32Array,
    ti: Int32Array,
    th: Int32Array,
    tl: Int32Array,
  ) => {
    const src = p < 4 ? fh : fl;
    const shift = 24 - 8 * (p & 3);
    for (let i = s; i < e; i++) {
      const b = ((src[i] as number) >>> shift) & 255;
      const at = counts[b] as number;
      counts[b] = at + 1;
      ti[at] = fi[i] as number;
      th[at] = fh[i] as number;
      tl[at] = fl[i] as number;
    }
  };
  // the most significant byte the terms do not all share splits them into buckets small enough
  // for the cache; each bucket is then sorted by its less significant bytes, LSD
  let top = 0;
  while (top < 8 && !count(0, n, top, hi, lo)) top++;
  if (top < 8) {
    place(0, n, top, ids, hi, lo, ids2, hi2, lo2);
    [ids, ids2] = [ids2, ids];
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
    const ends = counts.slice(0, 256);
    for (let bucket = 0, s = 0; bucket < 256; bucket++) {
      const e = ends[bucket] as number;
      let [xi, xh, xl, yi, yh, yl] = [ids, hi, lo, ids2, hi2, lo2];
      for (let p = 7; p > top && e - s > 1; p--) {
        if (!count(s, e, p, xh, xl)) continue;
        place(s, e, p, xi, xh, xl, yi, yh, yl);
        [xi, xh, xl, yi, yh, yl] = [yi, yh, yl, xi, xh, xl];
      }
      if (xi !== ids) {
        ids.set(xi.subarray(s, e), s);
        hi.set(xh.subarray(s, e), s);
        lo.set(xl.subarray(s, e), s);
      }
      s = e;
    }
  }
  // runs of terms longer than the key with the same first units (a run's shorter terms, which
  // end within the key, came first): by their characters past the key
  const msd = new MsdSort(ids, chars, starts, narrow);
  const longer = held + 1;
  for (let i = 0; i < n; ) {
    let j = i + 1;
    if (((lo[i] as number) & 0xff) === longer) while (j < n && hi[j] === hi[i] && lo[j] === lo[i]) j++;
    if (j - i > 1) msd.sort(i, j, narrow ? 2 * held + 1 : 2 * held);
    i = j;
  }
  return { ids, hi, lo, narrow };
}

/** Code units a key holds: 7 a byte each, or 3 of 16 bits, then the length (capped at one past them). */
const keyUnits = (narrow: boolean): number => (narrow ? 7 : 3);

/** Sorted term ids, and their keys in the same order (which hold a short term whole). */
export interface SortedTerms {
  ids: Int32Array;
  hi: Int32Array;
  lo: Int32Array;
  /** Whether the keys hold 7 code units a byte each (else 3 of 16 bits). */
  narrow: boolean;
}

/**
 * The code units of the sorted terms one after the other, and where each ends: a term the key
 * holds whole written from its key, in order; the others copied from `chars`, where they lie at
 * random (each read 16 terms ahead, so that the cache misses overlap).
 */
export function unitsInOrder(
  sorted: SortedTerms,
  chars: Uint16Array,
  starts: Int32Array,
  charsUsed: number,
): { units: Uint16Array; ends: Int32Array; readAhead: number } {
  const { ids, hi, lo, narrow } = sorted;
  const n = ids.length;
  const units = new Uint16Array(charsUsed);
  const ends = new Int32Array(n);
  const held = keyUnits(narrow);
  // the terms the keys do not hold, and where their characters start: a loop of independent loads
  const longs: number[] = [];
  for (let i = 0; i < n; i++) if (((lo[i] as number) & 0xff) > held) longs.push(i);
  const from = Int32Array.from(longs, (i) => starts[ids[i] as number] as number);
  let q = 0;
  let next = 0;
  let touched = 0;
  for (let i = 0; i < n; i++) {
    const l = (lo[i] as number) & 0xff;
    if (l <= held) {
      const h = hi[i] as number;
      const w = lo[i] as number;
      for (let k = 0; k < l; k++)
        units[q++] = narrow ? (k < 4 ? h >>> (24 - 8 * k) : w >>> (56 - 8 * k)) & 0xff : (k < 2 ? h >>> (16 - 16 * k) : w >>> 16) & 0xffff;
    } else {
      const x = next++;
      if (x + 16 < from.length) touched ^= chars[from[x + 16] as number] as number;
      const id = ids[i] as number;
      for (let k = from[x] as number, to = starts[id + 1] as number; k < to; k++) units[q++] = chars[k] as number;
    }
    ends[i] = q;
  }
  // the reads ahead's xor, for the caller to keep (so that the compiler keeps those reads)
  return { units, ends, readAhead: touched };
}

/**
 * An MSD radix sort of ids[lo, hi) by their terms' bytes from byte d on (high byte of code unit
 * d >> 1 first; Latin-1 terms step over the high bytes), small groups by insertion.
 */
class MsdSort {
  private readonly tmp: Int32Array;
  /** Each place's digit, kept from the counting pass for the placing pass: one random read of a term's characters, not two. */
  private readonly dig: Uint16Array;
  /** One count array per depth: a group's subgroups are sorted one after the other at depth + 1. */
  private counts = new Int32Array(0);
  private readonly step: number;

  constructor(
    private readonly ids: Int32Array,
    private readonly chars: Uint16Array,
    private readonly starts: Int32Array,
    narrow: boolean,
  ) {
    this.tmp = new Int32Array(ids.length);
    this.dig = new Uint16Array(ids.length);
    this.step = narrow ? 2 : 1;
  }

  /** Byte d of a term (high byte of code unit d >> 1 first), plus one; 0 past its end. */
  private digit(id: number, d: number): number {
    const u = (this.starts[id] as number) + (d >> 1);
    if (u >= (this.starts[id + 1] as number)) return 0;
    const c = this.chars[u] as number;
    return (d & 1 ? c & 255 : c >>> 8) + 1;
  }

  /** Whether term x comes before term y, both alike in their first u code units. */
  private less(x: number, y: number, u: number): boolean {
    const { chars, starts } = this;
    const ax = starts[x] as number;
    const lx = (starts[x + 1] as number) - ax;
    const ay = starts[y] as number;
    const ly = (starts[y + 1] as number) - ay;
    for (let k = u, end = Math.min(lx, ly); k < end; k++) {
      const cx = chars[ax + k] as number;
      const cy = chars[ay + k] as number;
      if (cx !== cy) return cx < cy;
    }
    return lx < ly;
  }

  sort(lo: number, hi: number, d: number): void {
    const { ids, tmp, dig } = this;
    if (hi - lo < 32) {
      for (let i = lo + 1; i < hi; i++) {
        const v = ids[i] as number;
        let j = i - 1;
        while (j >= lo && this.less(v, ids[j] as number, d >> 1)) {
          ids[j + 1] = ids[j] as number;
          j--;
        }
        ids[j + 1] = v;
      }
      return;
    }
    if (this.counts.length < 258 * (d + 1)) {
      const c = new Int32Array(2 * 258 * (d + 1));
      c.set(this.counts);
      this.counts = c;
    }
    const counts = this.counts;
    const base = 258 * d;
    counts.fill(0, base, base + 258);
    for (let i = lo; i < hi; i++) {
      const v = this.digit(ids[i] as number, d);
      dig[i] = v;
      counts[base + v + 1] = (counts[base + v + 1] as number) + 1;
    }
    if (counts[base + 1] === hi - lo) return; // every term ends here: all equal
    let one = -1;
    for (let b = 1; b <= 257; b++) if (counts[base + b] === hi - lo) one = b;
    if (one >= 0) {
      this.sort(lo, hi, d + this.step);
      return;
    }
    counts[base] = lo;
    for (let b = 1; b < 258; b++) counts[base + b] = (counts[base + b] as number) + (counts[base + b - 1] as number);
    for (let i = lo; i < hi; i++) {
      const b = base + (dig[i] as number);
      const at = counts[b] as number;
      counts[b] = at + 1;
      tmp[at] = ids[i] as number;
    }
    ids.set(tmp.subarray(lo, hi), lo);
    // counts[base + b] is now where bucket b ends; bucket 0 (ended terms) needs no more sorting
    for (let b = 1; b < 257; b++) {
      const from = counts[base + b - 1] as number;
      const to = counts[base + b] as number;
      if (to - from > 1) this.sort(from, to, d + this.step);
    }
  }
}
