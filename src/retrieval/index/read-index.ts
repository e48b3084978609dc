import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { CHECKSUMS_FILE, CHUNK, damage, type FileSum, verifyChunks } from './checksums.js';
import { INDEX_FORMAT, INDEX_VERSION, type IndexMeta, postingsFile, TERM_RECORD, vectorsFile } from './index-format.js';
import { readShared } from './shared-file.js';
import { checkTermPostings } from './validate.js';
import { readVarints } from './varint.js';

/** Reads and checks an index's meta.json (format, version, its own checksum, the files it lists) without loading the index. */
export function readIndexMeta(dir: string): IndexMeta {
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(metaPath)) {
    if (existsSync(join(dir, CHECKSUMS_FILE)) || existsSync(join(dir, 'terms.bin'))) throw damage(dir, 'meta.json', 'missing');
    throw new Error(`${dir} is not a qexp index (no meta.json); build one with qexp index`);
  }
  let parsed: (IndexMeta & { crc32?: number }) | null;
  try {
    parsed = JSON.parse(readFileSync(metaPath, 'utf8'));
  } catch (err) {
    throw damage(dir, 'meta.json', `not JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw damage(dir, 'meta.json', 'not a JSON object');
  const { crc32: crc, ...meta } = parsed;
  // indexes of earlier versions have no checksum: they are told their version below
  if (crc !== undefined && crc !== crc32(JSON.stringify(meta))) throw damage(dir, 'meta.json', 'its content does not match its checksum');
  if (meta.format !== INDEX_FORMAT) throw new Error(`${dir}: not a qexp BM25 index (format ${meta.format})`);
  if (meta.version !== INDEX_VERSION)
    throw new Error(`${dir}: index format version ${meta.version}; this qexp reads version ${INDEX_VERSION}: rebuild it with qexp index`);
  if (crc === undefined) throw damage(dir, 'meta.json', 'it has no checksum');
  return meta;
}

/** The files of an index, as meta.json lists them (checksums.bin apart), with the size each must have where the meta says it. */
function expectedFiles(meta: IndexMeta): Map<string, number | null> {
  const n = meta.docCount;
  const files = new Map<string, number | null>([
    ['docids.txt', null],
    ['docorder.bin', 4 * n],
    ['norms.bin', meta.norms === 'exact' ? 4 * n : n],
    ['terms.txt', null],
    ['terms.bin', 4 * TERM_RECORD * meta.numTerms],
    ['docvectors.offsets', 8 * (n + 1)],
  ]);
  for (let i = 0; i < meta.postingsFiles; i++) files.set(postingsFile(i), null);
  meta.vectorFiles.forEach((bytes, i) => {
    files.set(vectorsFile(i), bytes);
  });
  return files;
}

/**
 * Checks that every file of the index is there with the size meta.json records, and loads
 * checksums.bin (checked against its CRC in meta.json). Cheap: a stat per file.
 */
function openChecked(dir: string, meta: IndexMeta): Uint32Array {
  const listed = meta.checksums.files;
  const expected = expectedFiles(meta);
  for (const [name, bytes] of expected) {
    const sum = listed[name];
    if (!sum || (bytes !== null && sum.bytes !== bytes)) throw damage(dir, 'meta.json', `its record of ${name} does not fit the index`);
  }
  let chunks = 0;
  for (const [name, sum] of Object.entries(listed)) {
    if (!expected.has(name)) throw damage(dir, 'meta.json', `it lists ${name}, which is not an index file`);
    const path = join(dir, name);
    if (!existsSync(path)) throw damage(dir, name, 'missing');
    const size = statSync(path).size;
    if (size !== sum.bytes) throw damage(dir, name, `${size} bytes where the index wrote ${sum.bytes}`);
    chunks += Math.ceil(sum.bytes / CHUNK);
  }
  const path = join(dir, CHECKSUMS_FILE);
  if (!existsSync(path)) throw damage(dir, CHECKSUMS_FILE, 'missing');
  const bytes = readFileSync(path);
  if (bytes.length !== 4 * chunks) throw damage(dir, CHECKSUMS_FILE, `${bytes.length} bytes where the index wrote ${4 * chunks}`);
  if (crc32(bytes) !== meta.checksums.crc32) throw damage(dir, CHECKSUMS_FILE, 'its content does not match its checksum');
  const table = new Uint32Array(new SharedArrayBuffer(bytes.length));
  new Uint8Array(table.buffer).set(bytes);
  return table;
}

/** Byte offsets of the starts of newline-terminated lines, plus the end (u32 while the file is under 4 GiB). */
function lineStarts(dir: string, file: string, bytes: Uint8Array, lines: number): SharedArrayBuffer {
  const wide = bytes.length >= 2 ** 32;
  const sab = new SharedArrayBuffer((wide ? 8 : 4) * (lines + 1));
  const starts = wide ? new Float64Array(sab) : new Uint32Array(sab);
  let n = 0;
  starts[0] = 0;
  for (let p = bytes.indexOf(10); p >= 0 && n < lines; p = bytes.indexOf(10, p + 1)) starts[++n] = p + 1;
  if (n !== lines || starts[n] !== bytes.length) throw damage(dir, file, `${n} lines where the index has ${lines}`);
  return sab;
}

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
/** With the document ids on disk, where every DOCID_BLOCK-th line starts is kept. */
const DOCID_BLOCK = 64;

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
  const vectorBytes = vectors ? meta.vectorFiles.reduce((a, b) => a + b, 0) + size('docvectors.offsets') : 0;
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
    const mask = this.hash.length - 1;
    const bytes = this.termBytes;
    for (let h = fnv(this.scratch, 0, n) & mask; ; h = (h + 1) & mask) {
      const slot = this.hash[h] as number;
      if (slot === 0) return -1;
      const start = this.termStarts[slot - 1] as number;
      if ((this.termStarts[slot] as number) - 1 - start !== n) continue;
      let same = true;
      for (let i = 0; i < n; i++) {
        if (bytes[start + i] !== this.scratch[i]) {
          same = false;
          break;
        }
      }
      if (same) return slot - 1;
    }
  }

  /** Term statistics and where its postings are, or undefined if the term is not in the index. */
  term(t: string): TermInfo | undefined {
    const id = this.termId(t);
    return id < 0 ? undefined : this.termInfo(id);
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

  /** A document's terms (ids, ascending) with their frequencies: Lucene's term vector. */
  docVector(doc: number): { term: number; tf: number }[] {
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

/** Terms' postings read on demand, least recently used dropped first past `capacity` bytes. */
class PostingsCache {
  private readonly map = new Map<number, Uint32Array>();
  private bytes = 0;
  constructor(private readonly capacity: number) {}

  get(id: number): Uint32Array | undefined {
    const words = this.map.get(id);
    if (words) {
      this.map.delete(id);
      this.map.set(id, words);
    }
    return words;
  }

  put(id: number, words: Uint32Array): void {
    const size = words.buffer.byteLength;
    if (size > this.capacity) return;
    this.map.set(id, words);
    this.bytes += size;
    for (const [old, w] of this.map) {
      if (this.bytes <= this.capacity) break;
      this.map.delete(old);
      this.bytes -= w.buffer.byteLength;
    }
  }
}

const fileStarts = (sizes: number[]): number[] => {
  let at = 0;
  return sizes.map((n) => {
    const s = at;
    at += n;
    return s;
  });
};

/** An index's big files, read a few chunks at a time and checked against the chunks' checksums. */
class OnDemandFiles {
  private readonly fds = new Map<string, number>();
  private readonly vectorStarts: number[];

  constructor(
    private readonly dir: string,
    private readonly meta: IndexMeta,
    private readonly table: Uint32Array,
  ) {
    this.vectorStarts = fileStarts(meta.vectorFiles);
  }

  /** Bytes [from, to) of a file, read whole chunks at a time and checked; a view of an aligned buffer. */
  private read(name: string, from: number, to: number): Uint8Array {
    const sum = this.meta.checksums.files[name] as FileSum;
    const start = from - (from % CHUNK);
    const end = Math.min(sum.bytes, Math.ceil(to / CHUNK) * CHUNK);
    let fd = this.fds.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.dir, name), 'r');
      this.fds.set(name, fd);
    }
    const buf = new Uint8Array(end - start);
    for (let at = 0; at < buf.length; ) {
      const n = readSync(fd, buf, at, buf.length - at, start + at);
      if (n <= 0) throw damage(this.dir, name, `it ends before byte ${start + at}`);
      at += n;
    }
    verifyChunks(this.dir, name, sum, this.table, buf, start);
    return buf.subarray(from - start, to - start);
  }

  /** The words [offset, offset + length) of postings file `file`, in a buffer of their own. */
  words(file: number, offset: number, length: number): Uint32Array {
    const b = this.read(postingsFile(file), 4 * offset, 4 * (offset + length));
    // a small term's chunks would hold many times its bytes in the cache
    if (b.buffer.byteLength > 2 * b.length) return new Uint32Array(b.slice().buffer);
    return new Uint32Array(b.buffer, b.byteOffset, length);
  }

  /** Blocks of document ids read lately, least recently used first out. */
  private readonly docidCache = new Map<number, string[]>();

  /** Document d's external id, from its block of DOCID_BLOCK lines (`blocks`: where each starts). */
  docid(d: number, blocks: Float64Array): string {
    const b = Math.floor(d / DOCID_BLOCK);
    let ids = this.docidCache.get(b);
    if (ids) this.docidCache.delete(b);
    else {
      const text = this.text.decode(this.read('docids.txt', blocks[b] as number, blocks[b + 1] as number));
      ids = text.split('\n');
      if (this.docidCache.size >= 4096) this.docidCache.delete(this.docidCache.keys().next().value as number);
    }
    this.docidCache.set(b, ids);
    return ids[d - b * DOCID_BLOCK] as string;
  }

  private readonly text = new TextDecoder();

  /** Document doc's term vector: its bytes, and its file. */
  vector(doc: number): { bytes: Uint8Array; file: number } {
    const o = this.read('docvectors.offsets', 8 * doc, 8 * (doc + 2));
    const pair = new Float64Array(o.buffer, o.byteOffset, 2);
    const [from, to] = [pair[0] as number, pair[1] as number];
    let file = this.vectorStarts.length - 1;
    while ((this.vectorStarts[file] as number) > from) file--;
    const base = this.vectorStarts[file] as number;
    if (!(from <= to && to - base <= (this.meta.vectorFiles[file] as number)))
      throw damage(this.dir, 'docvectors.offsets', `document ${doc}'s term vector is out of its file`);
    return { bytes: this.read(vectorsFile(file), from - base, to - base), file };
  }
}

