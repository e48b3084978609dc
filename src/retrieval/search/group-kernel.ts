import { type WasmMemory, wasmInstance } from '../../util/wasm-module.js';

/** The kernel's functions (group-kernel.wat documents each); addresses are byte offsets into its memory. */
export interface KernelFunctions {
  /** Decodes postings blocks in [words, end) into docs (document − base) and tfs, leaving out documents below base; returns how many. */
  decode(words: number, end: number, exact: number, prev: number, base: number, docs: number, tfs: number): number;
  /** `decode` of n terms' whole postings one after another, list holding each one's blocks (words, end); each entry's end becomes the term's count; returns the total. */
  decodeAll(list: number, n: number, exact: number, docs: number, tfs: number): number;
  /** pairs[j] = (slots[j], termScore(weight, tfs[j], norms[slots[j]])) for j < n; returns the largest score (0 for none). */
  score(slots: number, tfs: number, n: number, weight: number, norms: number, pairs: number): number;
  /**
   * `score` into blocks of four pairs (24 bytes: the slots less offset, u16, then the scores, f32),
   * the last block padded with (0, +0); returns the largest score (0 for none).
   */
  scorePacked(slots: number, tfs: number, n: number, weight: number, norms: number, offset: number, out: number): number;
  /** `score` for each of n entries of list (slots, tfs, count, weight f32, pairs: 20 bytes). */
  scoreAll(list: number, n: number, norms: number): void;
  /**
   * Copies the dense postings of terms [first, end), decoded term after term into (docs, tfs) (bounds
   * + 4 t (span + 1): term t's start in each of count windows, then its end), window after window to
   * (outDocs, outTfs) from entry out; runs + 8 (t · span + w) receives term t's (start, end) of window
   * w there. Returns the entry past them.
   */
  regroup(
    bounds: number,
    first: number,
    end: number,
    span: number,
    count: number,
    docs: number,
    tfs: number,
    outDocs: number,
    outTfs: number,
    out: number,
    runs: number,
    cursors: number,
  ): number;
  /**
   * One window's pairs of the n dense segments listed in segs ((runs address, weight) each), to out
   * one after another in `scorePacked`'s blocks, slots less offset (a trap past outEnd); table + 12 i
   * receives segment i's blocks' address, count of pairs and largest score.
   */
  scoreWindow(
    segs: number,
    n: number,
    slots: number,
    tfs: number,
    norms: number,
    w: number,
    offset: number,
    out: number,
    table: number,
    outEnd: number,
  ): void;
  /** acc[slot] += score for n (slot, score) pairs. */
  add(acc: number, pairs: number, n: number): void;
  /**
   * acc[slot] += score for the pairs of each table column in segs[0..count) (blocks, as
   * `scoreWindow` writes them: the 12 bytes at table + 12 column being their address, count of
   * pairs and largest score), then `add(acc, pairs, n)`: a query's dense and sparse pairs of a
   * window in one call.
   */
  addSegments(acc: number, segs: number, count: number, table: number, pairs: number, n: number): void;
  /** A window's head index of one head term: its documents' bits (words i64) and each word's rank (u16), from n documents docs[0..n) counted from base. */
  mark(docs: number, n: number, base: number, bits: number, ranks: number, words: number): void;
  /** Lists a query's non-essential segments segs[0..count) (table column, head column) for `complete` in scratch (16 bytes each, with each one's largest score there), then their pairs in the window (i32); returns the sum of their largest scores there. */
  nonEssential(segs: number, count: number, row: number, heads: number, words: number, scratch: number): number;
  /** Adds the listed non-essential segments' scores to n candidates (slots, sums), dropping one once it cannot pass cut (rest: the sum of their largest scores); keeps those above cut, in place; returns how many. */
  complete(slots: number, sums: number, n: number, cut: number, scratch: number, count: number, rest: number): number;
  /**
   * Sorts the pairs (document, score) of the segments listed in segs (address, count), query after
   * query (query q's entries ending at ends[q]), into out by window of 2^shift documents and by
   * query within a window, as (slot in the window, score); at[w · queries + q] (windows · queries
   * + 1 entries) receives where the pairs of window w and query q start (cursors: windows · queries
   * i32 of scratch).
   */
  byWindow(segs: number, ends: number, queries: number, shift: number, at: number, windows: number, out: number, cursors: number): void;
  /** Each term's table of tf = 1 scores by norm byte, for the states that have one. */
  tables(states: number, n: number, cache: number): void;
  /** Adds the scores of the terms' postings below limit to acc[doc − base], resuming from their states (32 bytes each). */
  accumulate(
    states: number,
    n: number,
    base: number,
    limit: number,
    acc: number,
    exact: number,
    bytes: number,
    cache: number,
    inv: number,
  ): void;
  /** Adds every posting of the terms into the table of 2^bits slots keyed by document (keys −1 and sums 0 where free), listing the slots taken in used; returns how many. */
  sparse(
    states: number,
    n: number,
    exact: number,
    bytes: number,
    cache: number,
    inv: number,
    keys: number,
    sums: number,
    used: number,
    bits: number,
  ): number;
  /** docs[i] = keys[used[i]] and out[i] = sums[used[i]] for i < n. */
  gather(keys: number, sums: number, used: number, n: number, docs: number, out: number): void;
  /** The best k of n (doc i32, score f64 rounded to float here, rank i32) hits, in place, best first (scratch: 16 n + 1024 bytes); returns how many. */
  select(docs: number, scores: number, ranks: number, n: number, k: number, scratch: number): number;
  /**
   * Writes the slots of acc[0..width) above cut, and their sums, to outSlots and outSums; zeroes
   * acc; returns how many. With k > 0 the cut rises to just below the k-th largest sum written
   * (a heap of 8 k bytes at heap).
   */
  scan(acc: number, width: number, cut: number, k: number, heap: number, outSlots: number, outSums: number): number;
}

