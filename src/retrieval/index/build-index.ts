import { createWriteStream, existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Doc } from '../../data/corpus.js';
import type { Analyzer } from '../analysis/analyzers.js';
import { FileByteWriter } from './file-writer.js';
import { BLOCK_SIZE, INDEX_FORMAT, INDEX_VERSION, type IndexMeta } from './index-format.js';
import { Inverter, type InverterOutput } from './inverter.js';
import { intToByte4 } from './small-float.js';
import { ByteWriter, VarintReader } from './varint.js';

export interface BuildOptions {
  norms?: 'lucene-byte4' | 'exact';
  onProgress?: (docs: number) => void;
  /** Indexing threads (default: number of CPUs). */
  threads?: number;
  /** Postings held in memory (over all threads) before sorted runs are spilled to disk (default 40 million). */
  memoryPostings?: number;
}

const BATCH = 1000;

/** One run being merged: the current term (string and UTF-8 bytes), its local id, and its postings in reused buffers. */
class RunCursor {
  private readonly r: VarintReader;
  private static readonly decoder = new TextDecoder();
  term = '';
  bytes: Uint8Array = new Uint8Array(0);
  localId = 0;
  df = 0;
  docs = new Int32Array(1024);
  tfs = new Int32Array(1024);
  constructor(
    path: string,
    readonly thread: number,
  ) {
    this.r = new VarintReader(readFileSync(path));
  }
  advance(): boolean {
    const r = this.r;
    if (r.done) return false;
    const n = r.next();
    this.bytes = r.b.subarray(r.p, r.p + n);
    this.term = RunCursor.decoder.decode(this.bytes);
    r.p += n;
    this.localId = r.next();
    const df = (this.df = r.next());
    if (df > this.docs.length) {
      let size = this.docs.length;
      while (size < df) size *= 2;
      this.docs = new Int32Array(size);
      this.tfs = new Int32Array(size);
    }
    let doc = -1;
    for (let i = 0; i < df; i++) this.docs[i] = doc += r.next();
    for (let i = 0; i < df; i++) this.tfs[i] = r.next();
    return true;
  }
}

/** Where batches go: worker threads that analyze and invert, or the same work inline. */
interface Indexers {
  send(id: number, first: number, texts: string[]): Promise<Int32Array>;
  finish(): Promise<InverterOutput[]>;
  count: number;
}

function inlineIndexer(analyzer: Analyzer, dir: string, budget: number): Indexers {
  const inv = new Inverter(dir, 't0', budget);
  return {
    count: 1,
    async send(_id, first, texts) {
      const lengths = new Int32Array(texts.length);
      texts.forEach((text, i) => {
        const tokens = analyzer.analyze(text);
        const tf = new Map<string, number>();
        for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
        lengths[i] = tokens.length;
        inv.add(first + i, [...tf.keys()], [...tf.values()]);
      });
      return lengths;
    },
    async finish() {
      return [inv.finish()];
    },
  };
}

function workerIndexers(url: URL, analyzer: Analyzer, dir: string, threads: number, budget: number): Indexers {
  const pending = new Map<number, { resolve: (l: Int32Array) => void; reject: (e: Error) => void }>();
  const done: Promise<InverterOutput>[] = [];
  const workers = Array.from({ length: threads }, (_, i) => {
    const w = new Worker(url, { workerData: { analyzer: analyzer.name, dir, prefix: `t${i}`, budget: Math.ceil(budget / threads) } });
    done.push(
      new Promise<InverterOutput>((resolve, reject) => {
        w.on('message', (m: { id: number; lengths: Int32Array } | { done: InverterOutput }) => {
          if ('done' in m) resolve(m.done);
          else {
            pending.get(m.id)?.resolve(m.lengths);
            pending.delete(m.id);
          }
        });
        w.on('error', (err) => {
          for (const p of pending.values()) p.reject(err);
          reject(err);
        });
      }),
    );
    return w;
  });
  return {
    count: threads,
    send(id, first, texts) {
      const p = new Promise<Int32Array>((resolve, reject) => pending.set(id, { resolve, reject }));
      (workers[id % threads] as Worker).postMessage({ id, first, texts });
      return p;
    },
    async finish() {
      for (const w of workers) w.postMessage(null);
      return Promise.all(done);
    },
  };
}

