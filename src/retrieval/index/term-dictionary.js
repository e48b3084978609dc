/**
 * Tokens of a batch, as ranges of source strings: a document's text (analyzers whose tokens are
 * verbatim pieces of it) or the token strings themselves.
 */
export class TokenRanges {
  src = [];
  srcOf = new Int32Array(1 << 16);
  from = new Int32Array(1 << 16);
  to = new Int32Array(1 << 16);
  n = 0;
  reset() {
    this.src.length = 0;
    this.n = 0;
  }
  push(src, from, to) {
    if (this.n === this.from.length) {
      const grow = (a) => {
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
/** Ints per slot: term id + 1 (0: empty), hash, first code unit in `chars`, length. */
const SLOT = 4;
/**
 * A term dictionary for indexing: open addressing over the terms' UTF-16 code units kept in one
 * flat buffer; a slot holds what a lookup compares (hash, where the characters are, length), so
 * that a hit costs two memory accesses. Lookups go a batch at a time, in passes (hash every token,
 * probe every token, compare every token), so that the accesses of different tokens overlap
 * instead of waiting on each other: with millions of terms, nearly every probe misses the cache.
 */
export class TermDictionary {
  slots = new Int32Array(SLOT << 16);
  mask = (1 << 16) - 1;
  chars = new Uint16Array(1 << 20);
  charsUsed = 0;
  starts = new Int32Array(1 << 14);
  idHash = new Int32Array(1 << 14);
  size = 0;
  hashes = new Int32Array(1 << 16);
  /** Fills ids[0..n) with the id of every token of `t`, adding the new terms. */
  lookup(t, ids) {
    const n = t.n;
    if (this.hashes.length < n) this.hashes = new Int32Array(t.from.length);
    const hashes = this.hashes;
    const { src, srcOf, from, to } = t;
    for (let i = 0; i < n; i++) {
      const s = src[srcOf[i]];
      let h = 0x811c9dc5;
      for (let j = from[i], e = to[i]; j < e; j++) h = Math.imul(h ^ s.charCodeAt(j), 0x01000193);
      h ^= h >>> 15;
      hashes[i] = Math.imul(h, 0x2c1b3c6d);
    }
    // probe: the slot where the token would be first looked for, kept if its hash and length match
    const slots = this.slots;
    const mask = this.mask;
    for (let i = 0; i < n; i++) {
      const h = hashes[i];
      const at = SLOT * (h & mask);
      ids[i] = slots[at + 1] === h && slots[at + 3] === to[i] - from[i] && slots[at] !== 0 ? at : -1;
    }
    // compare the characters
    const chars = this.chars;
    for (let i = 0; i < n; i++) {
      const at = ids[i];
      if (at < 0) continue;
      const a = from[i];
      const len = to[i] - a;
      const c = slots[at + 2];
      const s = src[srcOf[i]];
      let j = 0;
      while (j < len && chars[c + j] === s.charCodeAt(a + j)) j++;
      ids[i] = j === len ? slots[at] - 1 : -1;
    }
    // the rest one by one: collisions, and new terms
    for (let i = 0; i < n; i++) if (ids[i] < 0) ids[i] = this.find(src[srcOf[i]], from[i], to[i], hashes[i]);
  }
  find(s, a, b, h) {
    const len = b - a;
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const at = SLOT * slot;
      const v = this.slots[at];
      if (v === 0) break;
      if (this.slots[at + 1] !== h || this.slots[at + 3] !== len) continue;
      const c = this.slots[at + 2];
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
      const ih = new Int32Array(2 * this.idHash.length);
      ih.set(this.idHash);
      this.idHash = ih;
    }
    if (this.charsUsed + len > this.chars.length) {
      let size = 2 * this.chars.length;
      while (size < this.charsUsed + len) size *= 2;
      const c = new Uint16Array(size);
      c.set(this.chars.subarray(0, this.charsUsed));
      this.chars = c;
    }
    for (let j = 0; j < len; j++) this.chars[this.charsUsed + j] = s.charCodeAt(a + j);
    this.charsUsed += len;
    this.starts[id + 1] = this.charsUsed;
    this.idHash[id] = h;
    if (2 * this.size > this.mask + 1) this.rehash();
    this.place(id);
    return id;
  }
  place(id) {
    const h = this.idHash[id];
    let slot = h & this.mask;
    while (this.slots[SLOT * slot] !== 0) slot = (slot + 1) & this.mask;
    const at = SLOT * slot;
    this.slots[at] = id + 1;
    this.slots[at + 1] = h;
    this.slots[at + 2] = this.starts[id];
    this.slots[at + 3] = this.starts[id + 1] - this.starts[id];
  }
  /**
   * Doubles the table, moving the slots in table order: each lands at its old home or that plus
   * the old size, so that the new table is written nearly in order (placing by id wrote it at
   * random: a cache miss per term).
   */
  rehash() {
    const old = this.slots;
    this.mask = 2 * (this.mask + 1) - 1;
    const mask = this.mask;
    const slots = new Int32Array(SLOT * (mask + 1));
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at] === 0) continue;
      let slot = old[at + 1] & mask;
      while (slots[SLOT * slot] !== 0) slot = (slot + 1) & mask;
      const to = SLOT * slot;
      slots[to] = old[at];
      slots[to + 1] = old[at + 1];
      slots[to + 2] = old[at + 2];
      slots[to + 3] = old[at + 3];
    }
    this.slots = slots;
  }
  /** Every term, by id. */
  terms() {
    // built from the code units themselves: a decoder would replace lone surrogates
    let all = '';
    for (let at = 0; at < this.charsUsed; at += 4096)
      all += String.fromCharCode.apply(null, this.chars.subarray(at, Math.min(at + 4096, this.charsUsed)));
    const out = new Array(this.size);
    for (let id = 0; id < this.size; id++) out[id] = all.slice(this.starts[id], this.starts[id + 1]);
    return out;
  }
}
