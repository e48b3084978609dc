import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INDEX_FORMAT, INDEX_VERSION, type IndexMeta } from './index-format.js';
import { readU32, VarintReader } from './varint.js';

/** Reads and checks an index's meta.json (format and version) without loading the index. */
export function readIndexMeta(dir: string): IndexMeta {
  const metaPath = join(dir, 'meta.json');
  if (!existsSync(metaPath)) throw new Error(`${dir} is not a qexp index (no meta.json); build one with qexp index`);
  const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as IndexMeta;
  if (meta.format !== INDEX_FORMAT) throw new Error(`${dir}: not a qexp BM25 index (format ${meta.format})`);
  if (meta.version !== INDEX_VERSION)
    throw new Error(`${dir}: index format version ${meta.version}; this qexp reads version ${INDEX_VERSION}: rebuild it`);
  return meta;
}

/** An index opened for search: dictionary and document data in memory, postings as one buffer. */
export class IndexReader {
  readonly meta: IndexMeta;
  readonly docids: string[];
  /** One byte per document (lucene-byte4) or null with exact norms. */
  readonly normBytes: Uint8Array | null;
  /** Exact lengths with norms "exact". */
  readonly lengths: Uint32Array | null;
  private readonly termIndex: Map<string, number>;
  readonly terms: string[];
  private readonly vectors: Uint8Array;
  private readonly vectorOffsets: Float64Array;
  private readonly dict: Uint8Array;
  readonly postings: Uint8Array;

  constructor(readonly dir: string) {
    this.meta = readIndexMeta(dir);
    const ids = readFileSync(join(dir, 'docids.txt'), 'utf8');
    this.docids = ids === '' ? [] : ids.slice(0, -1).split('\n');
    const norms = readFileSync(join(dir, 'norms.bin'));
    if (this.meta.norms === 'exact') {
      this.lengths = new Uint32Array(norms.buffer.slice(norms.byteOffset, norms.byteOffset + norms.byteLength));
      this.normBytes = null;
    } else {
      this.normBytes = new Uint8Array(norms.buffer, norms.byteOffset, norms.byteLength);
      this.lengths = null;
    }
    const terms = readFileSync(join(dir, 'terms.txt'), 'utf8');
    const list = terms === '' ? [] : terms.slice(0, -1).split('\n');
    this.terms = list;
    this.termIndex = new Map(list.map((t, i) => [t, i]));
    this.vectors = readFileSync(join(dir, 'docvectors.bin'));
    const off = readFileSync(join(dir, 'docvectors.offsets'));
    this.vectorOffsets = new Float64Array(off.buffer.slice(off.byteOffset, off.byteOffset + off.byteLength));
    this.dict = readFileSync(join(dir, 'terms.bin'));
    this.postings = readFileSync(join(dir, 'postings.bin'));
  }

  /** Term statistics and where its postings are, or undefined if the term is not in the index. */
  term(t: string): { df: number; offset: number; bytes: number; cf: number } | undefined {
    const i = this.termIndex.get(t);
    if (i === undefined) return undefined;
    const p = i * 20;
    return {
      df: readU32(this.dict, p),
      offset: readU32(this.dict, p + 4) + readU32(this.dict, p + 8) * 2 ** 32,
      bytes: readU32(this.dict, p + 12),
      cf: readU32(this.dict, p + 16),
    };
  }

  /** A document's terms with their frequencies (Lucene's term vector), in term order. */
  docVector(doc: number): { term: string; tf: number }[] {
    const r = new VarintReader(this.vectors, this.vectorOffsets[doc] as number);
    const n = r.next();
    const out: { term: string; tf: number }[] = [];
    let id = 0;
    for (let i = 0; i < n; i++) {
      id += r.next();
      out.push({ term: this.terms[id] as string, tf: r.next() });
    }
    return out;
  }

  /** Internal number of an external document id (built on first use). */
  docNumber(docid: string): number | undefined {
    if (!this.byDocid) this.byDocid = new Map(this.docids.map((d, i) => [d, i]));
    return this.byDocid.get(docid);
  }
  private byDocid: Map<string, number> | undefined;
}
