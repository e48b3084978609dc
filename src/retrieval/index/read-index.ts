import { endianness } from 'node:os';
import { join } from 'node:path';
import {
  checkAllPostings,
  checkDictionary,
  checkPermutation,
  checkVectorOffsets,
  lineStarts,
  openChecked,
  readIndexMeta,
} from './check-index.js';
import { CHUNK, damage, type FileSum, verifyChunks } from './checksums.js';
import { hasVectors, type IndexMeta, postingsFile, TERM_RECORD, vectorsFile } from './index-format.js';
import { DOCID_BLOCK, docidBlocks, fileStarts, OnDemandFiles, PostingsCache } from './on-demand-files.js';
import { readShared } from './shared-file.js';
import { checkTermPostings } from './validate.js';
import { readVarints } from './varint.js';

export { readIndexMeta, verifyIndex } from './check-index.js';

const startsOf = (sab: SharedArrayBuffer, lines: number): Uint32Array | Float64Array =>
  sab.byteLength === 4 * (lines + 1) ? new Uint32Array(sab) : new Float64Array(sab);

const fnv = (bytes: Uint8Array, from: number, to: number): number => {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
};

/** What `load` may hold in memory, and the threads that will search (each has its own postings cache). */
export interface LoadOptions {
  /** Bytes (`memoryNeeds` says what an index takes); undefined: no limit, every file in shared memory. */
  memoryBudget?: number;
  threads?: number;
}

/**
 * Everything a search thread needs, in shared memory: built once by `IndexReader.load`, handed to
 * threads. With `postings` null the postings are read on demand, each thread caching up to
 * `cacheBytes` of them.
 */
export interface SharedIndex {
  dir: string;
  meta: IndexMeta;
  checksums: SharedArrayBuffer;
  norms: SharedArrayBuffer;
  docOrder: SharedArrayBuffer;
  docids: SharedArrayBuffer;
  /** Where each document's id starts in docids.txt, or, with the ids on disk, every DOCID_BLOCK-th (f64). */
  docidStarts: SharedArrayBuffer;
  docidsOnDisk: boolean;
  terms: SharedArrayBuffer;
  termStarts: SharedArrayBuffer;
  termHash: SharedArrayBuffer;
  dict: SharedArrayBuffer;
  postings: SharedArrayBuffer[] | null;
  cacheBytes: number;
  vectors: SharedArrayBuffer[] | null;
  vectorOffsets: SharedArrayBuffer | null;
}

export interface TermInfo {
  id: number;
  df: number;
  cf: number;
  /** The postings file's words (or, read on demand, the term's own), and the term's first word and length in words. */
  words: Uint32Array;
  offset: number;
  length: number;
}

/** Search's own memory per thread and document (normInverse, exhaustive scoring's accumulator, group scoring's norms): what a budget must leave it. */
export const SEARCH_BYTES_PER_DOC = 4 + 13 + 4;
/** RM3 asked for the term vectors of an index built without them: the index must be rebuilt. */
export class NoVectorsError extends Error {
  constructor(dir: string) {
    super(
      `${dir} has no term vectors (it was built with \`vectors: false\` or \`qexp index --no-vectors\`), and RM3 reads them: rebuild the index with them (the default)`,
    );
    this.name = 'NoVectorsError';
  }
}

/** A memory budget below what the index needs with its postings on disk. */
export class MemoryBudgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MemoryBudgetError';
  }
}

/**
 * The postings cache per thread suggested to a budget too small for any (a smaller one works, more
 * slowly); the document ids stay in memory only if they leave a cache this large (or a quarter of
 * the postings).
 */
const MIN_CACHE = 16 << 20;

/**
 * What an index takes in memory, in bytes: `index`, the files always loaded whole with their
 * lookup tables (the dictionary, norms, ranks, checksums); `docids` (the external ids and where
 * each starts), `postings` and `vectors` (term vectors, for RM3), which a budget may leave on disk;
 * `search`, the searching threads' own per-document arrays.
 */