/**
 * Where every DOCID_BLOCK-th line of docids.txt starts, plus the file's end (f64): read a chunk at
 * a time, checked against the checksums, never held whole.
 */
function docidBlocks(dir: string, meta: IndexMeta, table: Uint32Array): SharedArrayBuffer {
  const sum = meta.checksums.files['docids.txt'] as FileSum;
  const blocks = Math.ceil(meta.docCount / DOCID_BLOCK);
  const sab = new SharedArrayBuffer(8 * (blocks + 1));
  const starts = new Float64Array(sab);
  const buf = new Uint8Array(1 << 24);
  const fd = openSync(join(dir, 'docids.txt'), 'r');
  let lines = 0;
  try {
    for (let at = 0; at < sum.bytes; ) {
      const want = Math.min(buf.length, sum.bytes - at);
      for (let got = 0; got < want; ) {
        const n = readSync(fd, buf, got, want - got, at + got);
        if (n <= 0) throw damage(dir, 'docids.txt', `it ends before byte ${at + got}`);
        got += n;
      }
      const chunk = buf.subarray(0, want);
      verifyChunks(dir, 'docids.txt', sum, table, chunk, at);
      for (let p = chunk.indexOf(10); p >= 0; p = chunk.indexOf(10, p + 1)) {
        lines++;
        if (lines % DOCID_BLOCK === 0 && lines <= meta.docCount) starts[lines / DOCID_BLOCK] = at + p + 1;
      }
      at += want;
    }
  } finally {
    closeSync(fd);
  }
  // (newlines counted: a last line without one is missing)
  if (lines !== meta.docCount) throw damage(dir, 'docids.txt', `${lines} lines where the index has ${meta.docCount}`);
  starts[blocks] = sum.bytes;
  return sab;
}

