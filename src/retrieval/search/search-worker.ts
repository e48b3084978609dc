import { parentPort, workerData } from 'node:worker_threads';
import { getAnalyzer } from '../analysis/analyzers.js';
import { IndexReader, type SharedIndex } from '../index/read-index.js';
import { type Rm3Params, searchRm3 } from './rm3.js';
import { Bm25Searcher, queryTerms, runLines, type SearchParams } from './search.js';

/** One search thread: reads the index from shared memory and answers batches of topics with run lines. */
export interface SearchJob {
  index: SharedIndex;
  params: SearchParams;
  rm3?: Rm3Params;
  runTag: string;
}

const job = workerData as SearchJob;
const index = new IndexReader(job.index);
const analyzer = getAnalyzer(index.meta.analyzer.name);
const searcher = new Bm25Searcher(index, job.params);

parentPort?.on('message', (batch: { id: number; topics: { qid: string; text: string }[] } | null) => {
  if (batch === null) {
    parentPort?.close();
    return;
  }
  const lines = batch.topics.map((t) => {
    const q = queryTerms(analyzer, t.text);
    return runLines(t.qid, job.rm3 ? searchRm3(searcher, q, job.rm3) : searcher.search(q), job.runTag);
  });
  parentPort?.postMessage({ id: batch.id, lines });
});
