import { parentPort, workerData } from 'node:worker_threads';
import { getAnalyzer } from '../analysis/analyzers.js';
import { IndexReader } from '../index/read-index.js';
import { Bm25Searcher } from './search.js';
import { type SearchBatch, type SearchThreadData, searchTopics, type ThreadReply } from './search-topics.js';

// One search thread: reads the index from shared memory and answers batches of query texts with their hits.
const index = new IndexReader((workerData as SearchThreadData).index);
const analyzer = getAnalyzer(index.meta.analyzer.name);
/** A searcher per parameters, kept for the next batch. */
const searchers = new Map<string, Bm25Searcher>();
const reply = (m: ThreadReply) => parentPort?.postMessage(m);

parentPort?.on('message', (batch: SearchBatch) => {
  const { k1, b, hits } = batch.params;
  const key = `${k1} ${b} ${hits}`;
  let searcher = searchers.get(key);
  if (!searcher) searchers.set(key, (searcher = new Bm25Searcher(index, { k1, b, hits })));
  reply({ id: batch.id, hits: searchTopics(searcher, analyzer, batch.texts, batch.rm3, (done) => reply({ id: batch.id, done })) });
});