const gib = (bytes: number) => (bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(2)} GiB` : `${(bytes / 2 ** 20).toFixed(1)} MiB`);

/** docorder.bin must rank every document once. */
function checkPermutation(dir: string, order: Uint32Array): void {
  const seen = new Uint32Array(Math.ceil(order.length / 32));
  for (let d = 0; d < order.length; d++) {
    const r = order[d] as number;
    const bit = 1 << (r & 31);
    if (r >= order.length || (seen[r >>> 5] as number) & bit) throw damage(dir, 'docorder.bin', `document ${d} has rank ${r}`);
    seen[r >>> 5] = (seen[r >>> 5] as number) | bit;
  }
}

/** terms.bin: every term's postings within its file, one after another. */
function checkDictionary(dir: string, meta: IndexMeta, dict: Uint32Array): void {
  const files = meta.checksums.files;
  let file = 0;
  let end = 0;
  for (let id = 0; id < meta.numTerms; id++) {
    const r = TERM_RECORD * id;
    const df = dict[r] as number;
    const f = dict[r + 2] as number;
    const offset = dict[r + 3] as number;
    const length = dict[r + 4] as number;
    if (f !== file) {
      file = f;
      end = 0;
    }
    const words = file < meta.postingsFiles ? (files[postingsFile(file)] as FileSum).bytes / 4 : -1;
    if (!(df >= 1 && df <= meta.docCount && (dict[r + 1] as number) >= df && offset === end && offset + length <= words))
      throw damage(dir, 'terms.bin', `the record of term ${id} does not fit the postings files`);
    end = offset + length;
  }
}

/** Every term's postings, walked block header by block header (the blocks' contents are covered by the checksums). */
function checkAllPostings(dir: string, meta: IndexMeta, dict: Uint32Array, postings: SharedArrayBuffer[]): void {
  const words = postings.map((b) => new Uint32Array(b));
  for (let id = 0; id < meta.numTerms; id++) {
    const r = TERM_RECORD * id;
    const f = dict[r + 2] as number;
    checkTermPostings(
      dir,
      postingsFile(f),
      meta,
      id,
      dict[r] as number,
      words[f] as Uint32Array,
      dict[r + 3] as number,
      dict[r + 4] as number,
    );
  }
}

/** docvectors.offsets: ascending, from 0 to the vectors' total size, each vector within one file. */
function checkVectorOffsets(dir: string, offsets: Float64Array, sizes: number[]): void {
  const total = sizes.reduce((a, b) => a + b, 0);
  if (offsets[0] !== 0 || offsets[offsets.length - 1] !== total) throw damage(dir, 'docvectors.offsets', 'it does not span the vectors');
  for (let d = 1; d < offsets.length; d++)
    if (!((offsets[d] as number) >= (offsets[d - 1] as number)))
      throw damage(dir, 'docvectors.offsets', `document ${d - 1}'s vector ends before it starts`);
}

