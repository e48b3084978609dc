import type { Analyzer } from '../analysis/analyzers.js';
import type { IndexReader, TermInfo } from '../index/read-index.js';
import { averageLength, idf, normCache, normInverse } from './bm25.js';
import type { KernelNorms } from './group-kernel.js';
import { GROUP_WINDOW, groupTopK } from './group-search.js';
import { type GroupTerms, GroupTermsBuilder, keepQueries, TermIndex, type Weighted } from './group-terms.js';
import { KERNEL_WINDOW, kernelTopK } from './kernel-search.js';
import { maxScoreTopK, WINDOW } from './maxscore.js';
import { NO_MORE_DOCS, PostingsCursor } from './postings-cursor.js';
import { SparseScorer } from './sparse-search.js';
import { type RankedHits, type Ranking, TopK } from './top-k.js';

/** Up to this many postings a query is scored exhaustively, through a small table: cheaper than MaxScore's bookkeeping. */
const SPARSE_UP_TO = 65_536;
/**
 * A query whose postings reach this share of the documents (an expanded query) is scored
 * exhaustively by group scoring's kernel, alone or with the other long queries of its batch:
 * pruning skips little of such a query, and the kernel adds a posting at a fraction of
 * MaxScore's cost.
 */
const LONG_FROM = 0.25;

/**
 * In a batch that has long queries, a query whose postings reach this share of the documents is
 * scored in their group too. What it adds there (a scan of each window, an addition per posting,
 * its terms' decoding and scoring shared) cost several times less than MaxScore did alone on the
 * 1M synthetic corpus: 6 of the feedback bench's 2,000 candidates, between 65,536 postings and
 * LONG_FROM, took 30 ms by MaxScore, and 30 ms more went to copying the group's terms without them.
 */
const JOIN_FROM = 0.05;

/** How `search` scores a query: `Bm25Searcher.top` picks one; tests and benches name one. */
export type Strategy = 'sparse' | 'maxscore' | 'kernel';

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

/**
 * A batch of queries as words: query q's are words[ends[q − 1]] up to words[ends[q]] (from 0 for
 * the first), each counted counts[i] times; a word may come again within a query (a text's
 * tokens), and its counts then add up.
 */
