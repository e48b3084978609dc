import { parentPort, workerData } from 'node:worker_threads';
import { getAnalyzer } from '../analysis/analyzers.js';
import { IndexReader, type SharedIndex } from '../index/read-index.js';
import { searchTopics } from './batch-search.js';
import type { Rm3Params } from './rm3.js';
import { Bm25Searcher, type SearchParams } from './search.js';

/** One search thread: reads the index from shared memory and answers batches of query texts with their hits. */
export interface SearchJob {
  index: SharedIndex;
  params: SearchParams;
  rm3?: Rm3Params;
}

const job = workerData as SearchJob;
const index = new IndexReader(job.index);
const analyzer = getAnalyzer(index.meta.analyzer.name);
const searcher = new Bm25Searcher(index, job.params);

parentPort?.on('message', (batch: { id: number; texts: string[] } | null) => {
  if (batch === null) {
    parentPort?.close();
    return;
  }
  parentPort?.postMessage({ id: batch.id, hits: searchTopics(searcher, analyzer, batch.texts, job.rm3) });
});
