/**
 * Tokens of a batch, as ranges of source strings: a document's text (analyzers whose tokens are
 * verbatim pieces of it) or the token strings themselves.
 */
export class TokenRanges {
  src: string[] = [];
  srcOf = new Int32Array(1 << 16);
  from = new Int32Array(1 << 16);
  to = new Int32Array(1 << 16);
  n = 0;

  reset(): void {
    this.src.length = 0;
    this.n = 0;
  }

  push(src: number, from: number, to: number): void {
    if (this.n === this.from.length) {
      const grow = (a: Int32Array) => {
        const b = new Int32Array(2 * a.length);
        b.set(a);
        return b;
      };
      this.srcOf = grow(this.srcOf);
      this.from = grow(this.from);
      this.to = grow(this.to);
    }
    this.srcOf[this.n] = src;
    this.from[this.n] = from;
    this.to[this.n] = to;
    this.n++;
  }
}

/**
 * Ints per slot: term id + 1 (0: empty), hash, length, its first code unit in `chars`, then its
 * first INLINE code units, two an int.
 */
const SLOT = 8;
const INLINE = 8;

/** Code units j and j + 1 of s (j + 1 only if below end) in one int, as a slot holds them. */
const pair = (s: string, j: number, end: number): number => (j + 1 < end ? s.charCodeAt(j) | (s.charCodeAt(j + 1) << 16) : s.charCodeAt(j));

/**
 * A term dictionary for indexing: open addressing, a slot of 32 bytes per term holding what a
 * lookup compares (hash, length, and the characters themselves up to 8 code units; longer terms'
 * characters are in one flat buffer), so that finding a short term costs one memory access, two for
 * a long one. Lookups go a batch at a time, in passes (hash every token, probe every token,
 * compare the long tokens), so that the cache misses of different tokens overlap instead of waiting
 * on each other: with millions of terms, most probes of rare terms miss the cache.
 */
export class TermDictionary {
  private slots = new Int32Array(SLOT << 16);
  private mask = (1 << 16) - 1;
  private chars = new Uint16Array(1 << 20);
  private charsUsed = 0;
  private starts = new Int32Array(1 << 14);
  size = 0;
  private hashes = new Int32Array(1 << 16);

