import { parentPort, workerData } from 'node:worker_threads';
import { getAnalyzer } from '../analysis/analyzers.js';
import { IndexReader, type SharedIndex } from '../index/read-index.js';
import { searchTopics } from './batch-search.js';
import type { Rm3Params } from './rm3.js';
import { Bm25Searcher, type SearchParams } from './search.js';

/** One search thread: reads the index from shared memory and answers batches of query texts with their hits. */
export interface SearchThreadData {
  index: SharedIndex;
}

/** A batch of query texts, searched with its parameters (a thread serves one call after another). */
export interface SearchBatch {
  id: number;
  texts: string[];
  params: SearchParams;
  rm3?: Rm3Params;
}

const index = new IndexReader((workerData as SearchThreadData).index);
const analyzer = getAnalyzer(index.meta.analyzer.name);
/** A searcher per parameters, kept for the next batch. */
const searchers = new Map<string, Bm25Searcher>();

parentPort?.on('message', (batch: SearchBatch) => {
  const { k1, b, hits } = batch.params;
  const key = `${k1} ${b} ${hits}`;
  let searcher = searchers.get(key);
  if (!searcher) searchers.set(key, (searcher = new Bm25Searcher(index, { k1, b, hits })));
  parentPort?.postMessage({ id: batch.id, hits: searchTopics(searcher, analyzer, batch.texts, batch.rm3) });
});
