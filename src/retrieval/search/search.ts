import type { Analyzer } from '../analysis/analyzers.js';
import type { IndexReader } from '../index/read-index.js';
import { averageLength, idf, normCache, normInverse, termScore } from './bm25.js';
import { maxScoreTopK } from './maxscore.js';

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
  private readonly acc: Float64Array;
  private readonly touched: Int32Array;

  constructor(
    readonly index: IndexReader,
    readonly params: SearchParams,
  ) {
    this.avgdl = averageLength(index.meta.sumTotalTermFreq, index.meta.docsWithTerms);
    this.cache = index.normBytes ? normCache(params.k1, params.b, this.avgdl) : null;
    this.acc = new Float64Array(index.meta.docCount);
    this.touched = new Int32Array(index.meta.docCount);
  }

  private normInv(doc: number): number {
    const nb = this.index.normBytes;
    if (nb && this.cache) return this.cache[nb[doc] as number] as number;
    return normInverse(this.params.k1, this.params.b, this.index.lengths?.[doc] as number, this.avgdl);
  }

  /** Top-k with MaxScore pruning: the same hits, scores and order as `exhaustive`, faster. */
  search(terms: Map<string, number>, hits = this.params.hits): Hit[] {
    const N = this.index.meta.docsWithTerms;
    const list = [];
    for (const [t, count] of terms) {
      const info = this.index.term(t);
      if (info) list.push({ info, weight: Math.fround(Math.fround(count) * idf(info.df, N)) });
    }
    const cache = this.cache;
    const blockMin = cache
      ? (minNorm: number) => cache[minNorm] as number
      : (minLen: number) => normInverse(this.params.k1, this.params.b, minLen, this.avgdl);
    return maxScoreTopK(this.index, list, hits, (doc) => this.normInv(doc), blockMin);
  }

  /** Exhaustive term-at-a-time scoring of every posting: the reference for `search`. */
  exhaustive(terms: Map<string, number>, hits = this.params.hits): Hit[] {
    const N = this.index.meta.docsWithTerms;
    const acc = this.acc;
    const touched = this.touched;
    let nTouched = 0;
    for (const [t, count] of terms) {
      const info = this.index.term(t);
      if (!info) continue;
      const weight = Math.fround(Math.fround(count) * idf(info.df, N));
      this.index.forEachPosting(info, (doc, tf) => {
        if (acc[doc] === 0) touched[nTouched++] = doc;
        acc[doc] = (acc[doc] as number) + termScore(weight, tf, this.normInv(doc));
      });
    }
    const cands: Hit[] = [];
    for (let i = 0; i < nTouched; i++) {
      const d = touched[i] as number;
      cands.push({ docid: this.index.docids[d] as string, score: Math.fround(acc[d] as number) });
      acc[d] = 0;
    }
    cands.sort((a, b) => b.score - a.score || (a.docid < b.docid ? -1 : a.docid > b.docid ? 1 : 0));
    return cands.length > hits ? cands.slice(0, hits) : cands;
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
