import type { Qrels } from '../data/qrels.js';
import type { Run, RunEntry } from '../data/runs.js';
import type { MeasureSpec } from './measure-spec.js';
import type { RankedQuery } from './measures.js';
import * as M from './measures.js';

export interface EvalOptions {
  /** trec_eval -c: every judged query counts; one missing from the run scores 0. */
  complete?: boolean;
  /** trec_eval -M: documents per query considered. */
  maxDocs?: number;
}

export interface EvalResult {
  /** Queries evaluated, in trec_eval's order (judged qids sorted as strcmp does). */
  qids: string[];
  /** perQuery[i][j]: value of specs[j] for qids[i]. */
  perQuery: number[][];
  /** Aggregate over queries: mean for rates, sum for counts, geometric mean for gm_map. */
  all: (number | string)[];
  specs: MeasureSpec[];
}

const MIN_GEO_MEAN = 0.00001;

/** strcmp order on the UTF-8 bytes (trec_eval sorts qids and breaks score ties by docno). */
export function compareBytes(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Documents by score descending, ties by docno descending (trec_eval; the rank column is ignored), cut at maxDocs. */
export function rankDocuments(entries: readonly RunEntry[], maxDocs = Number.POSITIVE_INFINITY): RunEntry[] {
  const sorted = [...entries].sort((a, b) => (a.score > b.score ? -1 : a.score < b.score ? 1 : compareBytes(b.docid, a.docid)));
  return sorted.length > maxDocs ? sorted.slice(0, maxDocs) : sorted;
}

export function prepareQuery(ranking: readonly RunEntry[], judged: Map<string, number> | undefined): RankedQuery {
  const levelCounts: number[] = [];
  for (const g of judged?.values() ?? []) if (g >= 0) levelCounts[g] = (levelCounts[g] ?? 0) + 1;
  for (let i = 0; i < levelCounts.length; i++) levelCounts[i] ??= 0;
  const rels = new Int32Array(ranking.length);
  ranking.forEach((e, i) => {
    const g = judged?.get(e.docid);
    rels[i] = g === undefined || g < 0 ? -1 : g;
  });
  return { rels, levelCounts };
}

export function measureQuery(q: RankedQuery, spec: MeasureSpec): number {
  const L = spec.relLevel;
  const k = spec.cutoff ?? Number.POSITIVE_INFINITY;
  switch (spec.measure) {
    case 'num_q':
      return 1;
    case 'num_ret':
      return M.stats(q, L).numRet;
    case 'num_rel':
      return M.stats(q, L).numRel;
    case 'num_rel_ret':
      return M.stats(q, L).numRelRet;
    case 'map':
    case 'map_cut':
      return M.averagePrecision(q, L, k);
    case 'gm_map':
      return Math.log(Math.max(M.averagePrecision(q, L), MIN_GEO_MEAN));
    case 'Rprec':
      return M.rPrecision(q, L);
    case 'bpref':
      return M.bpref(q, L);
    case 'recip_rank':
    case 'rr_cut':
      return M.reciprocalRank(q, L, k);
    case 'P':
      return M.precisionAt(q, L, k);
    case 'recall':
      return M.recallAt(q, L, k);
    case 'ndcg':
    case 'ndcg_cut':
      return M.ndcg(q, k);
    case 'success':
      return M.successAt(q, L, k);
    case 'runid':
      return 0;
    default:
      throw new Error(`internal: no implementation for measure ${spec.measure}`);
  }
}

/**
 * Evaluates a run against judgments as trec_eval 9.0.x does: judged queries only (all of them
 * with `complete`), run-only queries ignored, documents ordered by score then docno descending.
 */
export function evaluateRun(qrels: Qrels, run: Run, specs: MeasureSpec[], opts: EvalOptions = {}): EvalResult {
  const qids = [...qrels.keys()].filter((q) => opts.complete || run.byQuery.has(q)).sort(compareBytes);
  const perQuery = qids.map((qid) => {
    const q = prepareQuery(rankDocuments(run.byQuery.get(qid) ?? [], opts.maxDocs), qrels.get(qid));
    return specs.map((s) => measureQuery(q, s));
  });
  const all = specs.map((s, j) => {
    if (s.measure === 'runid') return run.tag;
    if (s.measure === 'num_q') return qids.length;
    const col = perQuery.map((row) => row[j] as number);
    const sum = col.reduce((a, b) => a + b, 0);
    if (s.kind === 'long') return sum;
    if (qids.length === 0) return 0;
    if (s.measure === 'gm_map') return Math.exp(sum / qids.length);
    return sum / qids.length;
  });
  return { qids, perQuery, all, specs };
}

/**
 * One query's value of a measure for a ranking as `qexp search` would write it and `qexp eval`
 * read it back: scores printed with 6 decimals, documents re-sorted as trec_eval sorts them. The
 * feedback stage scores candidates with it, so that its values equal search + eval.
 */
export function measureRanking(
  hits: readonly { docid: string; score: number }[],
  judged: Map<string, number> | undefined,
  spec: MeasureSpec,
): number {
  const entries = hits.map((h, i) => ({ docid: h.docid, score: Number(h.score.toFixed(6)), rank: i + 1 }));
  return measureQuery(prepareQuery(rankDocuments(entries), judged), spec);
}