/**
 * Builds an index in format v1 into `out` (through a temporary folder and a rename) with bounded
 * memory. Batches of documents go round-robin to indexing threads; each analyzes and inverts its
 * documents with its own dictionary and spills sorted runs when its share of `memoryPostings` is
 * held. At the end the runs are merged term by term, and the threads' term vectors are
 * interleaved back into document order with the final term ids. Document length = the number of
 * tokens the analyzer emits. The files are byte-identical whatever the number of runs or threads.
 */
export async function buildIndex(docs: AsyncIterable<Doc>, analyzer: Analyzer, out: string, opts: BuildOptions = {}): Promise<IndexMeta> {
  const norms = opts.norms ?? 'lucene-byte4';
  const budget = opts.memoryPostings ?? 40_000_000;
  const tmp = `${out}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });

  const threads = opts.threads ?? availableParallelism();
  const url = new URL('./analysis-worker.js', import.meta.url);
  const indexers =
    threads > 1 && existsSync(fileURLToPath(url))
      ? workerIndexers(url, analyzer, tmp, threads, budget)
      : inlineIndexer(analyzer, tmp, budget);

  const idsOut = createWriteStream(join(tmp, 'docids.txt'));
  const seen = new Set<string>();
  let lengths = new Uint32Array(1 << 16);
  const batchSizes: number[] = [];
  let nDocs = 0;
  const inFlight: { first: number; result: Promise<Int32Array> }[] = [];
  const settle = async () => {
    const head = inFlight.shift() as (typeof inFlight)[number];
    const l = await head.result;
    lengths.set(l, head.first);
  };
  let texts: string[] = [];
  const send = () => {
    const first = nDocs - texts.length;
    while (lengths.length < nDocs) {
      const grown = new Uint32Array(lengths.length * 2);
      grown.set(lengths);
      lengths = grown;
    }
    inFlight.push({ first, result: indexers.send(batchSizes.length, first, texts) });
    batchSizes.push(texts.length);
    texts = [];
  };
  for await (const doc of docs) {
    if (seen.has(doc.id)) throw new Error(`document id ${doc.id} appears twice in the corpus`);
    seen.add(doc.id);
    nDocs++;
    if (!idsOut.write(`${doc.id}\n`)) await new Promise<void>((r) => idsOut.once('drain', () => r()));
    texts.push(doc.text);
    if (texts.length < BATCH) continue;
    send();
    while (inFlight.length >= 2 * indexers.count) await settle();
    opts.onProgress?.(nDocs);
  }
  if (texts.length) send();
  while (inFlight.length) await settle();
  await new Promise<void>((r) => idsOut.end(r));
  opts.onProgress?.(nDocs);
  const outputs = await indexers.finish();

  const lens = lengths.subarray(0, nDocs);
  let sumTotalTermFreq = 0;
  let docsWithTerms = 0;
  for (const l of lens) {
    sumTotalTermFreq += l;
    if (l > 0) docsWithTerms++;
  }
  const normBytes = norms === 'exact' ? new Uint8Array(Uint32Array.from(lens).buffer) : Uint8Array.from(lens, intToByte4);

  // merge every thread's runs into the term dictionary and the postings
  const post = new FileByteWriter(join(tmp, 'postings.bin'));
  const dict = new ByteWriter();
  const termsOut = new FileByteWriter(join(tmp, 'terms.txt'));
  // local term id → final term id, per thread (the vectors are written with local ids)
  const remaps = outputs.map((o) => new Int32Array(o.terms));
  let numTerms = 0;
  const cursors = outputs.flatMap((o, t) => o.runs.map((p) => new RunCursor(p, t))).filter((c) => c.advance());
  const block = new ByteWriter();
  const header = new ByteWriter();
  let docsOf = new Int32Array(1024);
  let tfsOf = new Int32Array(1024);
  const newline = new Uint8Array([10]);
  const segStarts: number[] = [];
  while (cursors.length > 0) {
    let first = cursors[0] as RunCursor;
    for (const c of cursors) if (c.term < first.term) first = c;
    const term = first.term;
    const id = numTerms++;
    termsOut.write(first.bytes);
    termsOut.write(newline);
    let n = 0;
    let sources = 0;
    for (let i = 0; i < cursors.length; i++) {
      const c = cursors[i] as RunCursor;
      if (c.term !== term) continue;
      sources++;
      (remaps[c.thread] as Int32Array)[c.localId] = id;
      if (n + c.df > docsOf.length) {
        let size = docsOf.length;
        while (size < n + c.df) size *= 2;
        const d2 = new Int32Array(size);
        d2.set(docsOf.subarray(0, n));
        const t2 = new Int32Array(size);
        t2.set(tfsOf.subarray(0, n));
        docsOf = d2;
        tfsOf = t2;
      }
      docsOf.set(c.docs.subarray(0, c.df), n);
      tfsOf.set(c.tfs.subarray(0, c.df), n);
      segStarts[sources - 1] = n;
      n += c.df;
      segStarts[sources] = n;
      if (!c.advance()) cursors.splice(i--, 1);
    }
    if (sources > 1) {
      // each source's postings are in document order; the threads' interleave: merge them
      const d2 = new Int32Array(n);
      const t2 = new Int32Array(n);
      const at = segStarts.slice(0, sources);
      const ends = segStarts.slice(1, sources + 1);
      for (let o = 0; o < n; o++) {
        let best = -1;
        for (let q = 0; q < sources; q++) {
          if (
            (at[q] as number) < (ends[q] as number) &&
            (best < 0 || (docsOf[at[q] as number] as number) < (docsOf[at[best] as number] as number))
          )
            best = q;
        }
        const from = at[best] as number;
        d2[o] = docsOf[from] as number;
        t2[o] = tfsOf[from] as number;
        at[best] = from + 1;
      }
      docsOf.set(d2);
      tfsOf.set(t2);
    }
    const start = post.length;
    let cf = 0;
    let prev = -1;
    for (let i = 0; i < n; i += BLOCK_SIZE) {
      const end = Math.min(i + BLOCK_SIZE, n);
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
    dict.u32(n);
    dict.u32(start % 2 ** 32);
    dict.u32(Math.floor(start / 2 ** 32));
    dict.u32(post.length - start);
    dict.u32(cf);
  }
  post.close();
  termsOut.close();

  // term vectors: each thread's batches, back in document order, with the final term ids
  const readers = outputs.map((o) => new VarintReader(readFileSync(o.vectors)));
  const vecOut = new FileByteWriter(join(tmp, 'docvectors.bin'));
  const offsets = new Float64Array(nDocs + 1);
  const w = new ByteWriter();
  let ids = new Int32Array(256);
  let tfs = new Int32Array(256);
  let keys = new Float64Array(256);
  let d = 0;
  batchSizes.forEach((size, b) => {
    const t = b % outputs.length;
    const r = readers[t] as VarintReader;
    const remap = remaps[t] as Int32Array;
    for (let k = 0; k < size; k++, d++) {
      offsets[d] = vecOut.length + w.length;
      const n = r.next();
      if (n > ids.length) {
        ids = new Int32Array(n * 2);
        tfs = new Int32Array(n * 2);
        keys = new Float64Array(n * 2);
      }
      for (let i = 0; i < n; i++) {
        ids[i] = remap[r.next()] as number;
        tfs[i] = r.next();
        keys[i] = (ids[i] as number) * 4294967296 + i; // sort by id, remembering the position
      }
      const sorted = keys.subarray(0, n).sort();
      w.varint(n);
      let prevId = 0;
      for (let i = 0; i < n; i++) {
        const at = (sorted[i] as number) % 4294967296;
        const id = ids[at] as number;
        w.varint(id - prevId);
        w.varint(tfs[at] as number);
        prevId = id;
      }
      if (w.length > 1 << 22) {
        vecOut.write(w.bytes());
        w.length = 0;
      }
    }
  });
  vecOut.write(w.bytes());
  offsets[nDocs] = vecOut.length;
  vecOut.close();
  for (const o of outputs) for (const f of [...o.runs, o.vectors]) await rm(f, { force: true });

  const meta: IndexMeta = {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    analyzer: { name: analyzer.name, params: analyzer.params },
    docCount: nDocs,
    docsWithTerms,
    sumTotalTermFreq,
    norms,
    numTerms,
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
