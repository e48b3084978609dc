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
const utf8 = new TextEncoder();

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
  const termId = new Map<string, number>();
  const cursors = outputs.flatMap((o) => o.runs.map((p) => new RunCursor(p))).filter((c) => c.advance());
  const block = new ByteWriter();
  const header = new ByteWriter();
  while (cursors.length > 0) {
    let term = (cursors[0] as RunCursor).term;
    for (const c of cursors) if (c.term < term) term = c.term;
    let docsOf: number[] = [];
    let tfsOf: number[] = [];
    let sources = 0;
    for (let i = 0; i < cursors.length; i++) {
      const c = cursors[i] as RunCursor;
      if (c.term !== term) continue;
      sources++;
      for (let j = 0; j < c.docs.length; j++) {
        docsOf.push(c.docs[j] as number);
        tfsOf.push(c.tfs[j] as number);
      }
      if (!c.advance()) cursors.splice(i--, 1);
    }
    if (sources > 1) {
      // runs of different threads interleave in document order
      const order = docsOf.map((_, i) => i).sort((a, b) => (docsOf[a] as number) - (docsOf[b] as number));
      docsOf = order.map((i) => docsOf[i] as number);
      tfsOf = order.map((i) => tfsOf[i] as number);
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

  // term vectors: each thread's batches, back in document order, with the final term ids
  const remaps = outputs.map((o) => {
    const text = readFileSync(o.dict, 'utf8');
    const local = text === '' ? [] : text.slice(0, -1).split('\n');
    return Int32Array.from(local, (t) => termId.get(t) as number);
  });
  const readers = outputs.map((o) => new VarintReader(readFileSync(o.vectors)));
  const vecOut = new FileByteWriter(join(tmp, 'docvectors.bin'));
  const offsets = new Float64Array(nDocs + 1);
  const w = new ByteWriter();
  let d = 0;
  batchSizes.forEach((size, b) => {
    const t = b % outputs.length;
    const r = readers[t] as VarintReader;
    const remap = remaps[t] as Int32Array;
    for (let k = 0; k < size; k++, d++) {
      offsets[d] = vecOut.length + w.length;
      const n = r.next();
      const pairs: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        const id = remap[r.next()] as number;
        pairs.push([id, r.next()]);
      }
      pairs.sort((x, y) => x[0] - y[0]);
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
  });
  vecOut.write(w.bytes());
  offsets[nDocs] = vecOut.length;
  vecOut.close();
  for (const o of outputs) for (const f of [...o.runs, o.vectors, o.dict]) await rm(f, { force: true });

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
