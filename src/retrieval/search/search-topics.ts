import type { getAnalyzer } from '../analysis/analyzers.js';
import type { SharedIndex } from '../index/read-index.js';
import { type Rm3Params, searchRm3 } from './rm3.js';
import { type Bm25Searcher, type Hit, queryTerms, type SearchParams } from './search.js';

/** What a search thread is started with: the index in shared memory. */
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

/** A thread's answer to a batch: its hits, or (RM3, one query at a time) how many of it are done. */
export type ThreadReply = { id: number; hits: Hit[][] } | { id: number; done: number };

/**
 * A batch of topics' hits, on any thread: long queries of a batch are scored together
 * (`searchMany`), RM3 queries one by one. `onEach` hears how many are done as they end, about 32
 * times a batch at most (a message each from a thread).
 */
export function searchTopics(
  searcher: Bm25Searcher,
  analyzer: ReturnType<typeof getAnalyzer>,
  texts: string[],
  rm3?: Rm3Params,
  onEach?: (done: number) => void,
): Hit[][] {
  const every = Math.max(1, Math.floor(texts.length / 32));
  const count = onEach && ((done: number) => (done % every === 0 || done === texts.length) && onEach(done));
  const queries = texts.map((t) => queryTerms(analyzer, t));
  if (!rm3) return searcher.searchMany(queries, undefined, count);
  return queries.map((q, i) => {
    const hits = searchRm3(searcher, q, rm3);
    count?.(i + 1);
    return hits;
  });
}