export function memoryNeeds(
  meta: IndexMeta,
  vectors: boolean,
  threads: number,
): { index: number; docids: number; postings: number; vectors: number; search: number } {
  const files = meta.checksums.files;
  const size = (name: string) => (files[name] as FileSum).bytes;
  const starts = (bytes: number, lines: number) => (bytes >= 2 ** 32 ? 8 : 4) * (lines + 1);
  let hash = 16;
  while (hash < 2 * meta.numTerms) hash *= 2;
  let chunks = 0;
  for (const sum of Object.values(files)) chunks += Math.ceil(sum.bytes / CHUNK);
  const index =
    ['terms.txt', 'terms.bin', 'docorder.bin', 'norms.bin'].reduce((n, f) => n + size(f), 0) +
    starts(size('terms.txt'), meta.numTerms) +
    4 * hash +
    4 * chunks +
    8 * (Math.ceil(meta.docCount / DOCID_BLOCK) + 1);
  const docids = size('docids.txt') + starts(size('docids.txt'), meta.docCount);
  let postings = 0;
  for (let i = 0; i < meta.postingsFiles; i++) postings += size(postingsFile(i));
  const vectorBytes = vectors && hasVectors(meta) ? meta.vectorFiles.reduce((a, b) => a + b, 0) + size('docvectors.offsets') : 0;
  return { index, docids, postings, vectors: vectorBytes, search: SEARCH_BYTES_PER_DOC * meta.docCount * threads };
}

/**
 * An index opened for search: every file checked against its checksums as it is read, term lookup
 * through a hash table, and the postings either in shared memory or read on demand into a cache
 * of bounded size (a memory budget smaller than the index).
 */
export class IndexReader {
  readonly meta: IndexMeta;
  /** One byte per document (lucene-byte4), or null with exact norms. */
  readonly normBytes: Uint8Array | null;
  /** Exact lengths with norms "exact". */
  readonly lengths: Uint32Array | null;
  /** Rank of each document's external id in ascending order: ties in score go to the lower rank. */
  readonly docOrder: Uint32Array;
  private readonly postings: Uint32Array[] | null;
  private readonly files: OnDemandFiles | null;
  private readonly cache: PostingsCache | null;
  private readonly dict: Uint32Array;
  private readonly termBytes: Uint8Array;
  private readonly termStarts: Uint32Array | Float64Array;
  private readonly hash: Int32Array;
  private readonly docidBytes: Uint8Array;
  private readonly docidStarts: Uint32Array | Float64Array;
  private readonly utf8 = new TextEncoder();
  private readonly text = new TextDecoder();
  private scratch = new Uint8Array(256);
  private vectors: Uint8Array[] | null = null;
  private vectorOffsets: Float64Array | null = null;
  private vectorStarts: number[] = [];

  /** Opens the index in `dir` (every file but the term vectors, which RM3 loads on first use). */
  constructor(dir: string);
  constructor(shared: SharedIndex);
  constructor(from: string | SharedIndex) {
    this.shared = typeof from === 'string' ? IndexReader.load(from, false) : from;
    const s = this.shared;
    this.meta = s.meta;
    if (s.meta.norms === 'exact') {
      this.lengths = new Uint32Array(s.norms);
      this.normBytes = null;
    } else {
      this.normBytes = new Uint8Array(s.norms);
      this.lengths = null;
    }
    this.docOrder = new Uint32Array(s.docOrder);
    this.postings = s.postings ? s.postings.map((b) => new Uint32Array(b)) : null;
    this.files = s.postings ? null : new OnDemandFiles(s.dir, s.meta, new Uint32Array(s.checksums));
    this.cache = s.postings ? null : new PostingsCache(s.cacheBytes);
    this.dict = new Uint32Array(s.dict);
    this.termBytes = new Uint8Array(s.terms);
    this.termStarts = startsOf(s.termStarts, s.meta.numTerms);
    this.hash = new Int32Array(s.termHash);
    this.docidBytes = new Uint8Array(s.docids);
    this.docidStarts = s.docidsOnDisk ? new Float64Array(s.docidStarts) : startsOf(s.docidStarts, s.meta.docCount);
    if (s.vectors && s.vectorOffsets) this.attachVectors(s.vectors, s.vectorOffsets);
  }

  /** The shared buffers behind this reader, to open the same index in other threads. */
  readonly shared: SharedIndex;

