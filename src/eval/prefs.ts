/**
 * Preference judgments (trec_eval's `-R prefs` and `-R qrels_prefs`) and the counts its prefs
 * measures are computed from (form_prefs_counts.c).
 */
import { DataError } from '../data/data-error.js';
import type { RankedList } from '../data/runs.js';
import { byteOrder, displayText, judgmentLines, readTextBytes } from '../data/trec-fields.js';
import { parseCDouble } from './c-numbers.js';
import { glibcSort } from './glibc-sort.js';
import type { EvalParams, TrecEvalVersion } from './res-rels.js';

export interface PrefLine {
  jg: string;
  jsg: string;
  rel: number;
  docno: string;
}

/** qid → its preference lines, sorted by docno (file order among equal docnos). */
export interface PrefsFile {
  byQuery: Map<string, PrefLine[]>;
  path: string;
}

/**
 * `qid jg jsg docno rel_level` (prefs) or `qid jg docno rel_level` (qrels_prefs: the iter column
 * is the judgment group, one subgroup). rel_level is a C float in trec_eval 9, a double in 10.
 */
export async function readPrefs(path: string, format: 'prefs' | 'qrels_prefs', version: TrecEvalVersion): Promise<PrefsFile> {
  const byQuery = new Map<string, PrefLine[]>();
  const want = format === 'prefs' ? 5 : 4;
  for (const { line, fields } of judgmentLines(path, await readTextBytes(path), version)) {
    const shape = format === 'prefs' ? "'qid jg jsg docno rel_level'" : "'qid jg docno rel_level'";
    if (fields.length !== want) throw new DataError(path, line, `expected ${want} columns ${shape}, got ${fields.length}`);
    const qid = fields[0] as string;
    const relText = fields[want - 1] as string;
    const rel = parseCDouble(relText);
    if (rel === undefined) throw new DataError(path, line, `rel_level '${displayText(relText)}' is not a number as C's strtod reads it`);
    const p: PrefLine =
      format === 'prefs'
        ? { jg: fields[1] as string, jsg: fields[2] as string, docno: fields[3] as string, rel: version === 9 ? Math.fround(rel) : rel }
        : { jg: fields[1] as string, jsg: '0', docno: fields[2] as string, rel: version === 9 ? Math.fround(rel) : rel };
    let list = byQuery.get(qid);
    if (!list) byQuery.set(qid, (list = []));
    list.push(p);
  }
  if (byQuery.size === 0) throw new DataError(path, undefined, 'the preferences file has no judgments');
  for (const list of byQuery.values()) list.sort((a, b) => (a.docno < b.docno ? -1 : a.docno > b.docno ? 1 : 0));
  return { byQuery, path };
}

/** One judgment group's preferences and their counts (trec_eval's JG). */
export interface JudgmentGroup {
  /** Equivalence classes (one subgroup): ranks of their documents, by decreasing rel_level; empty when `pa` is used. */
  ecs: { rel: number; start: number; count: number }[];
  /** Preference array (several subgroups): pa[i * n + j] = 1 when docid rank i is preferred to j. */
  pa?: Uint8Array;
  relArray?: Float64Array;
  fulRet: number;
  possRet: number;
  fulImp: number;
  possImp: number;
  possNotoccur: number;
  numNonrel: number;
  numNonrelRet: number;
  numRel: number;
  numRelRet: number;
}

export interface ResultsPrefs {
  jgs: JudgmentGroup[];
  numJudged: number;
  numJudgedRet: number;
  /** counts[i * numJudged + j]: judgment groups preferring docid rank i to j. */
  counts: Uint16Array;
  /** The rank pool the ECs index into (read past a group's end, as trec_eval's recalculations do). */
  pool: RankPool;
}

/** trec_eval's rank_pool: reused across queries, so reads past this query's ranks see earlier ones. */
export class RankPool {
  data = new Int32Array(0);
  private bound = 0;
  reserve(n: number): void {
    if (n > this.bound) {
      this.bound += n;
      this.data = new Int32Array(this.bound);
    }
  }
  get(i: number): number {
    return i < this.data.length ? (this.data[i] as number) : 0;
  }
}

export class PrefsError extends Error {}

