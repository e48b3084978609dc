import type { Qrels } from '../data/qrels.js';
import { measureRanking, type RankingJudgments, rankingJudgments } from '../eval/evaluate-run.js';
import type { MeasureSpec } from '../eval/measure-spec.js';
import { type FormulationSpec, formulate } from '../retrieval/formulation.js';
import type { SharedIndex } from '../retrieval/index/read-index.js';
import { batchHits } from '../retrieval/search/batch-search.js';
import type { SearchParams } from '../retrieval/search/search.js';

/** A candidate expansion: one generation of one pool. */
export interface Candidate {
  qid: string;
  query: string;
  pool: string;
  sample: number;
  text: string;
}

/**
 * Retrieval feedback for candidates: each is searched in its query's formulation (k = the
 * measure's cutoff, `params.hits`) on every thread, and its ranking scored by the measure against
 * the qrels, as `qexp eval` would score the run `qexp search` writes.
 */
export async function scoreCandidates(
  shared: SharedIndex,
  params: SearchParams,
  candidates: readonly Candidate[],
  qrels: Qrels,
  spec: MeasureSpec,
  formulation: FormulationSpec,
  threads: number,
  onProgress?: (done: number) => void,
): Promise<number[]> {
  const topics = candidates.map((c) => ({ qid: c.qid, text: formulate(c.query, [c.text], formulation) }));
  const found = await batchHits({ indexDir: '', shared, params }, topics, threads, onProgress);
  // each query's judgments keyed once for all of its candidates
  const judgments = new Map<string, RankingJudgments | undefined>();
  return candidates.map((c, i) => {
    if (!judgments.has(c.qid)) {
      const judged = qrels.get(c.qid);
      judgments.set(c.qid, judged && rankingJudgments(judged));
    }
    return measureRanking(found[i] ?? [], judgments.get(c.qid), spec);
  });
}

/** The measure of each query alone (the baseline a candidate is compared with). */
export async function scoreQueries(
  shared: SharedIndex,
  params: SearchParams,
  queries: Map<string, string>,
  qrels: Qrels,
  spec: MeasureSpec,
  threads: number,
): Promise<Map<string, number>> {
  const list = [...queries].map(([qid, query]) => ({ qid, query, pool: '', sample: 0, text: '' }));
  const values = await scoreCandidates(
    shared,
    params,
    list,
    qrels,
    spec,
    { mode: 'none', repeat_query: 0, separator: ' ', concat: 0 },
    threads,
  );
  return new Map(list.map((c, i) => [c.qid, values[i] as number]));
}
