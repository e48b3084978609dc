import type { Analyzer } from '../analysis/analyzers.js';
import type { IndexReader, TermInfo } from '../index/read-index.js';
import { averageLength, idf, normCache, normInverse } from './bm25.js';
import { GROUP_WINDOW, groupTopK, type Weighted } from './group-search.js';
import { maxScoreTopK, WINDOW } from './maxscore.js';
import { NO_MORE_DOCS, PostingsCursor } from './postings-cursor.js';
import { TopK } from './top-k.js';

/** Up to this many postings a query is scored exhaustively: cheaper than MaxScore's bookkeeping. */
const EXHAUSTIVE_UP_TO = 65_536;
/** `searchMany` scores queries together when their postings reach this share of the documents (expanded queries). */
const GROUP_FROM = 0.25;

export interface Hit {
  docid: string;
  score: number;
  /** Internal document number. */
  doc: number;
}

export interface SearchParams {
  k1: number;
  b: number;
  hits: number;
}

/** Every document's normInverse, per index read into memory and per (k1, b): searchers of one index (one per batch of a run) share it. */
const normInvCache = new WeakMap<object, Map<string, Float32Array>>();

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
  /** normInverse per norm byte (Lucene's cache), or null with exact norms. */
  private readonly cache: Float32Array | null;
  /** normInverse of every document, looked up per posting. */
  readonly docNormInv: Float32Array;
  /** Whether the index stores exact lengths (its block headers then hold a word more). */
  private readonly exact: boolean;
  private acc: Float64Array | null = null;
  private seen: Uint8Array | null = null;
  private touched: Int32Array | null = null;

  constructor(
    readonly index: IndexReader,
    readonly params: SearchParams,
    /** MaxScore's window of documents (tests shrink it to cross many windows on small corpora). */
    private readonly window = WINDOW,
    /** `searchMany`'s window of documents (likewise). */
    private readonly groupWindow = GROUP_WINDOW,
  ) {
    this.avgdl = averageLength(index.meta.sumTotalTermFreq, index.meta.docsWithTerms);
    this.cache = index.normBytes ? normCache(params.k1, params.b, this.avgdl) : null;
    this.exact = index.meta.norms === 'exact';
    const key = `${params.k1} ${params.b}`;
    let byParams = normInvCache.get(index.shared);
    if (!byParams) normInvCache.set(index.shared, (byParams = new Map()));
    let docNormInv = byParams.get(key);
    if (!docNormInv) {
      const n = index.meta.docCount;
      docNormInv = new Float32Array(n);
      const nb = index.normBytes;
      const cache = this.cache;
      const lengths = index.lengths;
      for (let d = 0; d < n; d++) {
        docNormInv[d] =
          nb && cache ? (cache[nb[d] as number] as number) : normInverse(params.k1, params.b, lengths?.[d] as number, this.avgdl);
      }
      byParams.set(key, docNormInv);
    }
    this.docNormInv = docNormInv;
  }

  /**
   * The query's terms found in the index, with weight = count · idf (float). `seen` keeps the
   * lookups of a batch, whose queries share many terms.
   */
  weighted(terms: Map<string, number>, seen?: Map<string, TermInfo | undefined>): Weighted {
    const N = this.index.meta.docsWithTerms;
    const list = [];
    for (const [t, count] of terms) {
      let info: TermInfo | undefined;
      if (seen?.has(t)) info = seen.get(t);
      else {
        info = this.index.term(t);
        seen?.set(t, info);
      }
      if (info) list.push({ info, weight: Math.fround(Math.fround(count) * idf(info.df, N)) });
    }
    return list;
  }

  private hits(top: TopK): Hit[] {
    return top.sorted().map(({ doc, score }) => ({ docid: this.index.docid(doc), score, doc }));
  }

  /**
   * Top-k: MaxScore pruning, or exhaustive scoring when the query's postings are few enough that
   * pruning would cost more than it saves. Either way the same hits, scores and order.
   */
  search(terms: Map<string, number>, hits = this.params.hits): Hit[] {
    return this.hits(this.top(this.weighted(terms), hits));
  }

  private top(weighted: Weighted, hits: number): TopK {
    return postingsOf(weighted) <= EXHAUSTIVE_UP_TO ? this.exhaustiveTop(weighted, hits) : this.maxScoreTop(weighted, hits);
  }

  /**
   * Top-k of many queries, each as `search` would give it. The long ones (postings for at least
   * a quarter of the documents: expanded queries), when there are several, are scored together by
   * `groupTopK`, which decodes and scores the terms they share once; the others one by one.
   * `onEach` hears how many are done: the long ones at once, then each other one.
   */
  searchMany(list: Map<string, number>[], hits = this.params.hits, onEach?: (done: number) => void): Hit[][] {
    const seen = new Map<string, TermInfo | undefined>();
    const weighted = list.map((terms) => this.weighted(terms, seen));
    const long = weighted.flatMap((w, i) => (postingsOf(w) >= GROUP_FROM * this.index.meta.docCount ? [i] : []));
    const out: Hit[][] = new Array(list.length);
    if (long.length >= 2) {
      const tops = groupTopK(
        long.map((i) => weighted[i] as Weighted),
        hits,
        this.docNormInv,
        this.index.docOrder,
        this.exact,
        this.groupWindow,
      );
      long.forEach((i, j) => {
        out[i] = this.hits(tops[j] as TopK);
      });
      onEach?.(long.length);
    }
    let done = long.length >= 2 ? long.length : 0;
    weighted.forEach((w, i) => {
      if (out[i]) return;
      out[i] = this.hits(this.top(w, hits));
      onEach?.(++done);
    });
    return out;
  }

  /** Top-k with MaxScore whatever the query's size (`search` picks; tests compare this with `exhaustive`). */
  pruned(terms: Map<string, number>, hits = this.params.hits): Hit[] {
    return this.hits(this.maxScoreTop(this.weighted(terms), hits));
  }

  private maxScoreTop(weighted: Weighted, hits: number): TopK {
    const cache = this.cache;
    const { k1, b } = this.params;
    const niOfNorm = cache ? (norm: number) => cache[norm] as number : (len: number) => normInverse(k1, b, len, this.avgdl);
    return maxScoreTopK(weighted, hits, this.docNormInv, niOfNorm, this.index.docOrder, this.exact, this.window);
  }

  /** Exhaustive term-at-a-time scoring of every posting: the reference for `search`. */
  exhaustive(terms: Map<string, number>, hits = this.params.hits): Hit[] {
    return this.hits(this.exhaustiveTop(this.weighted(terms), hits));
  }

  private exhaustiveTop(weighted: Weighted, hits: number): TopK {
    const n = this.index.meta.docCount;
    if (!this.acc) {
      this.acc = new Float64Array(n);
      this.seen = new Uint8Array(n);
      this.touched = new Int32Array(n);
    }
    const acc = this.acc;
    const seen = this.seen as Uint8Array;
    const touched = this.touched as Int32Array;
    let count = 0;
    for (const { info, weight } of weighted) {
      const cursor = new PostingsCursor(info, this.exact);
      count = cursor.scoreUpTo(NO_MORE_DOCS, 0, weight, this.docNormInv, acc, seen, touched, count);
    }
    const top = new TopK(hits, this.index.docOrder);
    for (let i = 0; i < count; i++) {
      const d = touched[i] as number;
      top.offer(d, Math.fround(acc[d] as number));
      acc[d] = 0;
      seen[d] = 0;
    }
    return top;
  }
}

function postingsOf(weighted: Weighted): number {
  let postings = 0;
  for (const t of weighted) postings += t.info.df;
  return postings;
}

/** Anserini's run line: `qid Q0 docid rank score tag`, score with 6 decimals. */
export function runLines(qid: string, hits: Hit[], tag: string): string {
  let s = '';
  hits.forEach((h, i) => {
    s += `${qid} Q0 ${h.docid} ${i + 1} ${h.score.toFixed(6)} ${tag}\n`;
  });
  return s;
}
