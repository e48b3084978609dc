import { existsSync, renameSync, rmSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { crc32 } from 'node:zlib';
import type { Doc } from '../../data/corpus.js';
import type { Analyzer } from '../analysis/analyzers.js';
import { CHECKSUMS_FILE, CHUNK, ChunkSums, type ChunkSumsState, chunkSums, type FileSum } from './checksums.js';
import { ChunkReader, FileByteWriter } from './file-writer.js';
import {
  BLOCK_SIZE,
  INDEX_FORMAT,
  INDEX_VERSION,
  type IndexMeta,
  metaText,
  NO_VECTORS_VERSION,
  postingsFile,
  TERM_RECORD,
  vectorsFile,
} from './index-format.js';
import { type IndexerReply, type IndexerRequest, serve } from './index-worker.js';
import { Inverter, type ThreadDictionary } from './inverter.js';
import { mergeDictionaries } from './merge-dictionaries.js';
import { type MergeJob, mergePart, partBounds, partPath, type SharedRun } from './merge-postings.js';
import { intToByte4 } from './small-float.js';
import type { RemappedVectors } from './term-vectors.js';

export interface BuildOptions {
  norms?: 'lucene-byte4' | 'exact';
  onProgress?: (docs: number) => void;
  /** Called as each phase ends (analysis, dictionary, merge, layout) with its seconds. */
  onPhase?: (phase: string, seconds: number) => void;
  /** Called as each phase after the analysis starts, with what it does (for a display: these have no counts). */
  onStep?: (step: string) => void;
  /** Indexing threads (default: number of CPUs). */
  threads?: number;
  /** Postings held (over all threads) before they are sorted into a compact run in shared memory (default 40 million). */
  memoryPostings?: number;
  /** Largest postings or docvectors file; a new one starts past it (default 1 GiB: one buffer each). */
  maxFileBytes?: number;
  /** Documents sent to a thread at a time (default 4,000: fewer messages, and longer lookups batches). */
  batchDocs?: number;
  /**
   * Batches a worker may have on hand before the main thread indexes one itself, when that batch
   * would make the main thread spill a run (default 48: enough to keep a worker busy through the
   * spill, up to a second).
   */
  workerQueue?: number;
  /**
   * The same at other times (default two thirds of `workerQueue`): what a worker has on hand as
   * the corpus ends, which it indexes while the main thread spills what it holds and sorts its
   * dictionary. Too few left the worker waiting for the main thread, too many the main thread
   * waiting for the worker.
   */
  steadyQueue?: number;
  /** Stops the build between batches and between phases: it then rejects with 'interrupted' and leaves no temporary folder. */
  signal?: AbortSignal;
  /** Whether to store the documents' term vectors, which RM3 reads (default true; without them the index is format version 4). */
  vectors?: boolean;
}

/** The corpus cannot be indexed as it is (a document id twice, say): the user must fix it. */
export class CorpusInputError extends Error {}

/**
 * The indexing threads: thread 0 is this one (its requests are carried out when asked, before
 * `ask` returns), the others workers, each answering its requests in order.
 */
interface Threads {
  count: number;
  ask(t: number, req: IndexerRequest): Promise<IndexerReply>;
  /** Requests sent to thread t that have not been answered (always 0 for thread 0). */
  busy(t: number): number;
  /** Postings thread 0 may take before it spills a run. */
  room(): number;
  close(): Promise<void>;
}

function indexingThreads(url: URL | null, analyzer: Analyzer, dir: string, count: number, budget: number, vectors: boolean): Threads {
  const share = Math.ceil(budget / (url ? count : 1));
  const inline = new Inverter(dir, 't0', share, undefined, vectors);
  const pending = new Map<number, { resolve: (r: IndexerReply) => void; reject: (e: Error) => void }>();
  // requests asked of each worker, and answered (counted by the worker as it answers: this thread
  // sees it at once, even while it is busy indexing and reads no messages)
  const asked = new Int32Array(count);
  const answered = new Int32Array(new SharedArrayBuffer(4 * count));
  let next = 0;
  let failure: Error | undefined;
  const workers = Array.from({ length: url ? count - 1 : 0 }, (_, i) => {
    const t = i + 1;
    const w = new Worker(url as URL, {
      workerData: { qexpIndexer: true, analyzer: analyzer.name, dir, prefix: `t${t}`, budget: share, vectors, answered, t },
    });
    w.on('message', (m: { id: number; reply?: IndexerReply; error?: string }) => {
      const p = pending.get(m.id);
      pending.delete(m.id);
      if (m.error !== undefined) p?.reject(new Error(`indexing thread ${t}: ${m.error}`));
      else p?.resolve(m.reply as IndexerReply);
    });
    w.on('error', (err) => {
      failure = err;
      for (const p of pending.values()) p.reject(err);
      pending.clear();
    });
    return w;
  });
  return {
    count: workers.length + 1,
    ask(t, req) {
      if (t === 0) {
        try {
          return Promise.resolve(serve(inline, analyzer, req));
        } catch (err) {
          return Promise.reject(err);
        }
      }
      if (failure) return Promise.reject(failure);
      const id = next++;
      asked[t] = (asked[t] as number) + 1;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        // copied, never transferred: see the worker's replies in index-worker.ts
        (workers[t - 1] as Worker).postMessage({ id, req });
      });
    },
    busy: (t) => (t === 0 ? 0 : (asked[t] as number) - Atomics.load(answered, t)),
    room: () => inline.room,
    async close() {
      inline.close();
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

/**
 * Builds an index in format v3 (`index-format.ts`) into `out`, through a temporary folder and a
 * rename, with bounded memory:
 * 1. the main thread reads batches of documents and hands each to a worker with fewer than
 *    `workerQueue` on hand, or indexes it itself (N threads: this one and N − 1 workers); a thread
 *    analyzes and inverts its batches into flat typed buffers, sorted by local term id into
 *    compact runs in shared memory when their share of `memoryPostings` is held;
 * 2. each thread sorts its dictionary, and the main thread merges them into global term ids;
 * 3. the threads rewrite their term vectors with global ids, and merge the postings of disjoint
 *    ranges of terms from every run into the final blocks;
 * 4. the main thread lays the vectors out (while the workers merge) and the parts into files of
 *    at most `maxFileBytes`, and checksums them.
 * Document length = the number of tokens the analyzer emits. The files are byte-identical
 * whatever the number of runs or threads.
 */
export async function buildIndex(docs: AsyncIterable<Doc>, analyzer: Analyzer, out: string, opts: BuildOptions = {}): Promise<IndexMeta> {
  const norms = opts.norms ?? 'lucene-byte4';
  const exact = norms === 'exact';
  const budget = opts.memoryPostings ?? 40_000_000;
  const maxFileBytes = opts.maxFileBytes ?? 2 ** 30;
  const tmp = `${out}.tmp-${process.pid}`;
  // a leftover of an earlier build of this process; quietly, as mkdir says best why a path cannot be used
  await rm(tmp, { recursive: true, force: true }).catch(() => {});
  await mkdir(tmp, { recursive: true });

  const count = opts.threads ?? availableParallelism();
  const url = new URL('./index-worker.js', import.meta.url);
  const threads = indexingThreads(
    count > 1 && existsSync(fileURLToPath(url)) ? url : null,
    analyzer,
    tmp,
    count,
    budget,
    opts.vectors !== false,
  );
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= threads.close();
    return closed;
  };
  try {
    return await build(docs, analyzer, out, tmp, threads, exact, maxFileBytes, opts);
  } catch (err) {
    // the workers first: one still writing would put files back into the folder being removed
    await close();
    // quietly: a folder that could not be made (under a file, say) must not hide why
    await rm(tmp, { recursive: true, force: true }).catch(() => {});
    throw err;
  } finally {
    await close();
  }
}

const NEXT_STEP: Record<string, string> = {
  analysis: "merging the threads' dictionaries",
  dictionary: 'merging postings',
  merge: 'writing postings files and term vectors',
};

async function build(
  docs: AsyncIterable<Doc>,
  analyzer: Analyzer,
  out: string,
  tmp: string,
  threads: Threads,
  exact: boolean,
  maxFileBytes: number,
  { onProgress, onPhase, onStep, batchDocs = 4000, workerQueue = 48, steadyQueue, signal, vectors = true }: BuildOptions,
): Promise<IndexMeta> {
  const T = threads.count;
  let clock = performance.now();
  const phase = (name: string) => {
    if (signal?.aborted) throw new Error('interrupted');
    const now = performance.now();
    onPhase?.(name, (now - clock) / 1000);
    clock = now;
    const next = NEXT_STEP[name];
    if (next) onStep?.(next);
  };
  // 1. analysis and inversion
  const sums = new Map<string, Uint32Array>();
  const idsOut = new FileByteWriter(join(tmp, 'docids.txt'), true);
  const utf8 = new TextEncoder();
  const ids: string[] = [];
  let lengths = new Uint32Array(1 << 16);
  // per batch: its size, and the thread that indexed it
  const batchSizes: number[] = [];
  const batchThread: number[] = [];
  // batches in hand, and the first failure among them (raised at the next batch)
  const indexed: Promise<void>[] = [];
  let failure: { err: unknown } | undefined;
  let texts: string[] = [];
  let idChunk = '';
  const steady = steadyQueue ?? Math.max(1, Math.ceil((2 * workerQueue) / 3));
  // the most tokens (so postings, at most) a batch has had
  let batchTokens = 0;
  // a batch goes to a worker with fewer than its queue's limit on hand, else this thread indexes it
  // itself between reading the corpus
  const send = () => {
    const first = ids.length - texts.length;
    while (lengths.length < ids.length) {
      const grown = new Uint32Array(lengths.length * 2);
      grown.set(lengths);
      lengths = grown;
    }
    // the workers' queues fill up to the larger limit before a batch that would spill this thread's run
    const limit = threads.room() <= 2 * batchTokens ? workerQueue : steady;
    let t = 0;
    for (let w = 1; w < T; w++) if (threads.busy(w) < limit && (t === 0 || threads.busy(w) < threads.busy(t))) t = w;
    const done = threads.ask(t, { type: 'batch', first, texts }).then((reply) => {
      const l = reply as Int32Array;
      lengths.set(l, first);
      let tokens = 0;
      for (let i = 0; i < l.length; i++) tokens += l[i] as number;
      if (tokens > batchTokens) batchTokens = tokens;
    });
    done.catch((err) => {
      failure ??= { err };
    });
    indexed.push(done);
    batchSizes.push(texts.length);
    batchThread.push(t);
    texts = [];
  };
  for await (const doc of docs) {
    ids.push(doc.id);
    idChunk += `${doc.id}\n`;
    texts.push(doc.text);
    if (texts.length < batchDocs) continue;
    idsOut.write(utf8.encode(idChunk));
    idChunk = '';
    send();
    if (failure) throw failure.err;
    if (signal?.aborted) throw new Error('interrupted');
    onProgress?.(ids.length);
  }
  if (texts.length) send();
  idsOut.write(utf8.encode(idChunk));
  idsOut.close();
  sums.set('docids.txt', (idsOut.sums as ChunkSums).finish());
  const nDocs = ids.length;

  // the workers finish their batches and sort their dictionaries while this thread sorts its own
  const workers = Array.from({ length: T - 1 }, (_, w) => w + 1);
  const finishing = workers.map((t) => threads.ask(t, { type: 'finish' }));
  for (const f of finishing) f.catch(() => {});
  const own = threads.ask(0, { type: 'finish' });
  own.catch(() => {});
  finishing.unshift(own);
  await Promise.all(indexed);
  onProgress?.(nDocs);

  const lens = lengths.subarray(0, nDocs);
  let sumTotalTermFreq = 0;
  let docsWithTerms = 0;
  for (let i = 0; i < nDocs; i++) {
    const l = lens[i] as number;
    sumTotalTermFreq += l;
    if (l > 0) docsWithTerms++;
  }
  const normsShared = new SharedArrayBuffer(exact ? 4 * nDocs : nDocs);
  if (exact) new Uint32Array(normsShared).set(lens);
  else {
    const nb = new Uint8Array(normsShared);
    for (let i = 0; i < nDocs; i++) nb[i] = intToByte4(lens[i] as number);
  }

  phase('analysis');
  // 2. dictionaries
  const dicts = (await Promise.all(finishing)) as ThreadDictionary[];
  const termsOut = new FileByteWriter(join(tmp, 'terms.txt'), true);
  const { numTerms, remap, rankOf } = mergeDictionaries(dicts, termsOut);
  // 3. the threads rewrite their term vectors with global ids: the workers' requests first, before
  // the rest of this phase, which they would otherwise wait out idle; this thread's comes later, as
  // carrying it out holds this thread until it is done
  const vectorSizes: Promise<RemappedVectors>[] = [];
  const askVectors = (t: number) => {
    vectorSizes[t] = threads.ask(t, {
      type: 'vectors',
      remap: remap[t] as Int32Array,
      out: join(tmp, `t${t}-vectors-global.bin`),
      // a lone thread's file may become docvectors as it is; the others are summed as they are copied
      sums: T === 1,
    }) as Promise<RemappedVectors>;
    // awaited below; a failure before then must not go unhandled
    vectorSizes[t].catch(() => {});
  };
  if (vectors) for (const t of workers) askVectors(t);
  termsOut.close();
  sums.set('terms.txt', (termsOut.sums as ChunkSums).finish());

  phase('dictionary');
  // then they merge the postings in parts of the term range that each claims as it comes free:
  // ranges given out in advance left one thread idle for up to seconds while another, slowed by
  // this machine's drifts, finished its own. This thread merges
  // part 0 (renamed into the first postings file as it is), then claims parts like the others, and
  // between its parts lays out what is ready: the term vectors, and the others' parts in term order
  const runs: SharedRun[] = dicts.flatMap((d, t) => d.runs.map((r) => ({ thread: t, ...r })));
  // merge cost per term: its postings, plus a fixed cost (lookups in every run, a block's header
  // and frontier) worth about 10 postings, as timed at 300,000 synthetic passages
  const costOf = new Float64Array(numTerms).fill(10 + runs.length);
  dicts.forEach((d, t) => {
    const r = remap[t] as Int32Array;
    for (let id = 0; id < d.df.length; id++) {
      const g = r[id] as number;
      costOf[g] = (costOf[g] as number) + (d.df[id] as number);
    }
  });
  const bounds = partBounds(costOf, T);
  const parts = bounds.length - 1;
  const claims = new SharedArrayBuffer(4 * (parts + 1));
  const claimed = new Int32Array(claims);
  // part 0 is this thread's
  claimed[0] = 1;
  const records = new SharedArrayBuffer(4 * 3 * numTerms);
  const job: MergeJob = { runs, rankOf, norms: normsShared, exact, bounds, claims, records, dir: tmp };
  // the workers' merges are asked before this thread's vectors, which it carries out as it asks
  const merges = workers.map((t) => threads.ask(t, { type: 'merge', job }));
  // awaited below; a failure before then (an id given twice, say) must not leave them unhandled
  for (const m of merges) m.catch(() => {});
  // external ids: ranks for tie-breaking, and no id twice. Ranked here, while the workers rewrite
  // their vectors or merge (claiming more parts for this thread's time), not at the end of the
  // analysis, where the workers' dictionaries could wait for this thread's
  const order = Array.from({ length: nDocs }, (_, i) => i);
  order.sort((a, b) => {
    const x = ids[a] as string;
    const y = ids[b] as string;
    return x < y ? -1 : x > y ? 1 : a - b;
  });
  const rank = new Uint32Array(nDocs);
  for (let r = 0; r < nDocs; r++) {
    const d = order[r] as number;
    if (r > 0 && ids[d] === ids[order[r - 1] as number])
      throw new CorpusInputError(
        `document id ${ids[d]} appears twice (documents ${(order[r - 1] as number) + 1} and ${d + 1} in corpus order); ids must be unique`,
      );
    rank[d] = r;
  }
  ids.length = 0;
  if (vectors) askVectors(0);
  const vectorsDone = Promise.all(vectorSizes);
  const mergesDone = Promise.all(merges);
  for (const m of [vectorsDone, mergesDone]) m.catch(() => {});
  let vectorLengths: RemappedVectors[] | null = null;
  vectorsDone.then(
    (v) => {
      vectorLengths = v;
    },
    () => {},
  );

  // term vectors: each thread's batches back in document order, files broken at documents (their
  // checksums go after the postings files')
  const vectorSums = new Map<string, Uint32Array>();
  const offsets = new Float64Array(nDocs + 1);
  const vectorFiles: number[] = [];
  const layVectors = (vectorLengths: RemappedVectors[]) => {
    const only = T === 1 ? (vectorLengths[0] as RemappedVectors) : null;
    if (only?.sums && only.sums.bytes <= maxFileBytes) {
      // one thread's vectors that fit one file are that file
      renameSync(join(tmp, 't0-vectors-global.bin'), join(tmp, vectorsFile(0)));
      let total = 0;
      for (let d = 0; d < nDocs; d++) {
        offsets[d] = total;
        total += only.sizes[d] as number;
      }
      offsets[nDocs] = total;
      vectorSums.set(vectorsFile(0), ChunkSums.resume(only.sums).finish());
      vectorFiles.push(total);
    } else {
      const vecReaders = Array.from({ length: T }, (_, t) => new ChunkReader(join(tmp, `t${t}-vectors-global.bin`)));
      const vecAt = new Int32Array(T);
      let vecOut = new FileByteWriter(join(tmp, vectorsFile(0)), true);
      let inFile = 0;
      let total = 0;
      let d = 0;
      batchSizes.forEach((size, b) => {
        const t = batchThread[b] as number;
        const sizes = (vectorLengths[t] as RemappedVectors).sizes;
        let pendingBytes = 0;
        for (let k = 0; k < size; k++, d++) {
          const bytes = sizes[(vecAt[t] as number) + k] as number;
          if (inFile + pendingBytes > 0 && inFile + pendingBytes + bytes > maxFileBytes) {
            (vecReaders[t] as ChunkReader).copyTo(pendingBytes, vecOut);
            inFile += pendingBytes;
            pendingBytes = 0;
            vecOut.close();
            vectorSums.set(vectorsFile(vectorFiles.length), (vecOut.sums as ChunkSums).finish());
            vectorFiles.push(inFile);
            vecOut = new FileByteWriter(join(tmp, vectorsFile(vectorFiles.length)), true);
            inFile = 0;
          }
          offsets[d] = total;
          total += bytes;
          pendingBytes += bytes;
        }
        (vecReaders[t] as ChunkReader).copyTo(pendingBytes, vecOut);
        inFile += pendingBytes;
        vecAt[t] = (vecAt[t] as number) + size;
      });
      offsets[nDocs] = total;
      vecOut.close();
      vectorSums.set(vectorsFile(vectorFiles.length), (vecOut.sums as ChunkSums).finish());
      vectorFiles.push(inFile);
      for (const r of vecReaders) r.close();
    }
    for (let t = 0; t < T; t++) {
      rmSync(join(tmp, `t${t}-vectors-global.bin`), { force: true });
      rmSync(join(tmp, `t${t}-vectors.bin`), { force: true });
    }
  };
  let vectorsLaid = !vectors;

  // 4. postings files: parts laid out in term order, a new file before a term that would pass the limit
  const recs = new Uint32Array(records);
  const dict = new Uint32Array(TERM_RECORD * numTerms);
  let file = 0;
  let fileWords = 0;
  let postingsOut: FileByteWriter | null = null;
  const closeFile = () => {
    if (!postingsOut) return;
    postingsOut.close();
    sums.set(postingsFile(file), (postingsOut.sums as ChunkSums).finish());
  };
  const layPart = (c: number, partSums: ChunkSumsState | null) => {
    const path = partPath(tmp, c);
    let pending = 0;
    // part 0, when it fits the first file whole, becomes that file (appended to from here)
    const whole = c === 0 && partSums && partSums.bytes <= maxFileBytes ? partSums : null;
    if (whole) {
      renameSync(path, join(tmp, postingsFile(0)));
      postingsOut = new FileByteWriter(join(tmp, postingsFile(0)), ChunkSums.resume(whole));
    }
    const reader = whole ? null : new ChunkReader(path);
    for (let g = bounds[c] as number; g < (bounds[c + 1] as number); g++) {
      const words = recs[3 * g + 2] as number;
      if (fileWords > 0 && 4 * (fileWords + words) > maxFileBytes) {
        (reader as ChunkReader).copyTo(4 * pending, postingsOut as FileByteWriter);
        pending = 0;
        closeFile();
        postingsOut = null;
        file++;
        fileWords = 0;
      }
      postingsOut ??= new FileByteWriter(join(tmp, postingsFile(file)), true);
      const r = TERM_RECORD * g;
      dict[r] = recs[3 * g] as number;
      dict[r + 1] = recs[3 * g + 1] as number;
      dict[r + 2] = file;
      dict[r + 3] = fileWords;
      dict[r + 4] = words;
      fileWords += words;
      pending += words;
    }
    if (reader) {
      if (pending > 0) reader.copyTo(4 * pending, postingsOut as FileByteWriter);
      reader.close();
      rmSync(path, { force: true });
    }
  };
  let laid = 0;
  const layReady = () => {
    while (laid < parts && Atomics.load(claimed, 1 + laid) === 1) layPart(laid++, null);
  };

  layPart(laid++, mergePart(job, 0));
  for (let c = Atomics.add(claimed, 0, 1); c < parts; c = Atomics.add(claimed, 0, 1)) {
    mergePart(job, c);
    layReady();
    if (!vectorsLaid && vectorLengths) {
      layVectors(vectorLengths);
      vectorsLaid = true;
    }
    // lets the workers' replies in (their term vectors' sizes)
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (!vectorsLaid) layVectors(await vectorsDone);
  // the others' last parts, laid out as they are written
  let finished = false;
  mergesDone.then(
    () => {
      finished = true;
    },
    () => {},
  );
  while (!finished) {
    layReady();
    await Promise.race([mergesDone, new Promise((resolve) => setTimeout(resolve, 2))]);
  }
  layReady();
  postingsOut ??= new FileByteWriter(join(tmp, postingsFile(file)), true);
  closeFile();
  for (const [name, crcs] of vectorSums) sums.set(name, crcs);
  phase('merge');

  const small: [string, Uint8Array][] = [
    ['norms.bin', new Uint8Array(normsShared)],
    ['docorder.bin', new Uint8Array(rank.buffer)],
    ['terms.bin', new Uint8Array(dict.buffer)],
    ...(vectors ? [['docvectors.offsets', new Uint8Array(offsets.buffer)] as [string, Uint8Array]] : []),
  ];
  for (const [name, bytes] of small) {
    await writeFile(join(tmp, name), bytes);
    sums.set(name, chunkSums(bytes));
  }
  // the chunks' checksums of every file, in one file whose own checksum meta.json holds
  const files: Record<string, FileSum> = {};
  let chunks = 0;
  for (const [name, crcs] of sums) {
    files[name] = { bytes: (await stat(join(tmp, name))).size, at: chunks };
    chunks += crcs.length;
  }
  const table = new Uint32Array(chunks);
  for (const [name, crcs] of sums) table.set(crcs, (files[name] as FileSum).at);
  const tableBytes = new Uint8Array(table.buffer);
  await writeFile(join(tmp, CHECKSUMS_FILE), tableBytes);

  phase('layout');
  const meta: IndexMeta = {
    format: INDEX_FORMAT,
    version: vectors ? INDEX_VERSION : NO_VECTORS_VERSION,
    analyzer: { name: analyzer.name, params: analyzer.params },
    docCount: nDocs,
    docsWithTerms,
    sumTotalTermFreq,
    norms: exact ? 'exact' : 'lucene-byte4',
    numTerms,
    blockSize: BLOCK_SIZE,
    postingsFiles: file + 1,
    vectorFiles,
    ...(vectors ? {} : { vectors: false as const }),
    checksums: { chunk: CHUNK, crc32: crc32(tableBytes), files },
  };
  await writeFile(join(tmp, 'meta.json'), metaText(meta));
  await rm(out, { recursive: true, force: true });
  await rename(tmp, out);
  return meta;
}
