import { Worker } from 'node:worker_threads';
import type { Topic } from '../../data/topics.js';
import { getAnalyzer } from '../analysis/analyzers.js';
import { IndexReader, type SharedIndex } from '../index/read-index.js';
import type { Rm3Params } from './rm3.js';
import { Bm25Searcher, type Hit, runLines, type SearchParams } from './search.js';
import {
  type PackedHits,
  rankTopics,
  type SearchBatch,
  type SearchThreadData,
  searchTopics,
  type ThreadReply,
  unpackHits,
  unpackRanked,
} from './search-protocol.js';
import type { RankedHits } from './top-k.js';

export interface BatchSearchJob {
  indexDir: string;
  /** The index already in shared memory (IndexReader.load), to skip reading it again. */
  shared?: SharedIndex;
  params: SearchParams;
  rm3?: Rm3Params;
  /** Bytes the index may take in memory: past it, postings are read from disk on demand (`IndexReader.load`). */
  memoryBudget?: number;
}

/**
 * Long queries of one batch share their terms' decoding and scoring, which each query then pays a
 * smaller share of the larger the batch: one batch per thread, up to 2,048 queries (larger ones
 * gained nothing more), or 512 under a memory budget, where the kernel's memory for a batch (which
 * grows with it) is better kept small.
 */
const defaultBatch = (topics: number, threads: number, job: BatchSearchJob) =>
  Math.min(underBudget(job) ? 512 : 2048, Math.max(16, Math.ceil(topics / threads)));
/** A budget given, or an index already loaded under one (its postings left on disk). */
const underBudget = (job: BatchSearchJob) => job.memoryBudget !== undefined || job.shared?.postings === null;

/**
 * Searches topics on several threads, in batches, and returns each topic's hits in topic order
 * whatever order the threads finish in. The index is read once, into shared memory that every
 * thread reads; one thread searches in this one.
 */
export function batchHits(
  job: BatchSearchJob,
  topics: Topic[],
  threads: number,
  onProgress?: (done: number) => void,
  batchSize = defaultBatch(topics.length, threads, job),
): Promise<Hit[][]> {
  return inBatches(
    job,
    topics,
    threads,
    onProgress,
    batchSize,
    true,
    (s, a, texts, onEach) => searchTopics(s, a, texts, job.rm3, onEach),
    unpackHits,
  );
}

/** `batchHits` as internal documents and scores, without external ids (not with RM3). */
export function batchRanked(
  job: BatchSearchJob,
  topics: Topic[],
  threads: number,
  batchSize = defaultBatch(topics.length, threads, job),
): Promise<RankedHits[]> {
  if (job.rm3) throw new Error('batchRanked: RM3 searches by external ids; use batchHits');
  return inBatches(job, topics, threads, undefined, batchSize, false, rankTopics, unpackRanked);
}