interface BatchWords {
  words: string[];
  counts: Int32Array;
  ends: Int32Array;
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
  /** The norms as the WebAssembly kernel reads them. */
  readonly kernelNorms: KernelNorms;
  /** Whether the index stores exact lengths (its block headers then hold a word more). */
  private readonly exact: boolean;
  private readonly sparse: SparseScorer;
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
    /** The window of a long query searched alone (likewise). */
    private readonly kernelWindow = KERNEL_WINDOW,
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
    this.kernelNorms = { inv: docNormInv, bytes: index.normBytes, cache: this.cache };
    this.sparse = new SparseScorer(this.exact, this.kernelNorms);
  }

  /** The query's terms found in the index, with weight = count · idf (float). */
  weighted(terms: Map<string, number>): Weighted {
    const N = this.index.meta.docsWithTerms;
    const list = [];
    for (const [t, count] of terms) {
      const info = this.index.term(t);
      if (info) list.push({ info, weight: Math.fround(Math.fround(count) * idf(info.df, N)) });
    }
    return list;
  }

  private hits({ docs, scores }: RankedHits): Hit[] {
    const ids = this.index.docidLines(docs).split('\n');
    const out: Hit[] = new Array(docs.length);
    for (let i = 0; i < docs.length; i++) out[i] = { docid: ids[i] as string, score: scores[i] as number, doc: docs[i] as number };
    return out;
  }

  /**
   * Top-k of the query, by whichever strategy suits it: the same hits, scores and order whichever
   * it is.
   */
  search(terms: Map<string, number>, hits = this.params.hits): Hit[] {
    return this.hits(this.top(this.weighted(terms), hits).ranked());
  }

  /**
   * `search`'s hits as internal documents and their scores, best first: what Lucene's
   * `IndexSearcher.search(query, k)` returns (the benches time the two side by side; the external
   * ids are a lookup per hit after it, in either engine).
   */
  ranked(terms: Map<string, number>, hits = this.params.hits): RankedHits {
    return this.top(this.weighted(terms), hits).ranked();
  }

  /** The strategy `search` uses for a query of these terms (by its postings: few, many, or a share of the documents). */
  strategy(weighted: Weighted): Strategy {
    return this.strategyOf(postingsOf(weighted));
  }

  private strategyOf(postings: number): Strategy {
    if (postings <= SPARSE_UP_TO) return 'sparse';
    return postings >= LONG_FROM * this.index.meta.docCount ? 'kernel' : 'maxscore';
  }

  private top(weighted: Weighted, hits: number, strategy = this.strategy(weighted)): Ranking {
    switch (strategy) {
      case 'sparse':
        return this.sparse.topK(weighted, postingsOf(weighted), hits, this.index.docOrder);
      case 'kernel':
        return kernelTopK(weighted, hits, this.kernelNorms, this.index.docOrder, this.exact, this.kernelWindow);
      default:
        return this.maxScoreTop(weighted, hits);
    }
  }

  /**
   * Top-k of many queries, each as `search` would give it. The long ones (postings for at least
   * a quarter of the documents: expanded queries), when there are several, are scored together by
   * `groupTopK`, which decodes and scores the terms they share once, with the queries that reach
   * JOIN_FROM; the others one by one.
   * `onEach` hears how many are done: the long ones at once, then each other one.
   */
  searchMany(list: Map<string, number>[], hits = this.params.hits, onEach?: (done: number) => void): Hit[][] {
    return this.rankedMany(list, hits, onEach).map((r) => this.hits(r));
  }

  /** `searchMany`'s hits as internal documents and their scores (as `ranked`). */
  rankedMany(list: Map<string, number>[], hits = this.params.hits, onEach?: (done: number) => void): RankedHits[] {
    let total = 0;
    for (const terms of list) total += terms.size;
    const words: string[] = new Array(total);
    const counts = new Int32Array(total);
    const ends = new Int32Array(list.length);
    let j = 0;
    list.forEach((terms, q) => {
      terms.forEach((count, term) => {
        words[j] = term;
        counts[j++] = count;
      });
      ends[q] = j;
    });
    return this.rankedWords({ words, counts, ends }, hits, onEach);
  }

  /** `searchMany` of texts, each as `queryTerms` analyzes it (its tokens go to the term lookups without a map of counts). */
  searchTexts(analyzer: Analyzer, texts: string[], hits = this.params.hits, onEach?: (done: number) => void): Hit[][] {
    return this.rankedTexts(analyzer, texts, hits, onEach).map((r) => this.hits(r));
  }

  /** `searchTexts`'s hits as internal documents and their scores. */
  rankedTexts(analyzer: Analyzer, texts: string[], hits = this.params.hits, onEach?: (done: number) => void): RankedHits[] {
    const tokens = texts.map((t) => analyzer.analyze(t));
    let total = 0;
    for (const list of tokens) total += list.length;
    const words: string[] = new Array(total);
    const ends = new Int32Array(texts.length);
    let j = 0;
    tokens.forEach((list, q) => {
      for (const word of list) words[j++] = word;
      ends[q] = j;
    });
    return this.rankedWords({ words, counts: new Int32Array(total).fill(1), ends }, hits, onEach);
  }

  private rankedWords(batch: BatchWords, hits: number, onEach?: (done: number) => void): RankedHits[] {
    const { terms, postings } = this.batchTerms(batch);
    const nq = batch.ends.length;
    let longs = 0;
    for (const p of postings) if (this.strategyOf(p) === 'kernel') longs++;
    // the queries group scoring takes: with two long ones or more, every query that would join them
    const long: number[] = [];
    if (longs >= 2)
      postings.forEach((p, i) => {
        if (p >= JOIN_FROM * this.index.meta.docCount) long.push(i);
      });
    const out: RankedHits[] = new Array(nq);
    if (long.length >= 2) {
      const tops = groupTopK(
        long.length === nq ? terms : keepQueries(terms, long),
        hits,
        this.kernelNorms,
        this.index.docOrder,
        this.exact,
        this.niOfNorm,
        { window: this.groupWindow },
      );
      long.forEach((i, j) => {
        out[i] = (tops[j] as TopK).ranked();
      });
      onEach?.(long.length);
    }
    let done = long.length >= 2 ? long.length : 0;
    const { info, segTerm, segWeight, querySegs } = terms;
    for (let i = 0; i < nq; i++) {
      if (out[i]) continue;
      // the query's weighted terms, as `weighted` gives them
      const w: Weighted = (querySegs[i] as number[]).map((s) => ({
        info: info(segTerm[s] as number),
        weight: segWeight[s] as number,
      }));
      out[i] = this.top(w, hits).ranked();
      onEach?.(++done);
    }
    return out;
  }

  /**
   * The batch's queries' terms found in the index, as group scoring's segments (`weighted`'s
   * terms and weights, in the same order: a term's first word in the query, with its counts
   * summed), and each query's postings: every word looked up at once (`termIds`), each distinct
   * term's statistics read once.
   */
  private batchTerms({ words, counts, ends }: BatchWords): { terms: GroupTerms; postings: Float64Array } {
    const N = this.index.meta.docsWithTerms;
    const total = words.length;
    const index = this.index;
    const ids = index.termIds(words);
    // each word's term in the batch (−1: not in the index); the batch's terms (their ids and dfs) in order
    const builder: GroupTermsBuilder = new GroupTermsBuilder((t): TermInfo => index.termInfo(builder.terms.ids[t] as number));
    const { ids: termIds, dfs } = builder.terms;
    const termOf = new Int32Array(total);
    const batchIndex = new TermIndex(total);
    for (let i = 0; i < total; i++) {
      const id = ids[i] as number;
      const t = id < 0 ? -1 : batchIndex.indexOf(id, termIds.length);
      if (t === termIds.length) builder.term(id, index.termDf(id));
      termOf[i] = t;
    }
    const idfs = Float64Array.from(dfs, (df) => idf(df, N));
    // a query's terms in the order of their first words, and their counts; the query a term was
    // last seen in (plus one) and its place in that query's list
    let most = 0;
    for (let q = 0, from = 0; q < ends.length; from = ends[q++] as number) most = Math.max(most, (ends[q] as number) - from);
    const own = new Int32Array(most);
    const ownCounts = new Int32Array(most);
    const lastQuery = new Int32Array(termIds.length);
    const place = new Int32Array(termIds.length);
    const postings = new Float64Array(ends.length);
    const querySegs: number[][] = new Array(ends.length);
    for (let q = 0, j = 0; q < ends.length; q++) {
      let found = 0;
      for (const end = ends[q] as number; j < end; j++) {
        const t = termOf[j] as number;
        if (t < 0) continue;
        if (lastQuery[t] === q + 1) {
          const at = place[t] as number;
          ownCounts[at] = (ownCounts[at] as number) + (counts[j] as number);
        } else {
          lastQuery[t] = q + 1;
          place[t] = found;
          own[found] = t;
          ownCounts[found++] = counts[j] as number;
        }
      }
      const segs: number[] = new Array(found);
      let n = 0;
      for (let i = 0; i < found; i++) {
        const t = own[i] as number;
        segs[i] = builder.segment(t, Math.fround(Math.fround(ownCounts[i] as number) * (idfs[t] as number)));
        n += dfs[t] as number;
      }
      querySegs[q] = segs;
      postings[q] = n;
    }
    builder.terms.querySegs = querySegs;
    return { terms: builder.terms, postings };
  }

  /** Top-k by the named strategy whatever the query's size (tests compare each with `exhaustive`; benches time them). */
  searchWith(strategy: Strategy, terms: Map<string, number>, hits = this.params.hits): Hit[] {
    return this.hits(this.top(this.weighted(terms), hits, strategy).ranked());
  }

  /** The normInverse of a block header's norm (a norm byte, or with exact norms a length). */
  readonly niOfNorm = (norm: number): number =>
    this.cache ? (this.cache[norm] as number) : normInverse(this.params.k1, this.params.b, norm, this.avgdl);

  private maxScoreTop(weighted: Weighted, hits: number): TopK {
    return maxScoreTopK(weighted, hits, this.docNormInv, this.niOfNorm, this.index.docOrder, this.exact, this.window);
  }

  /** Exhaustive term-at-a-time scoring of every posting: the reference for `search`. */
  exhaustive(terms: Map<string, number>, hits = this.params.hits): Hit[] {
    return this.hits(this.exhaustiveTop(this.weighted(terms), hits).ranked());
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
