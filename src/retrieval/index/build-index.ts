import { createWriteStream, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Doc } from '../../data/corpus.js';
import type { Analyzer } from '../analysis/analyzers.js';
import { analyzeDocs } from './analyze-docs.js';
import { FileByteWriter } from './file-writer.js';
import { BLOCK_SIZE, INDEX_FORMAT, INDEX_VERSION, type IndexMeta } from './index-format.js';
import { intToByte4 } from './small-float.js';
import { ByteWriter, VarintReader } from './varint.js';

export interface BuildOptions {
  norms?: 'lucene-byte4' | 'exact';
  onProgress?: (docs: number) => void;
  /** Analysis threads (default: number of CPUs). */
  threads?: number;
  /** Postings held in memory before a sorted run is spilled to disk (default 40 million). */
  memoryPostings?: number;
}

const utf8 = new TextEncoder();

/** Writes a run sorted by term: per term its bytes, df, doc gaps, tfs. */
function writeRun(path: string, used: number[], strings: string[], docs: number[][], tfs: number[][]): void {
  const w = new FileByteWriter(path);
  const buf = new ByteWriter();
  used.sort((a, b) => {
    const x = strings[a] as string;
    const y = strings[b] as string;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  for (const id of used) {
    const bytes = utf8.encode(strings[id] as string);
    buf.varint(bytes.length);
    for (const b of bytes) buf.u8(b);
    const d = docs[id] as number[];
    buf.varint(d.length);
    let prev = -1;
    for (const x of d) {
      buf.varint(x - prev);
      prev = x;
    }
    for (const n of tfs[id] as number[]) buf.varint(n);
    if (buf.length > 1 << 22) {
      w.write(buf.bytes());
      buf.length = 0;
    }
  }
  w.write(buf.bytes());
  w.close();
}

/** One run being merged: the current term and its postings. */
class RunCursor {
  private readonly r: VarintReader;
  term = '';
  docs: number[] = [];
  tfs: number[] = [];
  constructor(path: string) {
    this.r = new VarintReader(readFileSync(path));
  }
  advance(): boolean {
    if (this.r.done) return false;
    this.term = this.r.string();
    const df = this.r.next();
    this.docs = new Array(df);
    this.tfs = new Array(df);
    let doc = -1;
    for (let i = 0; i < df; i++) this.docs[i] = doc += this.r.next();
    for (let i = 0; i < df; i++) this.tfs[i] = this.r.next();
    return true;
  }
}

/**
 * Builds an index in format v1 into `out` (through a temporary folder and a rename), with bounded
 * memory: documents are analyzed on worker threads; postings accumulate until `memoryPostings`,
 * then a sorted run is spilled to disk; at the end the runs are merged term by term (runs cover
 * increasing document ranges, so a term's postings are the concatenation of its runs'). Document
 * length = the number of tokens the analyzer emits. The result is byte-identical whatever the
 * number of runs or threads.
 */
export async function buildIndex(docs: AsyncIterable<Doc>, analyzer: Analyzer, out: string, opts: BuildOptions = {}): Promise<IndexMeta> {
  const norms = opts.norms ?? 'lucene-byte4';
  const budget = opts.memoryPostings ?? 40_000_000;
  const tmp = `${out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });

  const idsOut = createWriteStream(join(tmp, 'docids.txt'));
  const vectorsTmp = new FileByteWriter(join(tmp, 'docvectors.tmp'));
  const seen = new Set<string>();
  let lengths = new Uint32Array(1 << 16);
  let nDocs = 0;
  let sumTotalTermFreq = 0;
  let docsWithTerms = 0;
  // provisional term ids in order of first sight; final ids (sorted terms) are known after the merge
  const provisional = new Map<string, number>();
  const strings: string[] = [];
  let runDocs: number[][] = [];
  let runTfs: number[][] = [];
  let used: number[] = [];
  let held = 0;
  const runs: string[] = [];
  const spill = () => {
    const path = join(tmp, `run-${runs.length}.bin`);
    writeRun(path, used, strings, runDocs, runTfs);
    runs.push(path);
    runDocs = [];
    runTfs = [];
    used = [];
    held = 0;
  };

  const vec = new ByteWriter();
  for await (const doc of analyzeDocs(docs, analyzer, opts.threads ?? availableParallelism())) {
    if (seen.has(doc.id)) throw new Error(`document id ${doc.id} appears twice in the corpus`);
    seen.add(doc.id);
    const docno = nDocs++;
    if (!idsOut.write(`${doc.id}\n`)) await new Promise<void>((r) => idsOut.once('drain', () => r()));
    if (docno >= lengths.length) {
      const grown = new Uint32Array(lengths.length * 2);
      grown.set(lengths);
      lengths = grown;
    }
    lengths[docno] = doc.length;
    sumTotalTermFreq += doc.length;
    if (doc.length > 0) docsWithTerms++;
    // document vector, with provisional term ids until the final ones are known
    vec.varint(doc.terms.length);
    for (let i = 0; i < doc.terms.length; i++) {
      const t = doc.terms[i] as string;
      let id = provisional.get(t);
      if (id === undefined) {
        id = strings.length;
        provisional.set(t, id);
        strings.push(t);
      }
      let d = runDocs[id];
      if (!d) {
        d = runDocs[id] = [];
        runTfs[id] = [];
        used.push(id);
      }
      const tf = doc.tfs[i] as number;
      d.push(docno);
      (runTfs[id] as number[]).push(tf);
      vec.varint(id);
      vec.varint(tf);
    }
    held += doc.terms.length;
    if (vec.length > 1 << 22) {
      vectorsTmp.write(vec.bytes());
      vec.length = 0;
    }
    if (held >= budget) spill();
    if (docno % 10_000 === 0) opts.onProgress?.(docno);
  }
  vectorsTmp.write(vec.bytes());
  vectorsTmp.close();
  await new Promise<void>((r) => idsOut.end(r));
  opts.onProgress?.(nDocs);
  if (held > 0 || runs.length === 0) spill();

  // merge the runs into the term dictionary and the postings
  const lens = lengths.subarray(0, nDocs);
  const normBytes = norms === 'exact' ? new Uint8Array(Uint32Array.from(lens).buffer) : Uint8Array.from(lens, intToByte4);
  const post = new FileByteWriter(join(tmp, 'postings.bin'));
  const dict = new ByteWriter();
  const termsOut = new FileByteWriter(join(tmp, 'terms.txt'));
  const termId = new Map<string, number>();
  const cursors = runs.map((p) => new RunCursor(p)).filter((c) => c.advance());
  const block = new ByteWriter();
  const header = new ByteWriter();
  while (cursors.length > 0) {
    let term = (cursors[0] as RunCursor).term;
    for (const c of cursors) if (c.term < term) term = c.term;
    const docsOf: number[] = [];
    const tfsOf: number[] = [];
    for (let i = 0; i < cursors.length; i++) {
      const c = cursors[i] as RunCursor;
      if (c.term !== term) continue;
      for (let j = 0; j < c.docs.length; j++) {
        docsOf.push(c.docs[j] as number);
        tfsOf.push(c.tfs[j] as number);
      }
      if (!c.advance()) cursors.splice(i--, 1);
    }
    termId.set(term, termId.size);
    termsOut.write(utf8.encode(`${term}\n`));
    const start = post.length;
    let cf = 0;
    let prev = -1;
    for (let i = 0; i < docsOf.length; i += BLOCK_SIZE) {
      const end = Math.min(i + BLOCK_SIZE, docsOf.length);
      let maxTf = 0;
      let minNorm = Number.POSITIVE_INFINITY;
      for (let j = i; j < end; j++) {
        const d = docsOf[j] as number;
        maxTf = Math.max(maxTf, tfsOf[j] as number);
        minNorm = Math.min(minNorm, norms === 'exact' ? (lens[d] as number) : (normBytes[d] as number));
      }
      block.length = 0;
      for (let j = i; j < end; j++) {
        const d = docsOf[j] as number;
        block.varint(d - prev);
        prev = d;
      }
      for (let j = i; j < end; j++) {
        block.varint(tfsOf[j] as number);
        cf += tfsOf[j] as number;
      }
      header.length = 0;
      header.u8(end - i);
      header.u32(docsOf[end - 1] as number);
      header.u32(maxTf);
      if (norms === 'exact') header.u32(minNorm);
      else header.u8(minNorm);
      header.u32(block.length); // byte length of the block body: lets a cursor skip it undecoded
      post.write(header.bytes());
      post.write(block.bytes());
    }
    dict.u32(docsOf.length);
    dict.u32(start % 2 ** 32);
    dict.u32(Math.floor(start / 2 ** 32));
    dict.u32(post.length - start);
    dict.u32(cf);
  }
  post.close();
  termsOut.close();
  for (const r of runs) await rm(r, { force: true });

  // document vectors with final term ids, sorted by id
  const remap = Int32Array.from(strings, (t) => termId.get(t) as number);
  const vecIn = new VarintReader(readFileSync(join(tmp, 'docvectors.tmp')));
  const vecOut = new FileByteWriter(join(tmp, 'docvectors.bin'));
  const offsets = new Float64Array(nDocs + 1);
  const w = new ByteWriter();
  for (let d = 0; d < nDocs; d++) {
    offsets[d] = vecOut.length + w.length;
    const n = vecIn.next();
    const pairs: [number, number][] = [];
    for (let i = 0; i < n; i++) {
      const id = remap[vecIn.next()] as number;
      pairs.push([id, vecIn.next()]);
    }
    pairs.sort((a, b) => a[0] - b[0]);
    w.varint(pairs.length);
    let prevId = 0;
    for (const [id, tf] of pairs) {
      w.varint(id - prevId);
      w.varint(tf);
      prevId = id;
    }
    if (w.length > 1 << 22) {
      vecOut.write(w.bytes());
      w.length = 0;
    }
  }
  vecOut.write(w.bytes());
  offsets[nDocs] = vecOut.length;
  vecOut.close();
  await rm(join(tmp, 'docvectors.tmp'), { force: true });

  const meta: IndexMeta = {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    analyzer: { name: analyzer.name, params: analyzer.params },
    docCount: nDocs,
    docsWithTerms,
    sumTotalTermFreq,
    norms,
    numTerms: termId.size,
    blockSize: BLOCK_SIZE,
  };
  await writeFile(join(tmp, 'norms.bin'), normBytes);
  await writeFile(join(tmp, 'terms.bin'), dict.bytes());
  await writeFile(join(tmp, 'docvectors.offsets'), new Uint8Array(offsets.buffer));
  await writeFile(join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  await rm(out, { recursive: true, force: true });
  await rename(tmp, out);
  return meta;
}
