import { parentPort, workerData } from 'node:worker_threads';
import { getAnalyzer } from '../analysis/analyzers.js';
import { IndexReader } from '../index/read-index.js';
import { Bm25Searcher } from './search.js';
import { packRanked, packTopics, rankTopics, type SearchBatch, type SearchThreadData, type ThreadReply } from './search-protocol.js';

// One search thread of batch-search.ts: batches of query texts in, their hits out (and how many are done, as they end).
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
  const progress = (done: number) => reply({ id: batch.id, done });
  const packed = batch.ids
    ? packTopics(batch.id, searcher, analyzer, batch.texts, batch.rm3, progress)
    : packRanked(batch.id, rankTopics(searcher, analyzer, batch.texts, progress));
  parentPort?.postMessage(packed, [
    packed.docs.buffer as ArrayBuffer,
    packed.scores.buffer as ArrayBuffer,
    packed.counts.buffer as ArrayBuffer,
  ]);
});
