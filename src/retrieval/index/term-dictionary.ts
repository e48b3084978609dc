import { sharedMemory, WASM_PAGE, type WasmMemory, wasmInstance } from '../../util/wasm-module.js';
import { isJavaWhitespace, MAX_TOKEN } from '../analysis/whitespace.js';
import { sortTermIds, unitsInOrder } from './term-sort.js';

/** Code units a token holds inline (in TokenRanges), two an int, zero past its end. */
const INLINE = 8;
const WORDS = INLINE / 2;
/**
 * Ints per slot: term id + 1 (0: empty), key, then two ints of inline code units: the term's
 * first 8 code units a byte each where those are all below 256, else its first 4 two an int,
 * zero past its end. A key is the term's hash with its low 4 bits replaced by a tag: its length
 * (1-8) where the inline ints hold all of it as bytes, 8 + its length (9-12) where they hold all
 * of it as 16-bit units, else LONG. A slot of 16 bytes, not the 32 that a token's inline units
 * take: the table of a million terms is half as large, and its lookups miss the cache less. The
 * key keeps the hash's top 28 bits: home slots stay those of the hash in tables of up to 2^28.
 */
const SLOT = 4;
const TAG = 0xf;
const LONG = 0xf;
/**
 * Tokens whose home slots are read ahead of their probes: enough for their cache misses to overlap,
 * few enough that those slots (512 of 16 bytes) stay in the core's cache until probed.
 */
const PROBE_CHUNK = 512;

/** A pair's two code units a byte each: its low unit's low byte, then its high unit's. */
const bytePair = (p: number): number => (p & 0xff) | ((p >>> 8) & 0xff00);

/** Two pairs of code units (a token's inline ints) as one slot int, a byte a unit. */
const bytesOf = (p: number, q: number): number => bytePair(p) | (bytePair(q) << 16);

/** Whether a token's first 8 code units (its four inline ints) have one past 255: its slot then holds 16-bit units. */
const wideUnits = (q0: number, q1: number, q2: number, q3: number): boolean => ((q0 | q1 | q2 | q3) & 0xff00ff00) !== 0;

/** A slot's key: a token's hash (murmur3's, `finish`) with its tag (see SLOT) in the low bits. */
const keyOf = (hash: number, len: number, wide: boolean): number =>
  (hash & ~TAG) | (wide ? (len <= 4 ? 8 + len : LONG) : len <= 8 ? len : LONG);

/** Whether a key's inline ints are its term whole: equal keys and inline ints are then equal terms. */
const wholeInline = (key: number): boolean => (key & TAG) !== LONG;