const PAGE = 1 << 16;
/** 4 GiB: the most a 32-bit memory can grow to. */
const MAX_PAGES = 1 << 16;

/** An index's norms for the kernel: every document's normInverse, and with one-byte norms each document's byte and the normInverse per byte. */
export interface KernelNorms {
  inv: Float32Array;
  bytes: Uint8Array | null;
  cache: Float32Array | null;
}

/** Where `reset` put the norms in the kernel's memory. */
export interface NormAddresses {
  invAt: number;
  cacheAt: number;
  bytesAt: number;
}

/**
 * Group scoring's WebAssembly kernel (group-kernel.wat) and its memory, which the caller lays
 * out with `alloc` (a bump allocator, `reset` for each group). One per thread, reused.
 */
export class GroupKernel {
  /** The kernel's functions. */
  readonly run: KernelFunctions;
  private readonly memory: WasmMemory;
  /** The memory's buffer and size, kept here: reading `memory.buffer` costs a call into the engine, and a short query allocates a dozen times. */
  private current: ArrayBuffer;
  private capacity: number;
  private used = 0;
  /** The normInverse array copied at the start of the memory, kept from group to group, and where it ends. */
  private pinned: Float32Array | null = null;
  private pinnedEnd = 0;
  private addresses: NormAddresses = { invAt: 0, cacheAt: 0, bytesAt: 0 };
  /** The largest span buffers a group has needed on this thread, to allocate them at once for the next group. */
  readonly sizes = { postings: 0, windows: 0, scores: 0, staging: 0 };

  constructor() {
    const exports = wasmInstance(
      new URL('./group-kernel.wasm', import.meta.url),
      'retrieval/search/group-kernel.wasm',
    ) as KernelFunctions & {
      memory: WasmMemory;
    };
    this.run = exports;
    this.memory = exports.memory;
    this.current = this.memory.buffer;
    this.capacity = this.current.byteLength;
  }

  /**
   * Forgets every allocation (the memory stays, for the next group) but the index's norms, which
   * it copies in only when they are not the ones copied last time (a copy per group would cost a
   * query searched alone a pass over 5 bytes a document). Returns their addresses.
   */
  reset(norms: KernelNorms): NormAddresses {
    if (this.pinned !== norms.inv) {
      this.pinned = null;
      this.used = 0;
      const n = norms.inv.length;
      const invAt = this.alloc(4 * n);
      const cacheAt = this.alloc(4 * 256);
      const bytesAt = this.alloc(norms.bytes ? n : 0);
      new Float32Array(this.current, invAt, n).set(norms.inv);
      if (norms.cache) new Float32Array(this.current, cacheAt, 256).set(norms.cache);
      if (norms.bytes) new Uint8Array(this.current, bytesAt, n).set(norms.bytes);
      this.pinned = norms.inv;
      this.pinnedEnd = this.used;
      this.addresses = { invAt, cacheAt, bytesAt };
    }
    this.used = this.pinnedEnd;
    return this.addresses;
  }

  /** Reserves `bytes` (16-byte aligned) and returns their address. Growing the memory detaches every view taken before. */
  alloc(bytes: number): number {
    const at = this.used;
    this.used = at + Math.ceil(bytes / 16) * 16;
    if (this.used > this.capacity) {
      const need = Math.ceil((this.used - this.capacity) / PAGE);
      // by half the memory at least: a group's first allocations would otherwise grow it
      // thousands of times, and V8 follows each grow with a full garbage collection
      const ahead = Math.min(Math.ceil(this.capacity / PAGE / 2), MAX_PAGES - this.capacity / PAGE);
      try {
        try {
          this.memory.grow(Math.max(need, ahead));
        } catch {
          // the half more may be what the engine refuses
          this.memory.grow(need);
        }
        this.current = this.memory.buffer;
        this.capacity = this.current.byteLength;
      } catch (e) {
        throw new Error(
          `group scoring needs ${Math.ceil(this.used / 2 ** 20)} MiB of WebAssembly memory, over its 4 GiB limit: search fewer queries at a time (${(e as Error).message})`,
        );
      }
    }
    return at;
  }

  /** The memory, for typed-array views (take them again after an `alloc`). */
  get buffer(): ArrayBuffer {
    return this.current;
  }
}

let shared: GroupKernel | null = null;

/** This thread's kernel. */
export function groupKernel(): GroupKernel {
  shared ??= new GroupKernel();
  return shared;
}
