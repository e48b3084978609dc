import { DataError } from '../data/data-error.js';
import type { RankedList } from '../data/runs.js';
import { byteOrder, displayText } from '../data/trec-fields.js';
import { glibcSortIndices } from './glibc-sort.js';

/** trec_eval's relevance values for a retrieved document that has no judgment of its own. */
export const RELVALUE_NONPOOL = -1;
export const RELVALUE_UNJUDGED = -2;

export type TrecEvalVersion = 9 | 10;

/** The settings trec_eval's measures read (its EPI). */
export interface EvalParams {
  /** -l: smallest grade counted as relevant. */
  relLevel: number;
  /** -M: documents per query considered. */
  maxDocs: number;
  /** -J: drop unjudged documents before measuring. */
  judgedOnly: boolean;
  /** -N: documents in the collection (utility). */
  numDocsInColl: number;
  version: TrecEvalVersion;
}

/**
 * One query's retrieved documents merged with its judgments (trec_eval's RES_RELS): the grade
 * of each ranked document, counts among the retrieved, and judged documents per grade.
 */
export interface ResRels {
  numRet: number;
  numRelRet: number;
  numNonpool: number;
  numUnjudgedInPool: number;
  numRel: number;
  /** Grades 0..numRelLevels-1 occur among the judgments. */
  numRelLevels: number;
  /** Judged documents per grade; read past the query's largest grade, stale counts (see LevelBuffer). */
  relLevels: LevelBuffer;
  /** Grade of the document at each rank, RELVALUE_* when it has none. */
  rels: Int32Array;
}

/**
 * trec_eval's rel_levels array is reused from query to query and cleared only up to the
 * query's largest grade: bpref reads grades below -l, past that size when -l exceeds every
 * grade, and then sees counts left by earlier queries. This reproduces that (a freshly grown
 * buffer reads as zeros).
 */
export class LevelBuffer {
  private data = new Float64Array(0);
  private bound = 0;
  /** trec_eval has allocated it: a query with a grade ≥ 0 was measured before. */
  get allocated(): boolean {
    return this.bound > 0;
  }
  reset(size: number): void {
    if (size > this.bound) {
      this.bound += size;
      const grown = new Float64Array(this.bound);
      this.data = grown;
    }
    this.data.fill(0, 0, Math.max(size, 0));
  }
  /** Judged documents of grades 0..level-1 (past the buffer, trec_eval reads memory qexp models as 0). */
  sumBelow(level: number): number {
    let sum = 0;
    const end = Math.min(level, this.data.length);
    for (let j = 0; j < end; j++) sum += this.data[j] as number;
    return sum;
  }
  get(i: number): number {
    return i >= 0 && i < this.data.length ? (this.data[i] as number) : 0;
  }
  add(i: number): void {
    (this.data as Float64Array)[i] = (this.data[i] as number) + 1;
  }
}

/**
 * Ranks a query's documents as trec_eval does: by score descending (trec_eval 9 compares the
 * scores as C floats, 10 as doubles), ties by docid descending in byte order; the first
 * `maxDocs` kept. Returns indices into the list.
 */
export function rankList(list: RankedList, maxDocs: number, version: TrecEvalVersion): Int32Array {
  const n = list.length;
  const sims = new Float64Array(n);
  let totalOrder = true;
  for (let i = 0; i < n; i++) {
    const s = list.scores[i] as number;
    sims[i] = version === 9 ? Math.fround(s) : s;
    if (Number.isNaN(s)) totalOrder = false;
  }
  const docids = list.docids;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  // trec_eval sorts the lines by docno first; with a NaN score the ranking depends on that order
  if (!totalOrder) idx.sort((a, b) => byteOrder(docids[a] as string, docids[b] as string) || a - b);
  glibcSortIndices(
    idx,
    (a, b) => {
      const x = sims[a] as number;
      const y = sims[b] as number;
      if (x > y) return -1;
      if (x < y) return 1;
      const da = docids[a] as string;
      const db = docids[b] as string;
      return db < da ? -1 : db > da ? 1 : 0;
    },
    totalOrder,
  );
  return n > maxDocs ? idx.subarray(0, maxDocs) : idx;
}

/** Finds a document listed twice among the ranked ones (trec_eval checks only those within -M). */
export function checkDuplicates(list: RankedList, ranked: Int32Array, path: string, qid: string): void {
  const seen = new Map<string, number>();
  for (const i of ranked) {
    const d = list.docids[i] as string;
    const prev = seen.get(d);
    if (prev !== undefined) {
      const [a, b] = [list.lines[prev] as number, list.lines[i] as number].sort((x, y) => x - y);
      throw new DataError(
        path,
        b,
        `document ${displayText(d)} appears twice in the ranking of query ${displayText(qid)} (first at line ${a})`,
      );
    }
    seen.set(d, i);
  }
}

/** trec_eval's form_res_rels for one query. */
export function formResRels(
  list: RankedList,
  ranked: Int32Array,
  judged: Map<string, number>,
  p: EvalParams,
  levels: LevelBuffer,
): ResRels {
  let maxRel = Number.NEGATIVE_INFINITY;
  for (const g of judged.values()) if (g > maxRel) maxRel = g;
  if (judged.size === 0) maxRel = 0;
  levels.reset(maxRel + 1);
  for (const g of judged.values()) if (g >= 0) levels.add(g);
  const n = ranked.length;
  const all = new Int32Array(n);
  for (let r = 0; r < n; r++) {
    const g = judged.get(list.docids[ranked[r] as number] as string);
    all[r] = g === undefined ? RELVALUE_NONPOOL : g < 0 ? RELVALUE_UNJUDGED : g;
  }
  let rels = all;
  let numRelRet = 0;
  let numNonpool = 0;
  let numUnjudged = 0;
  if (p.judgedOnly) {
    rels = all.filter((g) => g >= 0);
    for (const g of rels) if (g >= p.relLevel) numRelRet++;
  } else {
    for (const g of all) {
      if (g === RELVALUE_NONPOOL) numNonpool++;
      else if (g === RELVALUE_UNJUDGED) numUnjudged++;
      else if (g >= p.relLevel) numRelRet++;
    }
  }
  let numRel = 0;
  let numRelLevels = 0;
  for (let i = 0; i <= maxRel; i++) {
    const c = levels.get(i);
    if (c) {
      numRelLevels = i + 1;
      if (i >= p.relLevel) numRel += c;
    }
  }
  return { numRet: rels.length, numRelRet, numNonpool, numUnjudgedInPool: numUnjudged, numRel, numRelLevels, relLevels: levels, rels };
}

/** trec_eval's form_res_rels_jg: one ResRels per judgment group of a `qrels_jg` file. */
export function formResRelsJg(list: RankedList, ranked: Int32Array, groups: Map<string, number>[], p: EvalParams): ResRels[] {
  return groups.map((judged) => formResRels(list, ranked, judged, p, new LevelBuffer()));
}