  /** Fills ids[0..n) with the id of every token of `t`, adding the new terms. */
  lookup(t: TokenRanges, ids: Int32Array): void {
    const n = t.n;
    if (this.hashes.length < n) this.hashes = new Int32Array(t.from.length);
    const hashes = this.hashes;
    const { src, srcOf, from, to } = t;
    for (let i = 0; i < n; i++) {
      const s = src[srcOf[i] as number] as string;
      let h = 0x811c9dc5;
      for (let j = from[i] as number, e = to[i] as number; j < e; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
      h ^= h >>> 15;
      hashes[i] = Math.imul(h, 0x2c1b3c6d);
    }
    // probe, comparing short tokens with the characters in the slot; a long token whose hash and
    // length match is marked (−2 − slot) for the next pass; −1: not found here
    const slots = this.slots;
    const wrap = SLOT * (this.mask + 1) - 1;
    for (let i = 0; i < n; i++) {
      const h = hashes[i] as number;
      const a = from[i] as number;
      const e = to[i] as number;
      const len = e - a;
      let at = SLOT * (h & this.mask);
      let found = -1;
      for (let v = slots[at] as number; v !== 0; at = (at + SLOT) & wrap, v = slots[at] as number) {
        if (slots[at + 1] !== h || slots[at + 2] !== len) continue;
        if (len > INLINE) {
          found = -2 - at;
          break;
        }
        const s = src[srcOf[i] as number] as string;
        let j = 0;
        while (j < len && slots[at + 4 + (j >> 1)] === pair(s, a + j, e)) j += 2;
        if (j >= len) {
          found = v - 1;
          break;
        }
      }
      ids[i] = found;
    }
    // compare the long tokens with the characters buffer
    const chars = this.chars;
    for (let i = 0; i < n; i++) {
      const x = ids[i] as number;
      if (x > -2) continue;
      const at = -2 - x;
      const a = from[i] as number;
      const len = (to[i] as number) - a;
      const c = slots[at + 3] as number;
      const s = src[srcOf[i] as number] as string;
      let j = 0;
      while (j < len && chars[c + j] === s.charCodeAt(a + j)) j++;
      ids[i] = j === len ? (slots[at] as number) - 1 : -1;
    }
    // the rest one by one: new terms, and long tokens that met another term of their hash first
    for (let i = 0; i < n; i++)
      if ((ids[i] as number) < 0)
        ids[i] = this.find(src[srcOf[i] as number] as string, from[i] as number, to[i] as number, hashes[i] as number);
  }

  private find(s: string, a: number, b: number, h: number): number {
    const len = b - a;
    const slots = this.slots;
    let slot = h & this.mask;
    for (; ; slot = (slot + 1) & this.mask) {
      const at = SLOT * slot;
      const v = slots[at] as number;
      if (v === 0) break;
      if (slots[at + 1] !== h || slots[at + 2] !== len) continue;
      const c = slots[at + 3] as number;
      let j = 0;
      while (j < len && this.chars[c + j] === s.charCodeAt(a + j)) j++;
      if (j === len) return v - 1;
    }
    // a new term
    const id = this.size++;
    if (this.size + 1 >= this.starts.length) {
      const st = new Int32Array(2 * this.starts.length);
      st.set(this.starts);
      this.starts = st;
    }
    if (this.charsUsed + len > this.chars.length) {
      let size = 2 * this.chars.length;
      while (size < this.charsUsed + len) size *= 2;
      const c = new Uint16Array(size);
      c.set(this.chars.subarray(0, this.charsUsed));
      this.chars = c;
    }
    const c0 = this.charsUsed;
    for (let j = 0; j < len; j++) this.chars[c0 + j] = s.charCodeAt(a + j);
    this.charsUsed += len;
    this.starts[id + 1] = this.charsUsed;
    if (2 * this.size > this.mask + 1) {
      this.rehash();
      slot = h & this.mask;
      while (this.slots[SLOT * slot] !== 0) slot = (slot + 1) & this.mask;
    }
    const at = SLOT * slot;
    const sl = this.slots;
    sl[at] = id + 1;
    sl[at + 1] = h;
    sl[at + 2] = len;
    sl[at + 3] = c0;
    for (let j = 0; j < len && j < INLINE; j += 2) sl[at + 4 + (j >> 1)] = pair(s, a + j, b);
    return id;
  }

  /**
   * Doubles the table, moving the slots in table order: each lands at its old home or that plus
   * the old size, so that the new table is written nearly in order (placing by id wrote it at
   * random: a cache miss per term).
   */
  private rehash(): void {
    const old = this.slots;
    this.mask = 2 * (this.mask + 1) - 1;
    const mask = this.mask;
    const slots = new Int32Array(SLOT * (mask + 1));
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at] === 0) continue;
      let slot = (old[at + 1] as number) & mask;
      while (slots[SLOT * slot] !== 0) slot = (slot + 1) & mask;
      for (let k = 0; k < SLOT; k++) slots[SLOT * slot + k] = old[at + k] as number;
    }
    this.slots = slots;
  }

  /** Every term, by id. */
  terms(): string[] {
    // built from the code units themselves: a decoder would replace lone surrogates
    let all = '';
    for (let at = 0; at < this.charsUsed; at += 4096)
      all += String.fromCharCode.apply(null, this.chars.subarray(at, Math.min(at + 4096, this.charsUsed)) as unknown as number[]);
    const out = new Array<string>(this.size);
    for (let id = 0; id < this.size; id++) out[id] = all.slice(this.starts[id] as number, this.starts[id + 1] as number);
    return out;
  }
}