/**
 * Checks a whole index without holding it in memory: every file's size and checksums (read a
 * chunk at a time), then its structure (terms, document ids and ranks, the dictionary, every
 * term's block headers, the term vectors' offsets), one file in memory at a time.
 */
export function verifyIndex(dir: string): { files: number; bytes: number } {
  const meta = readIndexMeta(dir);
  const table = openChecked(dir, meta);
  const files = meta.checksums.files;
  let bytes = 0;
  const buf = new Uint8Array(1 << 24);
  for (const [name, sum] of Object.entries(files)) {
    const fd = openSync(join(dir, name), 'r');
    try {
      // whole chunks at a time: the buffer holds a whole number of them
      for (let at = 0; at < sum.bytes; ) {
        const want = Math.min(buf.length, sum.bytes - at);
        for (let got = 0; got < want; ) {
          const n = readSync(fd, buf, got, want - got, at + got);
          if (n <= 0) throw damage(dir, name, `it ends before byte ${at + got}`);
          got += n;
        }
        verifyChunks(dir, name, sum, table, buf.subarray(0, want), at);
        at += want;
      }
    } finally {
      closeSync(fd);
    }
    bytes += sum.bytes;
  }
  const load = (name: string) => readShared(join(dir, name));
  lineStarts(dir, 'terms.txt', new Uint8Array(load('terms.txt')), meta.numTerms);
  lineStarts(dir, 'docids.txt', new Uint8Array(load('docids.txt')), meta.docCount);
  checkPermutation(dir, new Uint32Array(load('docorder.bin')));
  const dict = new Uint32Array(load('terms.bin'));
  checkDictionary(dir, meta, dict);
  for (let f = 0; f < meta.postingsFiles; f++) {
    const words = new Uint32Array(load(postingsFile(f)));
    for (let id = 0; id < meta.numTerms; id++) {
      const r = TERM_RECORD * id;
      if (dict[r + 2] === f)
        checkTermPostings(dir, postingsFile(f), meta, id, dict[r] as number, words, dict[r + 3] as number, dict[r + 4] as number);
    }
  }
  checkVectorOffsets(dir, new Float64Array(load('docvectors.offsets')), meta.vectorFiles);
  return { files: Object.keys(files).length + 2, bytes: bytes + table.byteLength };
}
