import { Worker } from 'node:worker_threads';
import type { Topic } from '../../data/topics.js';
import { getAnalyzer } from '../analysis/analyzers.js';
import { IndexReader, type SharedIndex } from '../index/read-index.js';
import { type Rm3Params, searchRm3 } from './rm3.js';
import { Bm25Searcher, type Hit, queryTerms, runLines, type SearchParams } from './search.js';
import type { SearchJob } from './search-worker.js';

export interface BatchSearchJob {
  indexDir: string;
  /** The index already in shared memory (IndexReader.load), to skip reading it again. */
  shared?: SharedIndex;
  params: SearchParams;
  rm3?: Rm3Params;
}

/** A batch of topics' hits, on any thread: long queries of a batch are scored together (`searchMany`), RM3 queries one by one. */
export function searchTopics(searcher: Bm25Searcher, analyzer: ReturnType<typeof getAnalyzer>, texts: string[], rm3?: Rm3Params): Hit[][] {
  const queries = texts.map((t) => queryTerms(analyzer, t));
  return rm3 ? queries.map((q) => searchRm3(searcher, q, rm3)) : searcher.searchMany(queries);
}

/**
 * Searches topics on several threads, in batches, and returns each topic's hits in topic order
 * whatever order the threads finish in. The index is read once, into shared memory that every
 * thread reads; one thread searches in this one.
 */
export async function batchHits(
  job: BatchSearchJob,
  topics: Topic[],
  threads: number,
  onProgress?: (done: number) => void,
  // long queries of one batch share their decoding (the larger the batch, the more they share): one
  // batch per thread, up to 512 queries
  batchSize = Math.min(512, Math.max(16, Math.ceil(topics.length / threads))),
): Promise<Hit[][]> {
  const shared = job.shared ?? IndexReader.load(job.indexDir, job.rm3 !== undefined);
  const batches: Topic[][] = [];
  for (let i = 0; i < topics.length; i += batchSize) batches.push(topics.slice(i, i + batchSize));
  const results: Hit[][][] = new Array(batches.length);
  const count = Math.max(1, Math.min(threads, batches.length));
  if (count === 1) {
    const index = new IndexReader(shared);
    const analyzer = getAnalyzer(index.meta.analyzer.name);
    const searcher = new Bm25Searcher(index, job.params);
    let done = 0;
    batches.forEach((batch, b) => {
      results[b] = searchTopics(
        searcher,
        analyzer,
        batch.map((t) => t.text),
        job.rm3,
      );
      done += batch.length;
      onProgress?.(done);
    });
    return results.flat();
  }
  let next = 0;
  let done = 0;
  const workerUrl = new URL('./search-worker.js', import.meta.url);
  const workerData: SearchJob = { index: shared, params: job.params, rm3: job.rm3 };
  const run = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      const feed = () => {
        if (next >= batches.length) {
          worker.postMessage(null);
          return;
        }
        const id = next++;
        worker.postMessage({ id, texts: (batches[id] as Topic[]).map((t) => t.text) });
      };
      worker.on('message', (m: { id: number; hits: Hit[][] }) => {
        results[m.id] = m.hits;
        done += m.hits.length;
        onProgress?.(done);
        feed();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`search thread exited with code ${code}`))));
      feed();
    });
  const workers = Array.from({ length: count }, () => new Worker(workerUrl, { workerData }));
  await Promise.all(workers.map(run));
  return results.flat();
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