/** Document ranks among the judged ones: retrieved first in rank order, then the others by docno. */
function prefsAndRanks(list: RankedList, prefs: PrefLine[], p: EvalParams, path: string, qid: string) {
  const n = list.length;
  const sims = new Float64Array(n);
  for (let i = 0; i < n; i++) sims[i] = p.version === 9 ? Math.fround(list.scores[i] as number) : (list.scores[i] as number);
  // prefs rank ties by docno ascending, unlike form_res_rels
  // trec_eval's lines are sorted by docno before this sort (which a NaN score makes order-dependent)
  const byDocno = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => byteOrder(list.docids[a] as string, list.docids[b] as string) || a - b,
  );
  const order = glibcSort(byDocno, (a, b) => {
    const x = sims[a] as number;
    const y = sims[b] as number;
    if (x > y) return -1;
    if (x < y) return 1;
    const da = list.docids[a] as string;
    const db = list.docids[b] as string;
    return da < db ? -1 : da > db ? 1 : 0;
  });
  const kept = order.slice(0, Math.min(n, p.maxDocs));
  const seen = new Map<string, number>();
  for (const i of kept) {
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
  const judgedDocs = new Set(prefs.map((x) => x.docno));
  const rankOf = new Map<string, number>();
  let numJudgedRet = 0;
  for (const i of kept) {
    const d = list.docids[i] as string;
    if (judgedDocs.has(d)) rankOf.set(d, numJudgedRet++);
  }
  let next = numJudgedRet;
  for (const x of prefs) if (!rankOf.has(x.docno)) rankOf.set(x.docno, next++); // prefs are in docno order
  const ranked = prefs.map((x) => ({ ...x, rank: rankOf.get(x.docno) as number }));
  glibcSort(ranked, (a, b) => {
    if (a.jg !== b.jg) return a.jg < b.jg ? -1 : 1;
    if (a.jsg !== b.jsg) return a.jsg < b.jsg ? -1 : 1;
    if (a.rel > b.rel) return -1;
    if (a.rel < b.rel) return 1;
    return a.rank - b.rank;
  });
  return { ranked, numJudged: next, numJudgedRet };
}

/** trec_eval's form_prefs_counts for one query. */
export function formPrefsCounts(
  list: RankedList,
  prefs: PrefLine[],
  p: EvalParams,
  pool: RankPool,
  path: string,
  qid: string,
): ResultsPrefs {
  const { ranked, numJudged, numJudgedRet } = prefsAndRanks(list, prefs, p, path, qid);
  const nj = numJudged;
  const counts = new Uint16Array(nj * nj);
  pool.reserve(ranked.length);
  const jgs: JudgmentGroup[] = [];
  let poolAt = 0;
  let start = 0;
  while (start < ranked.length) {
    let end = start;
    const jg = (ranked[start] as { jg: string }).jg;
    let subgroups = 0;
    let jsg: string | undefined;
    while (end < ranked.length && (ranked[end] as { jg: string }).jg === jg) {
      const r = ranked[end] as { jsg: string };
      if (r.jsg !== jsg) {
        subgroups++;
        jsg = r.jsg;
      }
      end++;
    }
    const group = ranked.slice(start, end);
    if (subgroups > 1) jgs.push(groupFromArray(group, nj, numJudgedRet, counts));
    else {
      jgs.push(groupFromClasses(group, poolAt, pool, nj, numJudgedRet, counts));
      poolAt += group.length;
    }
    start = end;
  }
  return { jgs, numJudged: nj, numJudgedRet, counts, pool };
}

type Ranked = PrefLine & { rank: number };

function emptyGroup(): JudgmentGroup {
  return {
    ecs: [],
    fulRet: 0,
    possRet: 0,
    fulImp: 0,
    possImp: 0,
    possNotoccur: 0,
    numNonrel: 0,
    numNonrelRet: 0,
    numRel: 0,
    numRelRet: 0,
  };
}

