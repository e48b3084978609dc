import { existsSync, readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { INDEX_FORMAT, INDEX_VERSION, type IndexMeta, postingsFile, TERM_RECORD, vectorsFile } from './index-format.js';
import { readShared } from './shared-file.js';
import { readVarints } from './varint.js';

/** Reads and checks an index's meta.json (format and version) without loading the index. */
export function readIndexMeta(dir: string): IndexMeta {
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(metaPath)) throw new Error(`${dir} is not a qexp index (no meta.json); build one with qexp index`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as IndexMeta;
  if (meta.format !== INDEX_FORMAT) throw new Error(`${dir}: not a qexp BM25 index (format ${meta.format})`);
  if (meta.version !== INDEX_VERSION)
    throw new Error(`${dir}: index format version ${meta.version}; this qexp reads version ${INDEX_VERSION}: rebuild it with qexp index`);
  return meta;
}

/** Byte offsets of the starts of newline-terminated lines, plus the end. */
function lineStarts(bytes: Uint8Array, lines: number): SharedArrayBuffer {
  const sab = new SharedArrayBuffer(8 * (lines + 1));
  const starts = new Float64Array(sab);
  let n = 0;
  starts[0] = 0;
  for (let p = bytes.indexOf(10); p >= 0 && n < lines; p = bytes.indexOf(10, p + 1)) starts[++n] = p + 1;
  if (n !== lines) throw new Error(`expected ${lines} lines, found ${n}: the index is damaged; rebuild it`);
  return sab;
}

const fnv = (bytes: Uint8Array, from: number, to: number): number => {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
};

/** Everything a search thread needs, in shared memory: built once by `IndexReader.open`, handed to threads. */
export interface SharedIndex {
  dir: string;
  meta: IndexMeta;
  norms: SharedArrayBuffer;
  docOrder: SharedArrayBuffer;
  docids: SharedArrayBuffer;
  docidStarts: SharedArrayBuffer;
  terms: SharedArrayBuffer;
  termStarts: SharedArrayBuffer;
  termHash: SharedArrayBuffer;
  dict: SharedArrayBuffer;
  postings: SharedArrayBuffer[];
  vectors: SharedArrayBuffer[] | null;
  vectorOffsets: SharedArrayBuffer | null;
}

export interface TermInfo {
  id: number;
  df: number;
  cf: number;
  /** The postings file's words, and the term's first word and length in words. */
  words: Uint32Array;
  offset: number;
  length: number;
}

/** An index opened for search: every file in shared memory, term lookup through a hash table. */
export class IndexReader {
  readonly meta: IndexMeta;
  /** One byte per document (lucene-byte4), or null with exact norms. */
  readonly normBytes: Uint8Array | null;
  /** Exact lengths with norms "exact". */
  readonly lengths: Uint32Array | null;
  /** Rank of each document's external id in ascending order: ties in score go to the lower rank. */
  readonly docOrder: Uint32Array;
  readonly postings: Uint32Array[];
  private readonly dict: Uint32Array;
  private readonly termBytes: Uint8Array;
  private readonly termStarts: Float64Array;
  private readonly hash: Int32Array;
  private readonly docidBytes: Uint8Array;
  private readonly docidStarts: Float64Array;
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
    this.postings = s.postings.map((b) => new Uint32Array(b));
    this.dict = new Uint32Array(s.dict);
    this.termBytes = new Uint8Array(s.terms);
    this.termStarts = new Float64Array(s.termStarts);
    this.hash = new Int32Array(s.termHash);
    this.docidBytes = new Uint8Array(s.docids);
    this.docidStarts = new Float64Array(s.docidStarts);
    if (s.vectors && s.vectorOffsets) this.attachVectors(s.vectors, s.vectorOffsets);
  }

  /** The shared buffers behind this reader, to open the same index in other threads. */
  readonly shared: SharedIndex;

  /** Reads an index folder into shared memory (with the term vectors if asked). */
  static load(dir: string, vectors: boolean): SharedIndex {
    if (endianness() !== 'LE') throw new Error('qexp indexes are little-endian: this machine is big-endian');
    const meta = readIndexMeta(dir);
    const terms = readShared(join(dir, 'terms.txt'));
    const termStarts = lineStarts(new Uint8Array(terms), meta.numTerms);
    const docids = readShared(join(dir, 'docids.txt'));
    const shared: SharedIndex = {
      dir,
      meta,
      norms: readShared(join(dir, 'norms.bin')),
      docOrder: readShared(join(dir, 'docorder.bin')),
      docids,
      docidStarts: lineStarts(new Uint8Array(docids), meta.docCount),
      terms,
      termStarts,
      termHash: IndexReader.hashTerms(new Uint8Array(terms), new Float64Array(termStarts), meta.numTerms),
      dict: readShared(join(dir, 'terms.bin')),
      postings: Array.from({ length: meta.postingsFiles }, (_, i) => readShared(join(dir, postingsFile(i)))),
      vectors: null,
      vectorOffsets: null,
    };
    if (vectors) IndexReader.loadVectors(shared);
    return shared;
  }

  private static loadVectors(s: SharedIndex): void {
    s.vectors = s.meta.vectorFiles.map((_, i) => readShared(join(s.dir, vectorsFile(i))));
    s.vectorOffsets = readShared(join(s.dir, 'docvectors.offsets'));
  }

  /** Open addressing over the terms' UTF-8 bytes: slot = term id + 1, 0 when empty. */
  private static hashTerms(bytes: Uint8Array, starts: Float64Array, n: number): SharedArrayBuffer {
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
    let at = 0;
    this.vectorStarts = this.meta.vectorFiles.map((n) => {
      const s = at;
      at += n;
      return s;
    });
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

  termInfo(id: number): TermInfo {
    const r = TERM_RECORD * id;
    const d = this.dict;
    return {
      id,
      df: d[r] as number,
      cf: d[r + 1] as number,
      words: this.postings[d[r + 2] as number] as Uint32Array,
      offset: d[r + 3] as number,
      length: d[r + 4] as number,
    };
  }

  /** The text of term id. */
  termText(id: number): string {
    return this.text.decode(this.termBytes.subarray(this.termStarts[id] as number, (this.termStarts[id + 1] as number) - 1));
  }

  /** The external id of internal document d. */
  docid(d: number): string {
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
    if (!this.vectors) {
      IndexReader.loadVectors(this.shared);
      this.attachVectors(this.shared.vectors as SharedArrayBuffer[], this.shared.vectorOffsets as SharedArrayBuffer);
    }
    const at = (this.vectorOffsets as Float64Array)[doc] as number;
    let f = this.vectorStarts.length - 1;
    while ((this.vectorStarts[f] as number) > at) f--;
    const b = (this.vectors as Uint8Array[])[f] as Uint8Array;
    const p = at - (this.vectorStarts[f] as number);
    const one = new Int32Array(1);
    const q = readVarints(b, p, 1, one);
    const n = one[0] as number;
    const pairs = new Int32Array(2 * n);
    readVarints(b, q, 2 * n, pairs);
    const out: { term: number; tf: number }[] = [];
    let id = 0;
    for (let i = 0; i < n; i++) {
      id += pairs[2 * i] as number;
      out.push({ term: id, tf: pairs[2 * i + 1] as number });
    }
    return out;
  }
}