/** murmur3's 32-bit mixing of one more word (here two code units) into h. */
function mix(h: number, p: number): number {
  let x = Math.imul(p, 0xcc9e2d51);
  x = Math.imul((x << 15) | (x >>> 17), 0x1b873593);
  h ^= x;
  return (Math.imul((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
}

/** murmur3's finish: the length, then its avalanche. */
function finish(h: number, len: number): number {
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** token-kernel.wat's one function (addresses are byte offsets into its memory, which is never grown). */
interface TokenKernel {
  memory: WasmMemory;
  tokenize(
    docs: number,
    count: number,
    src: number,
    srcOf: number,
    from: number,
    len: number,
    hash: number,
    inline: number,
    starts: number,
  ): number;
}

/** Documents and bytes of text the token kernel takes a call, and the tokens those can hold (one per two bytes a document, rounded up). */
const KERNEL_DOCS = 1024;
const KERNEL_TEXT = 1 << 18;
const KERNEL_TOKENS = KERNEL_TEXT / 2 + KERNEL_DOCS;
/** Its memory: the documents' offsets and first tokens, the text (16 bytes of slack: the kernel reads 16 at a time), then the tokens' arrays. */
const K_DOCS = 0;
const K_STARTS = K_DOCS + 4 * (KERNEL_DOCS + 1);
const K_TEXT = Math.ceil((K_STARTS + 4 * KERNEL_DOCS) / 16) * 16;
const K_SRC_OF = K_TEXT + KERNEL_TEXT + 16;
const K_FROM = K_SRC_OF + 4 * KERNEL_TOKENS;
const K_LEN = K_FROM + 4 * KERNEL_TOKENS;
const K_HASH = K_LEN + 4 * KERNEL_TOKENS;
const K_INLINE = K_HASH + 4 * KERNEL_TOKENS;
const K_END = K_INLINE + 16 * KERNEL_TOKENS;
/** Documents that go to the JavaScript scan, untried, after one that is not ASCII: its neighbours are likely not to be either. */
const NON_ASCII_SKIP = 16;
const utf8 = new TextEncoder();

/** dictionary-kernel.wat's one function (addresses are byte offsets into its shared memory). */
interface DictionaryKernel {
  probe(hash: number, inline: number, len: number, n: number, slots: number, shift: number, wrap: number, ids: number): number;
}

/** Tokens the dictionary kernel probes a call, and its memory: their hashes, lengths, ids and inline ints, then the tables. */
const PROBE_TOKENS = 1 << 12;
const P_HASH = 0;
const P_LEN = P_HASH + 4 * PROBE_TOKENS;
const P_IDS = P_LEN + 4 * PROBE_TOKENS;
const P_INLINE = P_IDS + 4 * PROBE_TOKENS;
const P_TABLES = P_INLINE + 16 * PROBE_TOKENS;
/** The most a dictionary kernel's memory may grow to (a wasm32 memory's whole range). */
const KERNEL_MEMORY = 2 ** 32;

/**
 * Tokens of a batch, as ranges of source strings: a document's text (analyzers whose tokens are
 * verbatim pieces of it) or the token strings themselves. `push` reads each token's code units
 * once, for its hash and its first INLINE code units, so that most lookups compare ints only.
 */
export class TokenRanges {
  src: string[] = [];
  srcOf = new Int32Array(1 << 16);
  from = new Int32Array(1 << 16);
  len = new Int32Array(1 << 16);
  hash = new Int32Array(1 << 16);
  /** Per token, its first INLINE code units two an int, zero past its end. */
  inline = new Int32Array(WORDS << 16);
  n = 0;
  /** The token kernel, made at the first `pushWhitespaceAll`. */
  private kernel: TokenKernel | undefined;

  reset(): void {
    // a new array: `src` may be the caller's list of texts, which must stay as it was
    this.src = [];
    this.n = 0;
  }

  /** Adds code units [from, to) of `src[src]`, which must be in place already. */
  push(src: number, from: number, to: number): void {
    if (this.n === this.from.length) this.grow();
    const s = this.src[src] as string;
    const n = this.n++;
    this.srcOf[n] = src;
    this.from[n] = from;
    this.len[n] = to - from;
    const w = WORDS * n;
    const inline = this.inline;
    let h = 0;
    let k = 0;
    for (let j = from; j < to; j += 2, k++) {
      const p = j + 1 < to ? s.charCodeAt(j) | (s.charCodeAt(j + 1) << 16) : s.charCodeAt(j);
      if (k < WORDS) inline[w + k] = p;
      h = mix(h, p);
    }
    for (; k < WORDS; k++) inline[w + k] = 0;
    this.hash[n] = finish(h, to - from);
  }

  /**
   * Adds the tokens of `src[src]` as the whitespace analyzer cuts them (`whitespaceSpans`: runs of
   * non-white-space, cut at 255 code units, never inside a surrogate pair), hashing as it scans,
   * so that each code unit is read once. The same tokens, hashes and inline units as `push`: a
   * token's units pair by position, so a surrogate pair matters only where the cut would split it.
   */
  pushWhitespace(src: number): void {
    const s = this.src[src] as string;
    const end = s.length;
    let inline = this.inline;
    let i = 0;
    while (i < end) {
      let c = s.charCodeAt(i);
      if (isJavaWhitespace(c)) {
        i++;
        continue;
      }
      if (this.n === this.from.length) {
        this.grow();
        inline = this.inline;
      }
      const n = this.n++;
      const w = WORDS * n;
      const start = i;
      let h = 0;
      let k = 0;
      // c, at i, is in the token: it pairs with the next unit if that is in the token too
      for (;;) {
        const j = i + 1;
        const d = j < end ? s.charCodeAt(j) : 0x20;
        if (isJavaWhitespace(d) || (j - start >= MAX_TOKEN && !((c & 0xfc00) === 0xd800 && (d & 0xfc00) === 0xdc00))) {
          if (k < WORDS) inline[w + k] = c;
          h = mix(h, c);
          k++;
          i = j;
          break;
        }
        const p = c | (d << 16);
        if (k < WORDS) inline[w + k] = p;
        h = mix(h, p);
        k++;
        i = j + 1;
        if (i >= end || i - start >= MAX_TOKEN) break;
        c = s.charCodeAt(i);
        if (isJavaWhitespace(c)) break;
      }
      for (; k < WORDS; k++) inline[w + k] = 0;
      this.srcOf[n] = src;
      this.from[n] = start;
      this.len[n] = i - start;
      this.hash[n] = finish(h, i - start);
    }
  }

  /**
   * `pushWhitespace` of every document of `src`, in order, the first token of document i into
   * starts[i]. Documents of ASCII text (nearly all of an English corpus) are cut in the token
   * kernel (token-kernel.wat) a run at a time; the others, and any too long for its buffer, here.
   */
  pushWhitespaceAll(starts: Int32Array): void {
    const texts = this.src;
    if (!this.kernel) {
      const made = wasmInstance(new URL('./token-kernel.wasm', import.meta.url), 'retrieval/index/token-kernel.wasm') as TokenKernel;
      if (made.memory.buffer.byteLength < K_END)
        throw new Error(`the token kernel's memory holds ${made.memory.buffer.byteLength} bytes, not ${K_END}`);
      this.kernel = made;
    }
    const k = this.kernel;
    const bytes = new Uint8Array(k.memory.buffer);
    const words = new Int32Array(k.memory.buffer);
    let skip = 0;
    for (let i = 0; i < texts.length; ) {
      // the documents from i that are ASCII and fit, their bytes one after the other
      let at = K_TEXT;
      let j = i;
      for (; skip === 0 && j < texts.length && j - i < KERNEL_DOCS; j++) {
        const s = texts[j] as string;
        if (s.length > K_TEXT + KERNEL_TEXT - at) break;
        const r = utf8.encodeInto(s, bytes.subarray(at, K_TEXT + KERNEL_TEXT));
        // a code unit past 127 takes two bytes or more: written ≠ read
        if (r.read !== s.length || r.written !== s.length) {
          if (j === i) skip = NON_ASCII_SKIP;
          break;
        }
        words[(K_DOCS >> 2) + j - i] = at;
        at += s.length;
      }
      if (j === i) {
        starts[i] = this.n;
        this.pushWhitespace(i++);
        if (skip > 0) skip--;
        continue;
      }
      words[(K_DOCS >> 2) + j - i] = at;
      // at most one token per two bytes of each document, rounded up
      while (this.from.length < this.n + ((at - K_TEXT + j - i) >> 1)) this.grow();
      const m = k.tokenize(K_DOCS, j - i, i, K_SRC_OF, K_FROM, K_LEN, K_HASH, K_INLINE, K_STARTS);
      const n = this.n;
      this.srcOf.set(words.subarray(K_SRC_OF >> 2, (K_SRC_OF >> 2) + m), n);
      this.from.set(words.subarray(K_FROM >> 2, (K_FROM >> 2) + m), n);
      this.len.set(words.subarray(K_LEN >> 2, (K_LEN >> 2) + m), n);
      this.hash.set(words.subarray(K_HASH >> 2, (K_HASH >> 2) + m), n);
      this.inline.set(words.subarray(K_INLINE >> 2, (K_INLINE >> 2) + WORDS * m), WORDS * n);
      for (let d = i; d < j; d++) starts[d] = n + (words[(K_STARTS >> 2) + d - i] as number);
      this.n = n + m;
      i = j;
    }
  }

  private grow(): void {
    const grow = (a: Int32Array) => {
      const b = new Int32Array(2 * a.length);
      b.set(a);
      return b;
    };
    this.srcOf = grow(this.srcOf);
    this.from = grow(this.from);
    this.len = grow(this.len);
    this.hash = grow(this.hash);
    this.inline = grow(this.inline);
  }
}

/**
 * A term dictionary for indexing: open addressing, a slot of 16 bytes per term holding what a
 * lookup compares (key: hash and length; the term's first code units; longer terms' characters
 * are in one flat buffer), so that finding a short term costs one memory access, two for a long
 * one. Lookups go a batch at a time, in passes (probe every token, then compare the long tokens),
 * so that the cache misses of different tokens overlap instead of waiting on each other: with
 * millions of terms, most probes of rare terms miss the cache. The probes run in WebAssembly
 * (dictionary-kernel.wat) on the table in the kernel's memory; new terms are added here, through
 * a view of it.
 */
export class TermDictionary {
  /** The table: in the kernel's memory from P_TABLES on, or (once it outgrew that memory) an array of its own. */
  private slots: Int32Array;
  private mask = (1 << 16) - 1;
  /** A term's home slot: the top bits of its key (a doubling then keeps the slots in order). */
  private shift = 16;
  private chars = new Uint16Array(1 << 20);
  private charsUsed = 0;
  private starts = new Int32Array(1 << 14);
  size = 0;
  /** The xor of the home slots' first words that the last lookup read ahead (kept so that the compiler keeps those reads). */
  readAhead = 0;
  /** The probes' kernel and its memory (the table's, with the tokens of a call), until the table outgrows it. */
  private kernel: DictionaryKernel | null;
  private readonly memory: WasmMemory;

  /** `kernelBytes`: the most the kernel's memory may grow to (tests make it small, to move a table out of it). */
  constructor({ kernelBytes = KERNEL_MEMORY }: { kernelBytes?: number } = {}) {
    const bytes = 16 * (this.mask + 1);
    this.memory = sharedMemory(Math.ceil((P_TABLES + bytes) / WASM_PAGE), Math.floor(kernelBytes / WASM_PAGE));
    this.kernel = wasmInstance(new URL('./dictionary-kernel.wasm', import.meta.url), 'retrieval/index/dictionary-kernel.wasm', {
      env: { memory: this.memory },
    }) as DictionaryKernel;
    this.slots = new Int32Array(this.memory.buffer, P_TABLES, bytes / 4).fill(0);
  }

  /** Whether the table is in the kernel's memory (its probes in WebAssembly). */
  get inKernel(): boolean {
    return this.kernel !== null;
  }

  /**
   * Fills ids[0..n) with the id of every token of `t`, adding the new terms (ids by first
   * appearance). The kernel probes every token, a call at a time; the tokens it does not find
   * whole (new terms, and long ones, whose first code units alone it compares) are then settled
   * here in order, so that a new term's id is that of its first appearance.
   */
  lookup(t: TokenRanges, ids: Int32Array): void {
    const { n, hash, inline, len, src, srcOf, from } = t;
    const words = new Int32Array(this.memory.buffer, 0, P_TABLES / 4);
    for (let c = 0; c < n; c += PROBE_TOKENS) {
      const k = this.kernel;
      if (!k) {
        // the table is out of the kernel's memory (it left as it grew, in this batch or before)
        this.lookupHere(t, ids, c);
        return;
      }
      const m = Math.min(PROBE_TOKENS, n - c);
      words.set(hash.subarray(c, c + m), P_HASH / 4);
      words.set(len.subarray(c, c + m), P_LEN / 4);
      words.set(inline.subarray(WORDS * c, WORDS * (c + m)), P_INLINE / 4);
      this.readAhead ^= k.probe(P_HASH, P_INLINE, P_LEN, m, P_TABLES, this.shift, 16 * (this.mask + 1) - 1, P_IDS);
      ids.set(words.subarray(P_IDS / 4, P_IDS / 4 + m), c);
      // the call's tokens not found whole, at once: their slots are still in the cache
      const probed = this.slots;
      for (let i = c; i < c + m; i++) {
        const x = ids[i] as number;
        if (x >= 0) continue;
        if (x < -1 && this.slots === probed) {
          // a long token whose first code units matched a term's slot (of the table it was probed in)
          const id = (probed[-2 - x] as number) - 1;
          ids[i] = this.equal(id, src[srcOf[i] as number] as string, from[i] as number, len[i] as number) ? id : this.find(t, i);
        } else ids[i] = this.settle(t, i);
      }
    }
  }

  /**
   * Token i's id, probed again by its key and inline ints (a term added since the kernel's probe,
   * earlier in the batch, is found so), or else added as a new term in the empty slot that ended
   * the probe; a long token that matches a slot is compared whole.
   */
  private settle(t: TokenRanges, i: number): number {
    const { inline } = t;
    const w = WORDS * i;
    const q0 = inline[w] as number;
    const q1 = inline[w + 1] as number;
    const q2 = inline[w + 2] as number;
    const q3 = inline[w + 3] as number;
    const wide = wideUnits(q0, q1, q2, q3);
    const w0 = wide ? q0 : bytesOf(q0, q1);
    const w1 = wide ? q1 : bytesOf(q2, q3);
    const key = keyOf(t.hash[i] as number, t.len[i] as number, wide);
    const slots = this.slots;
    const wrap = SLOT * (this.mask + 1) - 1;
    let at = SLOT * (key >>> this.shift);
    for (let v = slots[at] as number; v !== 0; at = (at + SLOT) & wrap, v = slots[at] as number)
      if (slots[at + 1] === key && slots[at + 2] === w0 && slots[at + 3] === w1) return wholeInline(key) ? v - 1 : this.find(t, i);
    return this.add(t, i, at, key, w0, w1);
  }

  /** `lookup` in JavaScript of the tokens from `first` on, for a table that outgrew the kernel's memory. */
  private lookupHere(t: TokenRanges, ids: Int32Array, first: number): void {
    const { n, hash } = t;
    let touched = 0;
    for (let c = first; c < n; c += PROBE_CHUNK) {
      const end = Math.min(n, c + PROBE_CHUNK);
      // each home slot of the chunk read first, in a loop of independent loads whose cache
      // misses overlap; the probes that follow then find them in the cache
      const slots = this.slots;
      const shift = this.shift;
      for (let i = c; i < end; i++) touched ^= slots[SLOT * ((hash[i] as number) >>> shift)] as number;
      for (let i = c; i < end; i++) ids[i] = this.settle(t, i);
    }
    this.readAhead = touched;
  }

  /** Whether term `id` is code units [a, a + len) of s. */
  private equal(id: number, s: string, a: number, len: number): boolean {
    const { chars, starts } = this;
    const c = starts[id] as number;
    if ((starts[id + 1] as number) - c !== len) return false;
    let j = 0;
    while (j < len && chars[c + j] === s.charCodeAt(a + j)) j++;
    return j === len;
  }

  private find(t: TokenRanges, i: number): number {
    const s = t.src[t.srcOf[i] as number] as string;
    const a = t.from[i] as number;
    const len = t.len[i] as number;
    const w = WORDS * i;
    const q = t.inline;
    const q0 = q[w] as number;
    const q1 = q[w + 1] as number;
    const q2 = q[w + 2] as number;
    const q3 = q[w + 3] as number;
    const wide = wideUnits(q0, q1, q2, q3);
    const key = keyOf(t.hash[i] as number, len, wide);
    const slots = this.slots;
    let slot = key >>> this.shift;
    for (; ; slot = (slot + 1) & this.mask) {
      const at = SLOT * slot;
      const v = slots[at] as number;
      if (v === 0) break;
      if (slots[at + 1] === key && this.equal(v - 1, s, a, len)) return v - 1;
    }
    return this.add(t, i, SLOT * slot, key, wide ? q0 : bytesOf(q0, q1), wide ? q1 : bytesOf(q2, q3));
  }

  /** Adds token i of `t` as a new term (key and inline ints as given) in the empty slot at `at`; returns its id. */
  private add(t: TokenRanges, i: number, at: number, key: number, w0: number, w1: number): number {
    const s = t.src[t.srcOf[i] as number] as string;
    const a = t.from[i] as number;
    const len = t.len[i] as number;
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
    const sl = this.slots;
    sl[at] = id + 1;
    sl[at + 1] = key;
    sl[at + 2] = w0;
    sl[at + 3] = w1;
    if (2 * this.size > this.mask + 1) this.rehash();
    return id;
  }

  /**
   * Doubles the table, moving the slots in table order: each lands at twice its old home or one
   * past that, so that the new table is written nearly in order (placing by id wrote it at
   * random: a cache miss per term).
   */
  private rehash(): void {
    let old = this.slots;
    this.mask = 2 * (this.mask + 1) - 1;
    this.shift--;
    const mask = this.mask;
    const bytes = 16 * (mask + 1);
    let slots: Int32Array;
    if (this.kernel && this.grow(P_TABLES + bytes)) {
      // in place of the old one, which is copied out first: the kernel's memory is on small
      // pages, each first touched at a page fault, and a new table past the old would touch twice
      // the memory
      old = old.slice();
      slots = new Int32Array(this.memory.buffer, P_TABLES, bytes / 4);
    } else {
      slots = new Int32Array(SLOT * (mask + 1));
      this.kernel = null;
    }
    // written whole before any probe reads it: a page first read maps the zero page, and the write
    // that follows must flush it from every thread's TLB (an interrupt to each other CPU)
    slots.fill(0);
    for (let at = 0; at < old.length; at += SLOT) {
      if (old[at] === 0) continue;
      let slot = (old[at + 1] as number) >>> this.shift;
      while (slots[SLOT * slot] !== 0) slot = (slot + 1) & mask;
      for (let k = 0; k < SLOT; k++) slots[SLOT * slot + k] = old[at + k] as number;
    }
    this.slots = slots;
  }

  /** Grows the kernel's memory to hold `bytes`; false where it may not grow so far. */
  private grow(bytes: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (bytes <= have) return true;
    try {
      this.memory.grow(Math.ceil((bytes - have) / WASM_PAGE));
      return true;
    } catch {
      // past the memory's maximum (a RangeError): the table goes to an array of its own
      return false;
    }
  }

  /** Every term id, in ascending UTF-16 code-unit order of its term (JavaScript's string order). */
  sortedIds(): Int32Array {
    return sortTermIds(this.chars, this.starts, this.size, this.charsUsed).ids;
  }

  /** The term ids in order (as `sortedIds`), and their code units one after the other and where each ends. */
  sorted(): { ids: Int32Array; units: Uint16Array; ends: Int32Array } {
    const terms = sortTermIds(this.chars, this.starts, this.size, this.charsUsed);
    const { units, ends, readAhead } = unitsInOrder(terms, this.chars, this.starts, this.charsUsed);
    this.readAhead ^= readAhead;
    return { ids: terms.ids, units, ends };
  }
}