/** One subgroup: documents with equal rel_level form a class; every higher class is preferred. */
function groupFromClasses(prefs: Ranked[], poolAt: number, pool: RankPool, nj: number, njr: number, counts: Uint16Array): JudgmentGroup {
  const g = emptyGroup();
  let rel = (prefs[0] as Ranked).rel;
  let ec = { rel, start: poolAt, count: 0 };
  g.ecs.push(ec);
  let at = poolAt;
  for (const x of prefs) {
    if (x.rel !== rel) {
      rel = x.rel;
      ec = { rel, start: at, count: 0 };
      g.ecs.push(ec);
    }
    pool.data[at++] = x.rank;
    ec.count++;
  }
  const d = pool.data;
  for (let e1 = 0; e1 < g.ecs.length; e1++) {
    const a = g.ecs[e1] as { rel: number; start: number; count: number };
    let ret = 0;
    while (ret < a.count && (d[a.start + ret] as number) < njr) ret++;
    if (a.rel > 0) {
      g.numRelRet += ret;
      g.numRel += a.count;
    } else {
      g.numNonrelRet += ret;
      g.numNonrel += a.count;
    }
    for (let e2 = e1 + 1; e2 < g.ecs.length; e2++) {
      const b = g.ecs[e2] as { rel: number; start: number; count: number };
      for (let i = a.start; i < a.start + a.count; i++) {
        const r1 = d[i] as number;
        for (let j = b.start; j < b.start + b.count; j++) {
          const r2 = d[j] as number;
          counts[r1 * nj + r2] = ((counts[r1 * nj + r2] as number) + 1) & 0xffff;
          if (r1 === r2)
            throw new PrefsError(
              `document ${displayText((prefs.find((x) => x.rank === r1) as Ranked).docno)} has two different rel_levels in one judgment subgroup`,
            );
          if (r1 < r2) {
            if (r2 < njr) g.fulRet++;
            else if (r1 < njr) g.fulImp++;
            else g.possNotoccur++;
          } else if (r1 < njr) g.possRet++;
          else if (r2 < njr) g.possImp++;
          else g.possNotoccur++;
        }
      }
    }
  }
  g.possRet += g.fulRet;
  g.possImp += g.fulImp;
  return g;
}

/** Several subgroups: a preference array closed under transitivity. */
function groupFromArray(prefs: Ranked[], nj: number, njr: number, counts: Uint16Array): JudgmentGroup {
  const g = emptyGroup();
  const pa = new Uint8Array(nj * nj);
  const relArray = new Float64Array(nj).fill(-1);
  for (let i = 0; i < prefs.length; i++) {
    const x = prefs[i] as Ranked;
    const cur = relArray[x.rank] as number;
    if ((cur > 0 && x.rel === 0) || (cur === 0 && x.rel > 0))
      throw new PrefsError(`document ${displayText(x.docno)} has both 0 and non-0 rel_level in one judgment group`);
    relArray[x.rank] = x.rel;
    let j = i + 1;
    while (j < prefs.length && (prefs[j] as Ranked).jsg === x.jsg && (prefs[j] as Ranked).rel === x.rel) j++;
    for (; j < prefs.length && (prefs[j] as Ranked).jsg === x.jsg; j++) pa[x.rank * nj + (prefs[j] as Ranked).rank] = 1;
  }
  // transitive closure: trec_eval sets the diagonal and squares the matrix until it stops
  // changing; Warshall's algorithm reaches the same fixpoint
  for (let i = 0; i < nj; i++) pa[i * nj + i] = 1;
  for (let k = 0; k < nj; k++)
    for (let i = 0; i < nj; i++) {
      if (!pa[i * nj + k]) continue;
      for (let j = 0; j < nj; j++) if (pa[k * nj + j]) pa[i * nj + j] = 1;
    }
  for (let i = 0; i < nj; i++) pa[i * nj + i] = 0;
  for (let i = 0; i < nj; i++)
    for (let j = 0; j < nj; j++)
      if (i !== j && pa[i * nj + j] && pa[j * nj + i])
        throw new PrefsError(
          `inconsistent preferences in judgment group ${displayText((prefs[0] as Ranked).jg)}: two documents are each preferred to the other`,
        );
  for (let i = 0; i < nj; i++) {
    const r = relArray[i] as number;
    if (r > 0) {
      g.numRel++;
      if (i < njr) g.numRelRet++;
    } else if (r === 0) {
      g.numNonrel++;
      if (i < njr) g.numNonrelRet++;
    }
  }
  for (let i = 0; i < nj; i++) {
    for (let j = 0; j < nj; j++) {
      if (i === j || !pa[i * nj + j]) continue;
      counts[i * nj + j] = ((counts[i * nj + j] as number) + 1) & 0xffff;
      if (i < njr) {
        if (j < i) g.possRet++;
        else if (j < njr) g.fulRet++;
        else g.fulImp++;
      } else if (j < njr) g.possImp++;
      else g.possNotoccur++;
    }
  }
  g.possRet += g.fulRet;
  g.possImp += g.fulImp;
  g.pa = pa;
  g.relArray = relArray;
  return g;
}