  /**
   * Reads an index folder into shared memory (with the term vectors if asked), checking every file
   * against its checksums and its structure. Under a memory budget too small for the whole index,
   * the postings and term vectors stay on disk and are read on demand.
   */
  static load(dir: string, vectors: boolean, opts: LoadOptions = {}): SharedIndex {
    if (endianness() !== 'LE') throw new Error('qexp indexes are little-endian: this machine is big-endian');
    const meta = readIndexMeta(dir);
    if (vectors && !hasVectors(meta)) throw new NoVectorsError(dir);
    const table = openChecked(dir, meta);
    const threads = opts.threads ?? 1;
    const needs = memoryNeeds(meta, vectors, threads);
    const budget = opts.memoryBudget;
    const onDemand = budget !== undefined && needs.index + needs.docids + needs.postings + needs.vectors + needs.search > budget;
    let cacheBytes = 0;
    let docidsOnDisk = false;
    if (onDemand) {
      // the postings and term vectors stay on disk, and the document ids too if they would leave
      // too little for the postings cache; each thread caches what the rest leaves
      let left = budget - needs.index - needs.search;
      if (left - needs.docids >= Math.min(MIN_CACHE * threads, needs.postings / 4)) left -= needs.docids;
      else docidsOnDisk = true;
      if (left < 0) {
        throw new MemoryBudgetError(
          `a memory budget of ${gib(budget)} is too small for ${dir}: its dictionary, norms and ranks take ${gib(needs.index)}, ` +
            `and searching its ${meta.docCount} documents on ${threads} thread(s) ${gib(needs.search)}; give at least ${gib(needs.index + needs.search + MIN_CACHE * threads)}`,
        );
      }
      cacheBytes = Math.floor(left / threads);
    }
    const read = (name: string): SharedArrayBuffer => {
      const sab = readShared(join(dir, name));
      verifyChunks(dir, name, meta.checksums.files[name] as FileSum, table, new Uint8Array(sab), 0);
      return sab;
    };
    const terms = read('terms.txt');
    const termStarts = lineStarts(dir, 'terms.txt', new Uint8Array(terms), meta.numTerms);
    const docids = docidsOnDisk ? new SharedArrayBuffer(0) : read('docids.txt');
    const dict = read('terms.bin');
    const docOrder = read('docorder.bin');
    checkPermutation(dir, new Uint32Array(docOrder));
    const shared: SharedIndex = {
      dir,
      meta,
      checksums: table.buffer as SharedArrayBuffer,
      norms: read('norms.bin'),
      docOrder,
      docids,
      docidStarts: docidsOnDisk ? docidBlocks(dir, meta, table) : lineStarts(dir, 'docids.txt', new Uint8Array(docids), meta.docCount),
      docidsOnDisk,
      terms,
      termStarts,
      termHash: IndexReader.hashTerms(new Uint8Array(terms), startsOf(termStarts, meta.numTerms), meta.numTerms),
      dict,
      postings: null,
      cacheBytes,
      vectors: null,
      vectorOffsets: null,
    };
    checkDictionary(dir, meta, new Uint32Array(dict));
    if (!onDemand) {
      shared.postings = Array.from({ length: meta.postingsFiles }, (_, i) => read(postingsFile(i)));
      checkAllPostings(dir, meta, new Uint32Array(dict), shared.postings);
      if (vectors) IndexReader.loadVectors(shared);
    }
    return shared;
  }

  private static loadVectors(s: SharedIndex): void {
    const table = new Uint32Array(s.checksums);
    const read = (name: string): SharedArrayBuffer => {
      const sab = readShared(join(s.dir, name));
      verifyChunks(s.dir, name, s.meta.checksums.files[name] as FileSum, table, new Uint8Array(sab), 0);
      return sab;
    };
    const vectors = s.meta.vectorFiles.map((_, i) => read(vectorsFile(i)));
    const offsets = read('docvectors.offsets');
    checkVectorOffsets(s.dir, new Float64Array(offsets), s.meta.vectorFiles);
    s.vectors = vectors;
    s.vectorOffsets = offsets;
  }

  /** Open addressing over the terms' UTF-8 bytes: slot = term id + 1, 0 when empty. */
  private static hashTerms(bytes: Uint8Array, starts: Uint32Array | Float64Array, n: number): SharedArrayBuffer {
    let size = 16;
    while (size < 2 * n) size *= 2;
    const sab = new SharedArrayBuffer(4 * size);
    const table = new Int32Array(sab);
    const mask = size - 1;
    for (let id = 0; id < n; id++) {
      let h = fnv(bytes, starts[id] as number, (starts[id + 1] as number) - 1) & mask;
      while (table[h] !== 0) h = (h + 1) & mask;
      table[h] = id + 1;
    }
    return sab;
  }

  private attachVectors(vectors: SharedArrayBuffer[], offsets: SharedArrayBuffer): void {
    this.vectors = vectors.map((b) => new Uint8Array(b));
    this.vectorOffsets = new Float64Array(offsets);
    this.vectorStarts = fileStarts(this.meta.vectorFiles);
  }

  /** Whether the postings are read from disk on demand (a memory budget smaller than the index). */
  get onDemand(): boolean {
    return this.postings === null;
  }

  /** Id of a term, or −1 if the index does not have it. */
  termId(t: string): number {
    if (this.scratch.length < 3 * t.length) this.scratch = new Uint8Array(3 * t.length + 16);
    const n = this.utf8.encodeInto(t, this.scratch).written;
    return this.probe(fnv(this.scratch, 0, n), 0, n);
  }

