import type { Analyzer } from '../analysis/analyzers.js';
import type { IndexReader } from '../index/read-index.js';
import { averageLength, idf, normCache, normInverse } from './bm25.js';
import { maxScoreTopK } from './maxscore.js';
import { NO_MORE_DOCS, PostingsCursor } from './postings-cursor.js';
import { TopK } from './top-k.js';

export interface Hit {
  docid: string;
  score: number;
}

export interface SearchParams {
  k1: number;
  b: number;
  hits: number;
}

/** Query terms with their counts, in first-occurrence order (a repeated term weighs by its count). */
export function queryTerms(analyzer: Analyzer, text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of analyzer.analyze(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

/**
 * BM25 top-k: each term's float score (Lucene's formula and rounding), summed per document in
 * double and rounded to float as Lucene's disjunction scorers do. Ties are ordered by external
 * document id ascending.
 */
export class Bm25Searcher {
  private readonly avgdl: number;
  private readonly cache: Float32Array | null;
  /** normInverse of every document, looked up per posting. */
  private readonly docNormInv: Float32Array;
  private readonly acc: Float64Array;
  private readonly seen: Uint8Array;
  private readonly touched: Int32Array;

  constructor(
    readonly index: IndexReader,
    readonly params: SearchParams,
  ) {
    this.avgdl = averageLength(index.meta.sumTotalTermFreq, index.meta.docsWithTerms);
    this.cache = index.normBytes ? normCache(params.k1, params.b, this.avgdl) : null;
    const n = index.meta.docCount;
    this.docNormInv = new Float32Array(n);
    const nb = index.normBytes;
    const cache = this.cache;
    for (let d = 0; d < n; d++) {
      this.docNormInv[d] =
        nb && cache ? (cache[nb[d] as number] as number) : normInverse(params.k1, params.b, index.lengths?.[d] as number, this.avgdl);
    }
    this.acc = new Float64Array(n);
    this.seen = new Uint8Array(n);
    this.touched = new Int32Array(n);
  }

  private weighted(terms: Map<string, number>) {
    const N = this.index.meta.docsWithTerms;
    const list = [];
    for (const [t, count] of terms) {
      const info = this.index.term(t);
      if (info) list.push({ info, weight: Math.fround(Math.fround(count) * idf(info.df, N)) });
    }
    return list;
  }

  /** Top-k with MaxScore pruning: the same hits, scores and order as `exhaustive`, faster. */
  search(terms: Map<string, number>, hits = this.params.hits): Hit[] {
    const cache = this.cache;
    const blockMin = cache
      ? (minNorm: number) => cache[minNorm] as number
      : (minLen: number) => normInverse(this.params.k1, this.params.b, minLen, this.avgdl);
    return maxScoreTopK(this.index, this.weighted(terms), hits, this.docNormInv, blockMin);
  }

  /** Exhaustive term-at-a-time scoring of every posting: the reference for `search`. */
  exhaustive(terms: Map<string, number>, hits = this.params.hits): Hit[] {
    let n = 0;
    for (const { info, weight } of this.weighted(terms)) {
      const cursor = new PostingsCursor(this.index, info);
      cursor.next();
      n = cursor.scoreUpTo(NO_MORE_DOCS, 0, weight, this.docNormInv, this.acc, this.seen, this.touched, n);
    }
    const top = new TopK(hits, this.index.docids);
    for (let i = 0; i < n; i++) {
      const d = this.touched[i] as number;
      top.offer(d, Math.fround(this.acc[d] as number));
      this.acc[d] = 0;
      this.seen[d] = 0;
    }
    return top.sorted();
  }
}

/** Anserini's run line: `qid Q0 docid rank score tag`, score with 6 decimals. */
export function runLines(qid: string, hits: Hit[], tag: string): string {
  let s = '';
  hits.forEach((h, i) => {
    s += `${qid} Q0 ${h.docid} ${i + 1} ${h.score.toFixed(6)} ${tag}\n`;
  });
  return s;
}