async function inBatches<T>(
  job: BatchSearchJob,
  topics: Topic[],
  threads: number,
  onProgress: ((done: number) => void) | undefined,
  batchSize: number,
  ids: boolean,
  here: (searcher: Bm25Searcher, analyzer: ReturnType<typeof getAnalyzer>, texts: string[], onEach?: (done: number) => void) => T[],
  unpack: (p: PackedHits) => T[],
): Promise<T[]> {
  const shared = job.shared ?? IndexReader.load(job.indexDir, job.rm3 !== undefined, { memoryBudget: job.memoryBudget, threads });
  const batches: Topic[][] = [];
  for (let i = 0; i < topics.length; i += batchSize) batches.push(topics.slice(i, i + batchSize));
  const results: T[][] = new Array(batches.length);
  const count = Math.max(1, Math.min(threads, batches.length));
  if (count === 1) {
    const index = new IndexReader(shared);
    const analyzer = getAnalyzer(index.meta.analyzer.name);
    const searcher = new Bm25Searcher(index, job.params);
    let done = 0;
    batches.forEach((batch, b) => {
      results[b] = here(
        searcher,
        analyzer,
        batch.map((t) => t.text),
        (k) => onProgress?.(done + k),
      );
      done += batch.length;
      onProgress?.(done);
    });
    return results.flat();
  }
  let next = 0;
  let done = 0;
  // queries done in batches still running (RM3 reports them one by one)
  const partial = new Map<number, number>();
  const inFlight = () => [...partial.values()].reduce((a, k) => a + k, 0);
  const threadsUsed = takeThreads(shared, count);
  const lost = new Set<SearchThread>();
  const run = (thread: SearchThread) =>
    new Promise<void>((resolve, reject) => {
      const { worker } = thread;
      const feed = () => {
        if (next >= batches.length) {
          stop();
          resolve();
          return;
        }
        const id = next++;
        const batch: SearchBatch = { id, texts: (batches[id] as Topic[]).map((t) => t.text), params: job.params, rm3: job.rm3, ids };
        worker.postMessage(batch);
      };
      const onMessage = (m: ThreadReply) => {
        if (!('counts' in m)) {
          partial.set(m.id, m.done);
          onProgress?.(done + inFlight());
          return;
        }
        partial.delete(m.id);
        results[m.id] = unpack(m);
        done += m.counts.length;
        onProgress?.(done + inFlight());
        feed();
      };
      const onError = (e: Error) => {
        stop();
        lost.add(thread);
        // the other threads stop after their current batch
        next = batches.length;
        reject(e);
      };
      const onExit = (code: number) => onError(new Error(`search thread exited with code ${code}`));
      const stop = () => {
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
      };
      worker.on('message', onMessage);
      worker.on('error', onError);
      worker.on('exit', onExit);
      feed();
    });
  // every thread done with this call before any is handed out again
  const settled = await Promise.allSettled(threadsUsed.map(run));
  giveBack(threadsUsed.filter((t) => !lost.has(t)));
  for (const t of lost) void t.worker.terminate();
  const failed = settled.find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  return results.flat();
}

/**
 * Search threads are kept between calls on one index: the feedback stage searches chunk after
 * chunk, and a thread that starts cold compiles its code again and regrows group scoring's memory
 * (on 2 threads at 1M passages, bench/feedback-speed.mjs scored 179 candidates/s with threads
 * started for each call, 709-895 with threads kept). Idle threads are
 * unreferenced, so that they never hold the process open; they end when another index is
 * searched, or IDLE_MS after their last batch.
 */
interface SearchThread {
  worker: Worker;
  shared: SharedIndex;
}
let idle: SearchThread[] = [];
let idleTimer: NodeJS.Timeout | undefined;
const IDLE_MS = 30_000;

/** `count` threads for the index, idle ones first; idle threads of other indexes end. */
function takeThreads(shared: SharedIndex, count: number): SearchThread[] {
  clearTimeout(idleTimer);
  for (const t of idle) if (t.shared !== shared) void t.worker.terminate();
  idle = idle.filter((t) => t.shared === shared);
  const taken = idle.splice(0, count);
  const workerData: SearchThreadData = { index: shared };
  while (taken.length < count) taken.push({ worker: new Worker(new URL('./search-worker.js', import.meta.url), { workerData }), shared });
  for (const t of taken) t.worker.ref();
  return taken;
}

function giveBack(threads: SearchThread[]): void {
  for (const t of threads) t.worker.unref();
  idle.push(...threads);
  clearTimeout(idleTimer);
  idleTimer = setTimeout(endSearchThreads, IDLE_MS);
  idleTimer.unref();
}

/** How many search threads wait for the next call, and the indexes (folders) they read. */
export function idleSearchThreads(): { count: number; indexes: string[] } {
  return { count: idle.length, indexes: [...new Set(idle.map((t) => t.shared.dir))] };
}

/** Ends the idle search threads now (they end by themselves IDLE_MS after their last batch). */
export function endSearchThreads(): void {
  clearTimeout(idleTimer);
  for (const t of idle) void t.worker.terminate();
  idle = [];
}

/** `batchHits` written as TREC run lines with a run tag. */
export async function batchSearch(
  job: BatchSearchJob & { runTag: string },
  topics: Topic[],
  threads: number,
  onProgress?: (done: number) => void,
): Promise<string[]> {
  const hits = await batchHits(job, topics, threads, onProgress);
  return topics.map((t, i) => runLines(t.qid, hits[i] as Hit[], job.runTag));
}
