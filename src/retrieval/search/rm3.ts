import type { IndexReader } from '../index/read-index.js';
import type { Bm25Searcher, Hit } from './search.js';

export interface Rm3Params {
  /** Feedback documents (Anserini default 10). */
  fbDocs: number;
  /** Expansion terms (Anserini default 10). */
  fbTerms: number;
  /** Weight of the original query in the interpolation (Anserini default 0.5). */
  originalQueryWeight: number;
}

export const RM3_DEFAULTS: Rm3Params = { fbDocs: 10, fbTerms: 10, originalQueryWeight: 0.5 };

const f = Math.fround;

/** Keeps the k largest weights; ties go to the term that sorts first (Anserini's order is a hash map's). */
function prune(v: Map<string, number>, k: number): Map<string, number> {
  const sorted = [...v].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Map(sorted.slice(0, k));
}

function l1(v: Map<string, number>): number {
  let s = 0;
  for (const w of v.values()) s += Math.abs(w);
  return s;
}

function scaleL1(v: Map<string, number>): Map<string, number> {
  const n = l1(v);
  return new Map([...v].map(([t, w]) => [t, n > 0 ? f(w / n) : w]));
}

/**
 * RM3 pseudo-relevance feedback as Anserini's Rm3Reranker computes it: document vectors of the
 * top fbDocs hits (terms of 2–20 characters matching [a-z0-9]+, in at most 10% of documents;
 * weight = term frequency; each pruned to fbTerms), P(w|D) weighted by the first-pass score,
 * pruned to fbTerms and L1-normalized, interpolated with the L1-normalized query; the expanded
 * query's term weights are the BM25 boosts of the second pass.
 */
export function rm3Query(index: IndexReader, first: Hit[], query: Map<string, number>, params: Rm3Params): Map<string, number> {
  const numDocs = index.meta.docCount;
  const docs = first.slice(0, params.fbDocs);
  const vectors: Map<string, number>[] = [];
  const vocab = new Set<string>();
  for (const hit of docs) {
    const v = new Map<string, number>();
    for (const { term: id, tf } of index.docVector(hit.doc)) {
      const term = index.termText(id);
      if (term.length < 2 || term.length > 20 || !/^[a-z0-9]+$/.test(term)) continue;
      if (f(index.termInfo(id).df / numDocs) > f(0.1)) continue;
      v.set(term, f(tf));
    }
    const pruned = prune(v, params.fbTerms);
    for (const t of pruned.keys()) vocab.add(t);
    vectors.push(pruned);
  }
  const norms = vectors.map((v) => f(l1(v)));
  const rm = new Map<string, number>();
  for (const term of vocab) {
    let w = 0;
    vectors.forEach((v, i) => {
      const norm = norms[i] as number;
      if (norm > f(0.001)) w = f(w + f(f(f(v.get(term) ?? 0) / norm) * f(docs[i]?.score as number)));
    });
    rm.set(term, w);
  }
  const model = scaleL1(prune(rm, params.fbTerms));
  const q = scaleL1(new Map([...query].map(([t, c]) => [t, f(c)])));
  const a = f(params.originalQueryWeight);
  const out = new Map<string, number>();
  for (const t of new Set([...q.keys(), ...model.keys()])) {
    out.set(t, f(f(a * (q.get(t) ?? 0)) + f(f(1 - a) * (model.get(t) ?? 0))));
  }
  return out;
}

/** BM25, then RM3 expansion, then BM25 with the expanded, weighted query. */
export function searchRm3(searcher: Bm25Searcher, query: Map<string, number>, params: Rm3Params, hits?: number): Hit[] {
  const first = searcher.search(query, hits);
  return searcher.search(rm3Query(searcher.index, first, query, params), hits);
}