  /**
   * `termId` of each of many terms. The lookups go in stages, each a loop of independent reads
   * (every term's hash slot, then every slot's term bounds, then the bytes): the reads of one stage
   * miss the cache together rather than one after the other.
   */
  termIds(terms: readonly string[]): Int32Array {
    const n = terms.length;
    const ids = new Int32Array(n);
    let most = 0;
    for (let i = 0; i < n; i++) most += 3 * (terms[i] as string).length;
    if (this.scratch.length < most) this.scratch = new Uint8Array(most + 16);
    const bytes = this.scratch;
    const mask = this.hash.length - 1;
    // each term's UTF-8 bytes (from starts[i]) and home slot: ASCII written and hashed here, other
    // terms encoded by the TextEncoder, as `termId` encodes them
    const starts = new Int32Array(n + 1);
    const homes = new Int32Array(n);
    let at = 0;
    for (let i = 0; i < n; i++) {
      const t = terms[i] as string;
      starts[i] = at;
      let h = 0x811c9dc5;
      let c = 0;
      for (; c < t.length; c++) {
        const u = t.charCodeAt(c);
        if (u >= 0x80) break;
        bytes[at++] = u;
        h = Math.imul(h ^ u, 0x01000193);
      }
      if (c < t.length) {
        at = (starts[i] as number) + this.utf8.encodeInto(t, bytes.subarray(starts[i])).written;
        h = fnv(bytes, starts[i] as number, at);
      }
      homes[i] = (h >>> 0) & mask;
    }
    starts[n] = at;
    const slots = new Int32Array(n);
    for (let i = 0; i < n; i++) slots[i] = this.hash[homes[i] as number] as number;
    const from = new Float64Array(n);
    const to = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const slot = slots[i] as number;
      if (slot === 0) continue;
      from[i] = this.termStarts[slot - 1] as number;
      to[i] = this.termStarts[slot] as number;
    }
    for (let i = 0; i < n; i++) {
      const slot = slots[i] as number;
      const start = starts[i] as number;
      const length = (starts[i + 1] as number) - start;
      ids[i] =
        slot === 0
          ? -1
          : (to[i] as number) - 1 - (from[i] as number) === length && this.sameBytes(from[i] as number, start, length)
            ? slot - 1
            : this.probe((homes[i] as number) + 1, start, length);
    }
    return ids;
  }

  /** Whether the term that starts at `at` in terms.txt is the `length` bytes of scratch from `start`. */
  private sameBytes(at: number, start: number, length: number): boolean {
    const bytes = this.termBytes;
    const scratch = this.scratch;
    for (let i = 0; i < length; i++) if (bytes[at + i] !== scratch[start + i]) return false;
    return true;
  }

  /** The id of the term in scratch (`length` bytes from `start`), probing from slot h on; −1 if the index lacks it. */
  private probe(h: number, start: number, length: number): number {
    const mask = this.hash.length - 1;
    for (h &= mask; ; h = (h + 1) & mask) {
      const slot = this.hash[h] as number;
      if (slot === 0) return -1;
      const at = this.termStarts[slot - 1] as number;
      if ((this.termStarts[slot] as number) - 1 - at === length && this.sameBytes(at, start, length)) return slot - 1;
    }
  }

  /** Term statistics and where its postings are, or undefined if the term is not in the index. */
  term(t: string): TermInfo | undefined {
    const id = this.termId(t);
    return id < 0 ? undefined : this.termInfo(id);
  }

  /** A term's postings count (its `termInfo`'s df, without the object). */
  termDf(id: number): number {
    return this.dict[TERM_RECORD * id] as number;
  }

  /** A term's statistics and postings (read from disk, on demand, when `words` is first used). */
  termInfo(id: number): TermInfo {
    const r = TERM_RECORD * id;
    const d = this.dict;
    if (this.postings)
      return {
        id,
        df: d[r] as number,
        cf: d[r + 1] as number,
        words: this.postings[d[r + 2] as number] as Uint32Array,
        offset: d[r + 3] as number,
        length: d[r + 4] as number,
      };
    return new OnDemandTerm(this, id, d[r] as number, d[r + 1] as number, d[r + 4] as number);
  }

  /** A term's postings words, from the cache or read and checked (on-demand indexes). */
  termWords(id: number): Uint32Array {
    const cache = this.cache as PostingsCache;
    const hit = cache.get(id);
    if (hit) return hit;
    const r = TERM_RECORD * id;
    const d = this.dict;
    const words = (this.files as OnDemandFiles).words(d[r + 2] as number, d[r + 3] as number, d[r + 4] as number);
    checkTermPostings(this.shared.dir, postingsFile(d[r + 2] as number), this.meta, id, d[r] as number, words, 0, words.length);
    cache.put(id, words);
    return words;
  }

  /** The text of term id. */
  termText(id: number): string {
    return this.text.decode(this.termBytes.subarray(this.termStarts[id] as number, (this.termStarts[id + 1] as number) - 1));
  }

  /** The external id of internal document d. */
  docid(d: number): string {
    if (this.shared.docidsOnDisk) return (this.files as OnDemandFiles).docid(d, this.docidStarts as Float64Array);
    const from = this.docidStarts[d] as number;
    const to = (this.docidStarts[d + 1] as number) - 1;
    const b = this.docidBytes;
    let s = '';
    for (let i = from; i < to; i++) {
      const c = b[i] as number;
      if (c >= 0x80) return this.text.decode(b.subarray(from, to));
      s += String.fromCharCode(c);
    }
    return s;
  }

  /**
   * The external ids of these documents, each followed by a newline, as one string: a top-1000 run
   * needs a thousand ids, and one copy of their bytes and one decode cost a fraction of a string
   * built per id (the line starts are read first, in one pass whose cache misses overlap).
   */
  docidLines(docs: ArrayLike<number>): string {
    if (this.shared.docidsOnDisk) {
      let s = '';
      for (let i = 0; i < docs.length; i++) s += `${this.docid(docs[i] as number)}\n`;
      return s;
    }
    const n = docs.length;
    const from = new Float64Array(n);
    const to = new Float64Array(n);
    const starts = this.docidStarts;
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = docs[i] as number;
      from[i] = starts[d] as number;
      to[i] = starts[d + 1] as number;
    }
    for (let i = 0; i < n; i++) total += (to[i] as number) - (from[i] as number);
    const out = new Uint8Array(total);
    const b = this.docidBytes;
    let at = 0;
    for (let i = 0; i < n; i++) {
      const end = to[i] as number;
      for (let p = from[i] as number; p < end; p++) out[at++] = b[p] as number;
    }
    return this.text.decode(out);
  }

  /** A document's terms (ids, ascending) with their frequencies: Lucene's term vector. */
  docVector(doc: number): { term: number; tf: number }[] {
    if (!hasVectors(this.meta)) throw new NoVectorsError(this.shared.dir);
    let bytes: Uint8Array;
    let file: number;
    if (this.postings) {
      if (!this.vectors) {
        IndexReader.loadVectors(this.shared);
        this.attachVectors(this.shared.vectors as SharedArrayBuffer[], this.shared.vectorOffsets as SharedArrayBuffer);
      }
      const offsets = this.vectorOffsets as Float64Array;
      const at = offsets[doc] as number;
      file = this.vectorStarts.length - 1;
      while ((this.vectorStarts[file] as number) > at) file--;
      const base = this.vectorStarts[file] as number;
      bytes = ((this.vectors as Uint8Array[])[file] as Uint8Array).subarray(at - base, (offsets[doc + 1] as number) - base);
    } else ({ bytes, file } = (this.files as OnDemandFiles).vector(doc));
    const bad = () => damage(this.shared.dir, vectorsFile(file), `the term vector of document ${doc} is damaged`);
    const one = new Int32Array(1);
    const q = readVarints(bytes, 0, 1, one);
    const n = one[0] as number;
    // each pair takes two bytes at least
    if (q + 2 * n > bytes.length) throw bad();
    const pairs = new Int32Array(2 * n);
    if (readVarints(bytes, q, 2 * n, pairs) !== bytes.length) throw bad();
    const out: { term: number; tf: number }[] = [];
    let id = 0;
    for (let i = 0; i < n; i++) {
      id += pairs[2 * i] as number;
      if (id >= this.meta.numTerms) throw bad();
      out.push({ term: id, tf: pairs[2 * i + 1] as number });
    }
    return out;
  }
}

/** A term of an on-demand index: its postings are read when `words` is first used (RM3 and query weighting need only df). */
class OnDemandTerm implements TermInfo {
  readonly offset = 0;
  private loaded: Uint32Array | null = null;
  constructor(
    private readonly reader: IndexReader,
    readonly id: number,
    readonly df: number,
    readonly cf: number,
    readonly length: number,
  ) {}

  get words(): Uint32Array {
    this.loaded ??= this.reader.termWords(this.id);
    return this.loaded;
  }
}

const gib = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);
