import type { getAnalyzer } from '../analysis/analyzers.js';
import type { SharedIndex } from '../index/read-index.js';
import { type Rm3Params, searchRm3 } from './rm3.js';
import { type Bm25Searcher, type Hit, queryTerms, type SearchParams } from './search.js';
import type { RankedHits } from './top-k.js';

// What batch-search.ts and its threads (search-worker.ts) share: the messages, and the search of a batch.

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
  /** false: internal documents and scores only (`batchRanked`), no external ids. */
  ids: boolean;
}

/**
 * A batch's hits, packed: the external ids in one string, the rest in typed arrays that are
 * moved, not copied. A million hits (a thousand top-1000 queries) cloned as objects cost the
 * receiving thread more than their search.
 */
export interface PackedHits {
  id: number;
  /** External ids, each followed by a newline. */
  docids: string;
  docs: Int32Array;
  scores: Float64Array;
  /** Hits per query. */
  counts: Int32Array;
}

/** A thread's answer to a batch: its hits, packed, or how many of its queries are done so far. */
export type ThreadReply = PackedHits | { id: number; done: number };

/** `onEach` heard about 32 times a batch at most (a message each from a thread), and at its end. */
function every(texts: string[], onEach?: (done: number) => void): ((done: number) => void) | undefined {
  const step = Math.max(1, Math.floor(texts.length / 32));
  return onEach && ((done: number) => (done % step === 0 || done === texts.length) && onEach(done));
}

/**
 * A batch of topics' hits, on any thread: long queries of a batch are scored together
 * (`searchTexts`), RM3 queries one by one. `onEach` hears how many are done as they end.
 */
export function searchTopics(
  searcher: Bm25Searcher,
  analyzer: ReturnType<typeof getAnalyzer>,
  texts: string[],
  rm3?: Rm3Params,
  onEach?: (done: number) => void,
): Hit[][] {
  const count = every(texts, onEach);
  if (!rm3) return searcher.searchTexts(analyzer, texts, undefined, count);
  return texts.map((text, i) => {
    const hits = searchRm3(searcher, queryTerms(analyzer, text), rm3);
    count?.(i + 1);
    return hits;
  });
}

/** A batch of topics' hits as internal documents and scores, on any thread (no RM3: it searches twice, by external ids). */
export function rankTopics(
  searcher: Bm25Searcher,
  analyzer: ReturnType<typeof getAnalyzer>,
  texts: string[],
  onEach?: (done: number) => void,
): RankedHits[] {
  return searcher.rankedTexts(analyzer, texts, undefined, every(texts, onEach));
}

export function packRanked(id: number, ranked: RankedHits[]): PackedHits {
  let n = 0;
  for (const r of ranked) n += r.docs.length;
  const docs = new Int32Array(n);
  const scores = new Float64Array(n);
  const counts = new Int32Array(ranked.length);
  let at = 0;
  ranked.forEach((r, q) => {
    counts[q] = r.docs.length;
    docs.set(r.docs, at);
    scores.set(r.scores, at);
    at += r.docs.length;
  });
  return { id, docids: '', docs, scores, counts };
}

export function unpackRanked(p: PackedHits): RankedHits[] {
  const out: RankedHits[] = new Array(p.counts.length);
  let at = 0;
  for (let q = 0; q < out.length; q++) {
    const n = p.counts[q] as number;
    out[q] = { docs: p.docs.subarray(at, at + n), scores: p.scores.subarray(at, at + n) };
    at += n;
  }
  return out;
}

/**
 * A batch's hits packed with their external ids: the ids of the whole batch read as one string
 * (`IndexReader.docidLines`), never one string per hit on this thread.
 */
export function packTopics(
  id: number,
  searcher: Bm25Searcher,
  analyzer: ReturnType<typeof getAnalyzer>,
  texts: string[],
  rm3?: Rm3Params,
  onEach?: (done: number) => void,
): PackedHits {
  if (rm3) return packHits(id, searchTopics(searcher, analyzer, texts, rm3, onEach));
  const packed = packRanked(id, rankTopics(searcher, analyzer, texts, onEach));
  packed.docids = searcher.index.docidLines(packed.docs);
  return packed;
}

export function packHits(id: number, hits: Hit[][]): PackedHits {
  let n = 0;
  for (const h of hits) n += h.length;
  const docs = new Int32Array(n);
  const scores = new Float64Array(n);
  const counts = new Int32Array(hits.length);
  let docids = '';
  let i = 0;
  hits.forEach((list, q) => {
    counts[q] = list.length;
    for (const h of list) {
      docids += `${h.docid}\n`;
      docs[i] = h.doc;
      scores[i++] = h.score;
    }
  });
  return { id, docids, docs, scores, counts };
}

export function unpackHits(p: PackedHits): Hit[][] {
  const ids = p.docids.split('\n');
  const out: Hit[][] = new Array(p.counts.length);
  let i = 0;
  for (let q = 0; q < out.length; q++) {
    const n = p.counts[q] as number;
    const list: Hit[] = new Array(n);
    for (let j = 0; j < n; j++, i++) list[j] = { docid: ids[i] as string, score: p.scores[i] as number, doc: p.docs[i] as number };
    out[q] = list;
  }
  return out;
}
