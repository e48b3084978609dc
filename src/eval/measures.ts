/**
 * trec_eval's measures (9.0.x semantics) over one query's ranking. Each function reads the
 * relevance grades of the ranked documents (`rels[i]`, -1 for unjudged) and the counts of judged
 * documents per grade, as trec_eval's form_res_rels prepares them.
 */

/** One query, ready to measure. */
export interface RankedQuery {
  /** Grade of the document at each rank (0-based), -1 when the document is not judged. */
  rels: Int32Array;
  /** Judged documents per grade (index = grade ≥ 0). */
  levelCounts: number[];
}

export interface QueryStats {
  numRet: number;
  numRel: number;
  numRelRet: number;
}

export function stats(q: RankedQuery, level: number): QueryStats {
  let numRel = 0;
  for (let g = Math.max(level, 0); g < q.levelCounts.length; g++) numRel += q.levelCounts[g] ?? 0;
  let numRelRet = 0;
  for (const r of q.rels) if (r >= level) numRelRet++;
  return { numRet: q.rels.length, numRel, numRelRet };
}

/** Average precision (map); with a cutoff, only ranks ≤ k count (map_cut.k). */
export function averagePrecision(q: RankedQuery, level: number, cutoff = Number.POSITIVE_INFINITY): number {
  const { numRel } = stats(q, level);
  let relSoFar = 0;
  let sum = 0;
  const n = Math.min(q.rels.length, cutoff);
  for (let i = 0; i < n; i++) {
    if ((q.rels[i] as number) >= level) {
      relSoFar++;
      sum += relSoFar / (i + 1);
    }
  }
  return relSoFar && numRel ? sum / numRel : 0;
}

/** Relevant documents among the first k retrieved. */
function relInTop(q: RankedQuery, level: number, k: number): number {
  let n = 0;
  const end = Math.min(q.rels.length, k);
  for (let i = 0; i < end; i++) if ((q.rels[i] as number) >= level) n++;
  return n;
}

/** P.k: relevant in the top k over k (k fixed even when fewer were retrieved). */
export function precisionAt(q: RankedQuery, level: number, k: number): number {
  return relInTop(q, level, k) / k;
}

/** recall.k: relevant in the top k over all relevant. */
export function recallAt(q: RankedQuery, level: number, k: number): number {
  const { numRel } = stats(q, level);
  return numRel ? relInTop(q, level, k) / numRel : 0;
}

/** Rprec: precision after R = num_rel documents. */
export function rPrecision(q: RankedQuery, level: number): number {
  const { numRel } = stats(q, level);
  return numRel ? relInTop(q, level, numRel) / numRel : 0;
}

/** recip_rank: 1 / rank of the first relevant document (within the first k when a cutoff is given). */
export function reciprocalRank(q: RankedQuery, level: number, cutoff = Number.POSITIVE_INFINITY): number {
  const n = Math.min(q.rels.length, cutoff);
  for (let i = 0; i < n; i++) if ((q.rels[i] as number) >= level) return 1 / (i + 1);
  return 0;
}

/** success.k: 1 when a relevant document is in the top k. */
export function successAt(q: RankedQuery, level: number, k: number): number {
  return relInTop(q, level, k) > 0 ? 1 : 0;
}

/**
 * bpref (Buckley & Voorhees 2004) as trec_eval computes it: for each judged relevant document
 * retrieved, 1 − min(judged non-relevant above it, R) / min(N, R); summed and divided by R.
 * Unjudged documents are skipped.
 */
export function bpref(q: RankedQuery, level: number): number {
  const { numRel } = stats(q, level);
  let numNonrel = 0;
  for (let g = 0; g < Math.min(level, q.levelCounts.length); g++) numNonrel += q.levelCounts[g] ?? 0;
  let nonrelSoFar = 0;
  let sum = 0;
  for (const r of q.rels) {
    if (r < 0) continue;
    if (r < level) nonrelSoFar++;
    else sum += nonrelSoFar > 0 ? 1 - Math.min(nonrelSoFar, numRel) / Math.min(numNonrel, numRel) : 1;
  }
  return numRel ? sum / numRel : 0;
}

/** Ideal gains: every judged grade > 0, largest first (gain = grade). */
function idealGains(q: RankedQuery): number[] {
  const out: number[] = [];
  for (let g = q.levelCounts.length - 1; g > 0; g--) for (let c = 0; c < (q.levelCounts[g] ?? 0); c++) out.push(g);
  return out;
}

function dcg(gains: ArrayLike<number>, k: number): number {
  let sum = 0;
  const n = Math.min(gains.length, k);
  for (let i = 0; i < n; i++) {
    const g = gains[i] as number;
    if (g > 0) sum += g / Math.log2(i + 2);
  }
  return sum;
}

/**
 * nDCG with gain = grade and discount log2(rank + 1) (trec_eval `ndcg`: the whole ranking
 * against all judged documents; `ndcg_cut.k`: both cut at k). Not affected by `-l`.
 */
export function ndcg(q: RankedQuery, cutoff = Number.POSITIVE_INFINITY): number {
  const ideal = dcg(idealGains(q), cutoff);
  return ideal > 0 ? dcg(q.rels, cutoff) / ideal : 0;
}
