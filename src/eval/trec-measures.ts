/**
 * trec_eval's measures (9.0.7, and 10.0 where it differs), each computed as its m_<name>.c
 * computes it — the same order of floating-point operations, so the same doubles — from the
 * structures in res-rels.ts and prefs.ts. The table is in trec_eval's printing order.
 */
import { atol, lround } from './c-numbers.js';
import { glibcSort } from './glibc-sort.js';
import type { JudgmentGroup, ResultsPrefs } from './prefs.js';
import { type EvalParams, RELVALUE_NONPOOL, RELVALUE_UNJUDGED, type ResRels } from './res-rels.js';

/** A measure's parameters after trec_eval's init_meas: cutoffs or values, name=value pairs. */
export interface MeasureParams {
  values: number[];
  pairs: { name: string; value: number }[];
  /** The parameter text given with -m (the printed name is `<measure>_<text>` for p_float/p_pair measures). */
  printable?: string;
}

/** What a measure reads about one query; each structure is built once per query, when first needed. */
export interface QueryData {
  qid: string;
  runId: string;
  resRels(): ResRels;
  prefs(): ResultsPrefs;
  groups(): ResRels[];
}

export type InitKind = 'empty' | 'sLong' | 'sFloat' | 'cutLong' | 'cutFloat' | 'pFloat' | 'pPair';

export interface TrecMeasure {
  name: string;
  init: InitKind;
  defaults?: readonly number[];
  acc: 'empty' | 's' | 'cut';
  avg: 'empty' | 's' | 'cut' | 'gm' | 'numQ' | 'numRel';
  single: 'empty' | 'float' | 'long' | 'cut' | 'relstring';
  final: 'empty' | 'float' | 'long' | 'cut' | 'runid';
  /** The judgments it needs: trec_eval's rel_info format. */
  input: 'qrels' | 'prefs' | 'qrels_jg' | 'any';
  /** Only in trec_eval 10. */
  since10?: boolean;
  /** Measures sharing one parameter block (trec_eval 10's dcg, ideal_dcg and ndcg share default_ndcg_gains). */
  paramSlot?: string;
  /** Writes the query's value(s) at out[at...]; relstring returns its string. */
  calc(q: QueryData, p: EvalParams, m: MeasureParams, out: Float64Array, at: number): string | undefined;
}

export class MeasureCalcError extends Error {}

const CUTS = [5, 10, 15, 20, 30, 100, 200, 500, 1000] as const;
const RECALL_POINTS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] as const;
const MIN_GEO_MEAN = 0.00001;
const INFAP_EPSILON = 0.00001;

/** trec_eval 9 turns a recall fraction into a number of documents as (long)(x·R + 0.9); 10 rounds. */
function recallCutoff(pct: number, numRel: number, p: EvalParams): number {
  return p.version === 9 ? Math.trunc(pct * numRel + 0.9) : lround(pct * numRel);
}

function float(
  name: string,
  calc: (rr: ResRels, p: EvalParams, m: MeasureParams) => number | undefined,
  extra: Partial<TrecMeasure> = {},
): TrecMeasure {
  return {
    name,
    init: 'sFloat',
    acc: 's',
    avg: 's',
    single: 'float',
    final: 'float',
    input: 'qrels',
    calc(q, p, m, out, at) {
      const v = calc(q.resRels(), p, m);
      if (v !== undefined) out[at] = v;
      return undefined;
    },
    ...extra,
  };
}

function long(name: string, calc: (rr: ResRels) => number, avg: TrecMeasure['avg'] = 'empty'): TrecMeasure {
  return {
    name,
    init: 'sLong',
    acc: 's',
    avg,
    single: 'long',
    final: 'long',
    input: 'qrels',
    calc(q, _p, _m, out, at) {
      out[at] = calc(q.resRels());
      return undefined;
    },
  };
}

/** Measures at cutoffs k: P_k, recall_k...; `value(relSoFar, k)` at each cutoff, scanning ranks once. */
function atCutoffs(
  name: string,
  step: (rr: ResRels, p: EvalParams, i: number) => number,
  value: (sofar: number, k: number, rr: ResRels) => number,
  skip?: (rr: ResRels) => boolean,
  extra: Partial<TrecMeasure> = {},
): TrecMeasure {
  return {
    name,
    init: 'cutLong',
    defaults: CUTS,
    acc: 'cut',
    avg: 'cut',
    single: 'cut',
    final: 'cut',
    input: 'qrels',
    calc(q, p, m, out, at) {
      const rr = q.resRels();
      if (skip?.(rr)) return undefined;
      const cuts = m.values;
      let ci = 0;
      let sofar = 0;
      for (let i = 0; i < rr.numRet; i++) {
        if (i === cuts[ci]) {
          out[at + ci] = value(sofar, i, rr);
          if (++ci === cuts.length) break;
        }
        sofar += step(rr, p, i);
      }
      for (; ci < cuts.length; ci++) out[at + ci] = value(sofar, cuts[ci] as number, rr);
      return undefined;
    },
    ...extra,
  };
}

const isRel = (rr: ResRels, p: EvalParams, i: number) => ((rr.rels[i] as number) >= p.relLevel ? 1 : 0);

function averagePrecisionSum(rr: ResRels, p: EvalParams): { sum: number; relSoFar: number } {
  let relSoFar = 0;
  let sum = 0;
  for (let i = 0; i < rr.numRet; i++) {
    if ((rr.rels[i] as number) >= p.relLevel) {
      relSoFar++;
      sum += relSoFar / (i + 1);
    }
  }
  return { sum, relSoFar };
}

/** bpref before the division by R, shared by bpref and gm_bpref. */
function bpref(rr: ResRels, p: EvalParams): number {
  const numNonrel = rr.relLevels.sumBelow(p.relLevel);
  let nonrelSoFar = 0;
  let b = 0;
  for (let j = 0; j < rr.numRet; j++) {
    const g = rr.rels[j] as number;
    if (g === RELVALUE_NONPOOL || g === RELVALUE_UNJUDGED) continue;
    if (g >= 0 && g < p.relLevel) nonrelSoFar++;
    else if (nonrelSoFar > 0) b += 1.0 - Math.min(nonrelSoFar, rr.numRel) / Math.min(numNonrel, rr.numRel);
    else b += 1.0;
  }
  if (rr.numRel) b /= rr.numRel;
  return b;
}

/** Interpolated precision at recall points (shared by iprec_at_recall and 11pt_avg). */
function interpolatedPrecision(rr: ResRels, p: EvalParams, pcts: number[], emit: (cut: number, v: number) => void): void {
  const cutoffs = pcts.map((x) => recallCutoff(x, rr.numRel, p));
  let cur = cutoffs.length - 1;
  while (cur >= 0 && (cutoffs[cur] as number) > rr.numRelRet) cur--;
  let intPrecis = rr.numRelRet / rr.numRet;
  let relSoFar = rr.numRelRet;
  for (let i = rr.numRet; i > 0 && relSoFar > 0; i--) {
    const precis = relSoFar / i;
    if (intPrecis < precis) intPrecis = precis;
    if ((rr.rels[i - 1] as number) >= p.relLevel) {
      while (cur >= 0 && relSoFar === cutoffs[cur]) emit(cur--, intPrecis);
      relSoFar--;
    }
  }
  while (cur >= 0) emit(cur--, intPrecis);
}

// ---- gains (ndcg, G, ndcg_rel, Rndcg, rbp) ----

interface Gain {
  level: number;
  count: number;
  gain: number;
}

/** setup_gains: the -m gains for listed grades, gain = grade for the others, sorted by gain. */
function setupGains(rr: ResRels, m: MeasureParams, p: EvalParams): Gain[] {
  const gains: Gain[] = [];
  for (const pair of m.pairs) {
    if (p.version === 10 && !/^[+-]?\d+$/.test(pair.name)) continue; // 10.0 skips non-integer names (rbp's p)
    gains.push({ level: atol(pair.name), gain: pair.value, count: 0 });
  }
  for (let i = 0; i < rr.numRelLevels; i++) {
    const g = gains.find((x) => x.level === i);
    if (g) g.count = rr.relLevels.get(i);
    else gains.push({ level: i, gain: i, count: rr.relLevels.get(i) });
  }
  // comp_rel_gain returns (int)(g1 - g2): gains less than 1 apart compare equal
  return glibcSort(gains, (a, b) => cInt(a.gain - b.gain));
}

function cInt(x: number): number {
  const t = Math.trunc(x);
  return t >= 2147483648 || t < -2147483648 || Number.isNaN(t) ? -2147483648 : t;
}

function getGain(level: number, gains: Gain[]): number {
  for (const g of gains) if (g.level === level) return g.gain;
  return 0.0;
}

/** The ideal ranking's gains, one rank at a time (the level walk the gain measures share). */
class IdealWalk {
  cur: number;
  gain: number;
  private atLevel = 0;
  constructor(private readonly gains: Gain[]) {
    this.cur = gains.length - 1;
    this.gain = this.cur >= 0 ? (gains[this.cur] as Gain).gain : 0.0;
  }
  next(): void {
    this.atLevel++;
    while (this.cur >= 0 && this.atLevel > (this.gains[this.cur] as Gain).count) {
      this.atLevel = 1;
      this.cur--;
      this.gain = this.cur >= 0 ? (this.gains[this.cur] as Gain).gain : 0.0;
    }
  }
}

function dcgs(rr: ResRels, m: MeasureParams, p: EvalParams): { results: number; ideal: number } {
  const gains = setupGains(rr, m, p);
  let results = 0.0;
  let ideal = 0.0;
  const w = new IdealWalk(gains);
  let i = 0;
  for (; i < rr.numRet && w.gain > 0.0; i++) {
    const g = getGain(rr.rels[i] as number, gains);
    if (g !== 0) results += g / Math.log2(i + 2);
    w.next();
    if (w.gain > 0.0) ideal += w.gain / Math.log2(i + 2);
  }
  for (; i < rr.numRet; i++) {
    const g = getGain(rr.rels[i] as number, gains);
    if (g !== 0) results += g / Math.log2(i + 2);
  }
  for (; w.gain > 0.0; i++) {
    w.next();
    if (w.gain > 0.0) ideal += w.gain / Math.log2(i + 2);
  }
  return { results, ideal };
}

function gainMeasure(
  name: string,
  calc: (rr: ResRels, p: EvalParams, m: MeasureParams) => number | undefined,
  extra: Partial<TrecMeasure> = {},
): TrecMeasure {
  return float(name, calc, { init: 'pPair', ...extra });
}

// ---- prefs ----

function prefsFloat(name: string, calc: (rp: ResultsPrefs) => number | undefined): TrecMeasure {
  return {
    name,
    init: 'sFloat',
    acc: 's',
    avg: 's',
    single: 'float',
    final: 'float',
    input: 'prefs',
    calc(q, _p, _m, out, at) {
      const v = calc(q.prefs());
      if (v !== undefined) out[at] = v;
      return undefined;
    },
  };
}

function prefsLong(name: string, calc: (rp: ResultsPrefs) => number): TrecMeasure {
  return {
    name,
    init: 'sLong',
    acc: 's',
    avg: 'empty',
    single: 'long',
    final: 'long',
    input: 'prefs',
    calc(q, _p, _m, out, at) {
      out[at] = calc(q.prefs());
      return undefined;
    },
  };
}

/** Mean over judgment groups of fulfilled / possible, counting the categories chosen. */
function avgJg(rp: ResultsPrefs, ful: (g: JudgmentGroup) => number, poss: (g: JudgmentGroup) => number): number | undefined {
  let sum = 0.0;
  for (const g of rp.jgs) {
    const pp = poss(g);
    if (pp) sum += ful(g) / pp;
  }
  return sum > 0.0 ? sum / rp.jgs.length : undefined;
}

function simp(rp: ResultsPrefs, ful: (g: JudgmentGroup) => number, poss: (g: JudgmentGroup) => number): number | undefined {
  let f = 0;
  let pp = 0;
  for (const g of rp.jgs) {
    f += ful(g);
    pp += poss(g);
  }
  return pp ? f / pp : undefined;
}

/** prefs_pair*: mean over document pairs with a preference of the fraction fulfilled. */
function pair(rp: ResultsPrefs, areas: 'ret' | 'imp' | 'all'): number | undefined {
  const n = rp.numJudged;
  const njr = rp.numJudgedRet;
  const c = rp.counts;
  let sum = 0;
  let pairs = 0;
  const add = (i: number, j: number, count: boolean) => {
    const a = c[i * n + j] as number;
    const b = c[j * n + i] as number;
    if (a || b) {
      pairs++;
      if (count) sum += a / (a + b);
    }
  };
  for (let i = 0; i < njr; i++) for (let j = i + 1; j < njr; j++) add(i, j, true);
  if (areas !== 'ret') for (let i = 0; i < njr; i++) for (let j = njr; j < n; j++) add(i, j, true);
  if (areas === 'all') for (let i = njr; i < n; i++) for (let j = i + 1; j < n; j++) add(i, j, false);
  return pairs ? sum / pairs : undefined;
}

const fulAll = (g: JudgmentGroup) => g.fulRet + g.fulImp;
const possAll = (g: JudgmentGroup) => g.possRet + g.possImp + g.possNotoccur;

/**
 * prefs_avgjg_Rnonrel(_ret): when a group has more non-relevant than relevant documents, only the
 * first R non-relevant count. For one subgroup the non-relevant class is taken as the first R ranks of
 * the group's last class — read from the shared rank pool, as trec_eval reads it.
 */
function recalculate(g: JudgmentGroup, rp: ResultsPrefs, retOnly: boolean): { ful: number; poss: number } {
  const njr = rp.numJudgedRet;
  let ful = 0;
  let poss = 0;
  if (g.ecs.length > 0) {
    const pool = rp.pool;
    const last = g.ecs[g.ecs.length - 1] as { start: number; count: number };
    const nonrel = { start: last.start, count: retOnly ? g.numRelRet : g.numRel };
    const count = (r1: number, r2: number) => {
      if (retOnly ? r1 < r2 : r1 < r2 && r1 < njr) ful++;
      else poss++;
    };
    const pairs = (a: { start: number; count: number }, b: { start: number; count: number }) => {
      for (let i = a.start; i < a.start + a.count; i++) {
        const r1 = pool.get(i);
        if (retOnly && r1 >= njr) break;
        for (let j = b.start; j < b.start + b.count; j++) {
          const r2 = pool.get(j);
          if (retOnly && r2 >= njr) break;
          count(r1, r2);
        }
      }
    };
    for (let e1 = 0; e1 < g.ecs.length; e1++)
      for (let e2 = e1 + 1; e2 < g.ecs.length - 1; e2++)
        pairs(g.ecs[e1] as { start: number; count: number }, g.ecs[e2] as { start: number; count: number });
    for (let e1 = 0; e1 < g.ecs.length; e1++) pairs(g.ecs[e1] as { start: number; count: number }, nonrel);
    poss += ful;
  } else {
    const a = g.pa as Uint8Array;
    const rel = g.relArray as Float64Array;
    const n = rp.numJudged;
    let seen = 0;
    let firstDiscarded = 0;
    const limit = retOnly ? njr : n;
    for (firstDiscarded = 0; firstDiscarded < limit; firstDiscarded++) {
      if (rel[firstDiscarded] === 0.0 && ++seen === g.numRel + 1) break;
    }
    const dropped = (i: number) => i >= firstDiscarded && rel[i] === 0.0;
    for (let i = 0; i < njr; i++) {
      if (dropped(i)) continue;
      for (let j = 0; j < i; j++) if (!dropped(j) && a[i * n + j]) poss++;
      for (let j = i + 1; j < njr; j++) if (!dropped(j) && a[i * n + j]) ful++;
      if (!retOnly) for (let j = njr; j < n; j++) if (!dropped(j) && a[i * n + j]) ful++;
    }
    if (!retOnly) {
      for (let i = njr; i < n; i++) {
        if (dropped(i)) continue;
        for (let j = 0; j < njr; j++) if (!dropped(j) && a[i * n + j]) poss++;
        for (let j = njr; j < n; j++) if (!dropped(j) && a[i * n + j]) poss++;
      }
    }
    poss += ful;
  }
  return { ful, poss };
}

function rnonrel(rp: ResultsPrefs, retOnly: boolean): number | undefined {
  let sum = 0.0;
  for (const g of rp.jgs) {
    const R = retOnly ? g.numRelRet : g.numRel;
    const N = retOnly ? g.numNonrelRet : g.numNonrel;
    let ful: number;
    let poss: number;
    if (R >= N) {
      ful = retOnly ? g.fulRet : g.fulRet + g.fulImp;
      poss = retOnly ? g.possRet : possAll(g);
      ful += g.numRelRet * (R - N);
      poss += g.numRel * (R - N);
    } else ({ ful, poss } = recalculate(g, rp, retOnly));
    sum += ful / poss;
  }
  return sum > 0.0 ? sum / rp.jgs.length : undefined;
}

// ---- qrels_jg ----

function jgMeasure(
  name: string,
  init: InitKind,
  calc: (groups: ResRels[], p: EvalParams, m: MeasureParams, out: Float64Array, at: number) => void,
): TrecMeasure {
  const cut = init === 'cutLong' || init === 'cutFloat';
  return {
    name,
    init,
    acc: cut ? 'cut' : 's',
    avg: cut ? 'cut' : 's',
    single: cut ? 'cut' : 'float',
    final: cut ? 'cut' : 'float',
    input: 'qrels_jg',
    calc(q, p, m, out, at) {
      calc(q.groups(), p, m, out, at);
      return undefined;
    },
  };
}

function rprecMult(rr: ResRels, p: EvalParams, pcts: number[], set: (cut: number, v: number) => void): void {
  const cutoffs = pcts.map((x) => Math.trunc(x * rr.numRel + 0.9));
  let intPrecis = rr.numRelRet / rr.numRet;
  let cur = cutoffs.length - 1;
  while (cur >= 0 && (cutoffs[cur] as number) > rr.numRet) {
    set(cur, rr.numRelRet / (cutoffs[cur] as number));
    cur--;
  }
  let relSoFar = rr.numRelRet;
  for (let i = rr.numRet; i > 0 && relSoFar > 0; i--) {
    const precis = relSoFar / i;
    if (intPrecis < precis) intPrecis = precis;
    while (cur >= 0 && i === cutoffs[cur]) set(cur--, precis);
    if ((rr.rels[i - 1] as number) >= p.relLevel) relSoFar--;
  }
}

const rbpP = (m: MeasureParams): number => {
  let p = 0.9;
  for (const x of m.pairs) if (x.name === 'p') p = x.value;
  return p;
};

/** Every measure, in trec_eval's order (te_trec_measures in measures.c). */
export const TREC_MEASURES: readonly TrecMeasure[] = [
  {
    name: 'runid',
    init: 'empty',
    acc: 'empty',
    avg: 'empty',
    single: 'empty',
    final: 'runid',
    input: 'any',
    calc: () => undefined,
  },
  {
    name: 'num_q',
    init: 'sLong',
    acc: 's',
    avg: 'numQ',
    single: 'empty',
    final: 'long',
    input: 'any',
    calc(_q, _p, _m, out, at) {
      out[at] = 1;
      return undefined;
    },
  },
  long('num_ret', (rr) => rr.numRet),
  long('num_rel', (rr) => rr.numRel, 'numRel'),
  long('num_rel_ret', (rr) => rr.numRelRet),
  float('map', (rr, p) => {
    const { sum, relSoFar } = averagePrecisionSum(rr, p);
    return relSoFar ? sum / rr.numRel : undefined;
  }),
  float(
    'gm_map',
    (rr, p) => {
      let { sum, relSoFar } = averagePrecisionSum(rr, p);
      if (relSoFar) sum = sum / rr.numRel;
      return Math.log(Math.max(sum, MIN_GEO_MEAN));
    },
    { avg: 'gm', single: 'empty' },
  ),
  float('Rprec', (rr, p) => {
    const look = Math.min(rr.numRet, rr.numRel);
    if (look === 0) return undefined;
    let relSoFar = 0;
    for (let i = 0; i < look; i++) if ((rr.rels[i] as number) >= p.relLevel) relSoFar++;
    return relSoFar / rr.numRel;
  }),
  float('bpref', (rr, p) => bpref(rr, p)),
  float('recip_rank', (rr, p) => {
    for (let i = 0; i < rr.numRet; i++) if ((rr.rels[i] as number) >= p.relLevel) return 1.0 / (i + 1);
    return undefined;
  }),
  {
    name: 'iprec_at_recall',
    init: 'cutFloat',
    defaults: RECALL_POINTS,
    acc: 'cut',
    avg: 'cut',
    single: 'cut',
    final: 'cut',
    input: 'qrels',
    calc(q, p, m, out, at) {
      interpolatedPrecision(q.resRels(), p, m.values, (c, v) => {
        out[at + c] = v;
      });
      return undefined;
    },
  },
  atCutoffs('P', isRel, (sofar, k) => sofar / k),
  {
    name: 'relstring',
    init: 'pFloat',
    defaults: [10],
    acc: 'empty',
    avg: 'empty',
    single: 'relstring',
    final: 'empty',
    input: 'qrels',
    calc(q, _p, m, _out, _at) {
      const rr = q.resRels();
      const len = Math.max(Math.min(Math.trunc(m.values[0] as number), rr.numRet), 0);
      let s = '';
      for (let i = 0; i < len; i++) {
        const g = rr.rels[i] as number;
        s += g > 9 ? '>' : g >= 0 ? String(g) : g === RELVALUE_NONPOOL ? '-' : g === RELVALUE_UNJUDGED ? '.' : '<';
      }
      return s;
    },
  },
  atCutoffs(
    'recall',
    isRel,
    (sofar, _k, rr) => sofar / rr.numRel,
    (rr) => rr.numRel === 0,
  ),
  atCutoffs(
    'unj',
    (rr, _p, i) => (rr.rels[i] === RELVALUE_NONPOOL || rr.rels[i] === RELVALUE_UNJUDGED ? 1 : 0),
    (sofar, k) => sofar / k,
    undefined,
    { defaults: [5, 10, 20], since10: true },
  ),
  gainMeasure(
    'rbp',
    (rr, p, m) => {
      const persistence = rbpP(m);
      const gains = setupGains(rr, m, p);
      // trec_eval 10.0 leaves min and max uninitialized; its build starts them at 0
      let min = 0;
      let max = 0;
      for (const g of gains) {
        if (g.gain < min) min = g.gain;
        if (g.gain > max) max = g.gain;
      }
      if (min < 0 || max > 1) for (const g of gains) g.gain = (g.gain - min) / (max - min);
      let sum = 0.0;
      let cur = 1.0;
      for (let i = 0; i < rr.numRet; i++) {
        const g = getGain(rr.rels[i] as number, gains);
        if (g !== 0) sum += g * cur;
        cur = cur * persistence;
      }
      return (1.0 - persistence) * sum;
    },
    { since10: true },
  ),
  gainMeasure(
    'rbp_resid',
    (rr, _p, m) => {
      const persistence = rbpP(m);
      let unj = 0;
      let sum = 0.0;
      let cur = 1.0;
      for (let i = 0; i < rr.numRet; i++) {
        if ((rr.rels[i] as number) < 0) {
          unj++;
          sum += cur;
        }
        cur = cur * persistence;
      }
      return unj ? cur + (1 - persistence) * sum : undefined;
    },
    { since10: true },
  ),
  float('infAP', (rr, p) => {
    let nonrel = 0;
    let rel = 0;
    let unjudged = 0;
    let ap = 0.0;
    for (let j = 0; j < rr.numRet; j++) {
      const g = rr.rels[j] as number;
      if (g === RELVALUE_NONPOOL) continue;
      if (g === RELVALUE_UNJUDGED) {
        unjudged++;
        continue;
      }
      if (g >= 0 && g < p.relLevel) nonrel++;
      else {
        rel++;
        if (j === 0) ap += 1.0;
        else {
          const fj = j;
          ap +=
            1.0 / (fj + 1.0) +
            (fj / (fj + 1.0)) * ((rel - 1 + nonrel + unjudged) / fj) * ((rel - 1 + INFAP_EPSILON) / (rel - 1 + nonrel + 2 * INFAP_EPSILON));
        }
      }
    }
    if (rr.numRel) ap /= rr.numRel;
    return ap;
  }),
  float('gm_bpref', (rr, p) => Math.log(Math.max(bpref(rr, p), MIN_GEO_MEAN)), { avg: 'gm', single: 'empty' }),
  {
    name: 'Rprec_mult',
    init: 'cutFloat',
    defaults: [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0],
    acc: 'cut',
    avg: 'cut',
    single: 'cut',
    final: 'cut',
    input: 'qrels',
    calc(q, p, m, out, at) {
      rprecMult(q.resRels(), p, m.values, (c, v) => {
        out[at + c] = v;
      });
      return undefined;
    },
  },
  float(
    'utility',
    (rr, p, m) => {
      const c = m.values;
      if (c.length !== 4) throw new MeasureCalcError('utility needs 4 coefficients (-m utility.a,b,c,d)');
      return (
        (c[0] as number) * rr.numRelRet +
        (c[1] as number) * (rr.numRet - rr.numRelRet) +
        (c[2] as number) * (rr.numRel - rr.numRelRet) +
        (c[3] as number) * (p.numDocsInColl + rr.numRelRet - rr.numRet - rr.numRel)
      );
    },
    { init: 'pFloat', defaults: [1.0, -1.0, 0.0, 0.0] },
  ),
  float(
    '11pt_avg',
    (rr, p, m) => {
      let sum = 0.0;
      interpolatedPrecision(rr, p, m.values, (_c, v) => {
        sum += v;
      });
      return sum / m.values.length;
    },
    { init: 'pFloat', defaults: RECALL_POINTS },
  ),
  float('binG', (rr, p) => {
    let relSoFar = 0;
    let sum = 0.0;
    for (let i = 0; i < rr.numRet; i++) {
      if ((rr.rels[i] as number) >= p.relLevel) {
        relSoFar++;
        sum += 1.0 / Math.log2(3 + i - relSoFar);
      }
    }
    return relSoFar ? sum / rr.numRel : undefined;
  }),
  gainMeasure('G', (rr, p, m) => {
    const gains = setupGains(rr, m, p);
    let resultsG = 0.0;
    let sumResults = 0.0;
    let sumIdeal = 0.0;
    let sumCost = 0.0;
    const minCost = 1.0;
    const w = new IdealWalk(gains);
    let i = 0;
    for (; i < rr.numRet && w.gain > 0.0; i++) {
      const g = getGain(rr.rels[i] as number, gains);
      sumResults += g;
      w.next();
      if (w.gain > 0.0) sumIdeal += w.gain;
      if (w.gain >= minCost) sumCost += w.gain;
      else sumCost += minCost;
      if (g !== 0) resultsG += g / Math.log2(2 + sumCost - sumResults);
    }
    for (; i < rr.numRet; i++) {
      const g = getGain(rr.rels[i] as number, gains);
      sumResults += g;
      sumCost += minCost;
      if (g !== 0) resultsG += g / Math.log2(2 + sumCost - sumResults);
    }
    while (w.gain > 0.0) {
      w.next();
      if (w.gain > 0.0) sumIdeal += w.gain;
    }
    return sumIdeal > 0.0 ? resultsG / sumIdeal : undefined;
  }),
  gainMeasure('dcg', (rr, p, m) => dcgs(rr, m, p).results, { since10: true, paramSlot: 'ndcg' }),
  gainMeasure('ideal_dcg', (rr, p, m) => dcgs(rr, m, p).ideal, { since10: true, paramSlot: 'ndcg' }),
  gainMeasure(
    'ndcg',
    (rr, p, m) => {
      const d = dcgs(rr, m, p);
      return d.ideal > 0.0 ? d.results / d.ideal : undefined;
    },
    { paramSlot: 'ndcg' },
  ),
  gainMeasure('ndcg_rel', (rr, p, m) => {
    const gains = setupGains(rr, m, p);
    let results = 0.0;
    let ideal = 0.0;
    let sum = 0.0;
    let numRelRet = 0;
    let numRel = 0;
    const w = new IdealWalk(gains);
    let i = 0;
    for (; i < rr.numRet && w.gain > 0.0; i++) {
      const g = getGain(rr.rels[i] as number, gains);
      if (g !== 0) results += g / Math.log2(i + 2);
      w.next();
      if (w.gain > 0.0) {
        numRel++;
        ideal += w.gain / Math.log2(i + 2);
      }
      if (g > 0) {
        sum += results / ideal;
        numRelRet++;
      }
    }
    for (; i < rr.numRet; i++) {
      const g = getGain(rr.rels[i] as number, gains);
      if (g !== 0) results += g / Math.log2(i + 2);
      if (g > 0) {
        sum += results / ideal;
        numRelRet++;
      }
    }
    for (; w.gain > 0.0; i++) {
      w.next();
      if (w.gain > 0.0) {
        numRel++;
        ideal += w.gain / Math.log2(i + 2);
      }
    }
    sum += ((numRel - numRelRet) * results) / ideal;
    return sum > 0.0 ? sum / numRel : undefined;
  }),
  gainMeasure('Rndcg', (rr, p, m) => {
    const gains = setupGains(rr, m, p);
    if (rr.numRel === 0) return undefined;
    let results = 0.0;
    let ideal = 0.0;
    let sum = 0.0;
    let changed = 0;
    const w = new IdealWalk(gains);
    let old = w.gain;
    let i = 0;
    const boundary = () => {
      if (old !== w.gain) {
        if (ideal > 0.0) {
          sum += results / ideal;
          changed++;
        }
        old = w.gain;
      }
    };
    for (; i < rr.numRet && w.gain > 0.0; i++) {
      const g = getGain(rr.rels[i] as number, gains);
      w.next();
      boundary();
      if (g !== 0) results += g / Math.log2(i + 2);
      if (w.gain > 0.0) ideal += w.gain / Math.log2(i + 2);
    }
    if (i < rr.numRet) {
      for (; i < rr.numRet; i++) {
        const g = getGain(rr.rels[i] as number, gains);
        if (g !== 0) results += g / Math.log2(i + 2);
      }
      if (ideal > 0.0) {
        sum += results / ideal;
        changed++;
      }
    }
    for (; w.gain > 0.0; i++) {
      w.next();
      boundary();
      if (w.gain > 0.0) ideal += w.gain / Math.log2(i + 2);
    }
    return sum / changed;
  }),
  {
    name: 'ndcg_cut',
    init: 'cutLong',
    defaults: CUTS,
    acc: 'cut',
    avg: 'cut',
    single: 'cut',
    final: 'cut',
    input: 'qrels',
    calc(q, _p, m, out, at) {
      const rr = q.resRels();
      const cuts = m.values;
      let ci = 0;
      let sum = 0.0;
      for (let i = 0; i < rr.numRet; i++) {
        if (i === cuts[ci]) {
          out[at + ci] = sum;
          if (++ci === cuts.length) break;
        }
        const gain = rr.rels[i] as number;
        if (gain > 0) sum += gain / Math.log2(i + 2);
      }
      for (; ci < cuts.length; ci++) out[at + ci] = sum;
      // ideal DCG at each cutoff from the judged grades, largest first; gain = grade
      ci = 0;
      let lvl = rr.numRelLevels - 1;
      let count = 0;
      let ideal = 0.0;
      for (let i = 0; ; i++) {
        count++;
        while (lvl > 0 && count > rr.relLevels.get(lvl)) {
          lvl--;
          count = 1;
        }
        if (lvl === 0) break;
        if (i === cuts[ci]) {
          if (ideal > 0.0) out[at + ci] = (out[at + ci] as number) / ideal;
          if (++ci === cuts.length) break;
        }
        ideal += lvl / Math.log2(i + 2);
      }
      for (; ci < cuts.length; ci++) if (ideal > 0.0) out[at + ci] = (out[at + ci] as number) / ideal;
      return undefined;
    },
  },
  {
    name: 'map_cut',
    init: 'cutLong',
    defaults: CUTS,
    acc: 'cut',
    avg: 'cut',
    single: 'cut',
    final: 'cut',
    input: 'qrels',
    calc(q, p, m, out, at) {
      const rr = q.resRels();
      if (rr.numRel === 0) return undefined;
      const cuts = m.values;
      let ci = 0;
      let relSoFar = 0;
      let sum = 0.0;
      for (let i = 0; i < rr.numRet; i++) {
        if (i === cuts[ci]) {
          out[at + ci] = sum / rr.numRel;
          if (++ci === cuts.length) break;
        }
        if ((rr.rels[i] as number) >= p.relLevel) {
          relSoFar++;
          sum += relSoFar / (i + 1);
        }
      }
      for (; ci < cuts.length; ci++) out[at + ci] = sum / rr.numRel;
      return undefined;
    },
  },
  atCutoffs(
    'relative_P',
    isRel,
    (sofar, k, rr) => sofar / Math.min(k, rr.numRel),
    (rr) => rr.numRel === 0,
  ),
  atCutoffs('success', isRel, (sofar) => (sofar ? 1.0 : 0.0), undefined, { defaults: [1, 5, 10] }),
  float('set_P', (rr) => (rr.numRet ? rr.numRelRet / rr.numRet : undefined)),
  float('set_relative_P', (rr) => (rr.numRet && rr.numRel ? rr.numRelRet / Math.min(rr.numRet, rr.numRel) : undefined)),
  float('set_recall', (rr) => (rr.numRel ? rr.numRelRet / rr.numRel : undefined)),
  float('set_map', (rr) => (rr.numRet && rr.numRel ? (rr.numRelRet * rr.numRelRet) / (rr.numRet * rr.numRel) : undefined)),
  float(
    'set_F',
    (rr, _p, m) => {
      if (!rr.numRelRet) return undefined;
      const P = rr.numRelRet / rr.numRet;
      const R = rr.numRelRet / rr.numRel;
      const x = m.values[0] as number;
      return ((x + 1.0) * P * R) / (x * P + R);
    },
    { init: 'pFloat', defaults: [1.0] },
  ),
  long('num_nonrel_judged_ret', (rr) => rr.numRet - rr.numNonpool - rr.numUnjudgedInPool - rr.numRelRet),
  prefsLong('prefs_num_prefs_poss', (rp) => rp.jgs.reduce((s, g) => s + possAll(g), 0)),
  prefsLong('prefs_num_prefs_ful', (rp) => rp.jgs.reduce((s, g) => s + fulAll(g), 0)),
  prefsLong('prefs_num_prefs_ful_ret', (rp) => rp.jgs.reduce((s, g) => s + g.fulRet, 0)),
  prefsFloat('prefs_simp', (rp) => simp(rp, fulAll, possAll)),
  prefsFloat('prefs_pair', (rp) => pair(rp, 'all')),
  prefsFloat('prefs_avgjg', (rp) => avgJg(rp, fulAll, possAll)),
  prefsFloat('prefs_avgjg_Rnonrel', (rp) => rnonrel(rp, false)),
  prefsFloat('prefs_simp_ret', (rp) =>
    simp(
      rp,
      (g) => g.fulRet,
      (g) => g.possRet,
    ),
  ),
  prefsFloat('prefs_pair_ret', (rp) => pair(rp, 'ret')),
  prefsFloat('prefs_avgjg_ret', (rp) =>
    avgJg(
      rp,
      (g) => g.fulRet,
      (g) => g.possRet,
    ),
  ),
  prefsFloat('prefs_avgjg_Rnonrel_ret', (rp) => rnonrel(rp, true)),
  prefsFloat('prefs_simp_imp', (rp) => simp(rp, fulAll, (g) => g.possRet + g.possImp)),
  prefsFloat('prefs_pair_imp', (rp) => pair(rp, 'imp')),
  prefsFloat('prefs_avgjg_imp', (rp) => avgJg(rp, fulAll, (g) => g.possRet + g.possImp)),
  jgMeasure('map_avgjg', 'sFloat', (groups, p, _m, out, at) => {
    for (const rr of groups) {
      const { sum, relSoFar } = averagePrecisionSum(rr, p);
      if (relSoFar) out[at] = (out[at] as number) + sum / rr.numRel;
    }
    if (groups.length > 1) out[at] = (out[at] as number) / groups.length;
  }),
  {
    ...jgMeasure('P_avgjg', 'cutLong', (groups, p, m, out, at) => {
      const cuts = m.values;
      for (const rr of groups) {
        let ci = 0;
        let sofar = 0;
        for (let i = 0; i < rr.numRet; i++) {
          if (i === cuts[ci]) {
            out[at + ci] = (out[at + ci] as number) + sofar / i;
            if (++ci === cuts.length) break;
          }
          if ((rr.rels[i] as number) >= p.relLevel) sofar++;
        }
        for (; ci < cuts.length; ci++) out[at + ci] = (out[at + ci] as number) + sofar / (cuts[ci] as number);
      }
      if (groups.length > 1) for (let ci = 0; ci < cuts.length; ci++) out[at + ci] = (out[at + ci] as number) / groups.length;
    }),
    defaults: CUTS,
  },
  {
    ...jgMeasure('Rprec_mult_avgjg', 'cutFloat', (groups, p, m, out, at) => {
      for (const rr of groups)
        rprecMult(rr, p, m.values, (c, v) => {
          out[at + c] = (out[at + c] as number) + v;
        });
      if (groups.length > 1) for (let c = 0; c < m.values.length; c++) out[at + c] = (out[at + c] as number) / groups.length;
    }),
    defaults: [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0],
  },
  float('yaap', (rr, p) => {
    const { sum } = averagePrecisionSum(rr, p);
    return Math.log((1.0 + sum) / (1.0 + rr.numRel - sum));
  }),
];

/** trec_eval's measure nicknames (-m official, -m all_trec...). */
export function nicknames(version: 9 | 10): Record<string, readonly string[]> {
  const allTrec = [
    'runid',
    'num_q',
    'num_ret',
    'num_rel',
    'num_rel_ret',
    'map',
    'gm_map',
    'Rprec',
    'bpref',
    'recip_rank',
    'iprec_at_recall',
    'P',
    'relstring',
    'recall',
    ...(version === 10 ? ['unj', 'rbp', 'rbp_resid'] : []),
    'infAP',
    'gm_bpref',
    'utility',
    '11pt_avg',
    'ndcg',
    'relative_P',
    'Rprec_mult',
    'success',
    'map_cut',
    'ndcg_cut',
    'ndcg_rel',
    'Rndcg',
    'binG',
    'G',
    'set_P',
    'set_recall',
    'set_relative_P',
    'set_map',
    'set_F',
    'num_nonrel_judged_ret',
  ];
  return {
    official: [
      'runid',
      'num_q',
      'num_ret',
      'num_rel',
      'num_rel_ret',
      'map',
      'gm_map',
      'Rprec',
      'bpref',
      'recip_rank',
      'iprec_at_recall',
      'P',
    ],
    set: ['runid', 'num_q', 'num_ret', 'num_rel', 'num_rel_ret', 'utility', 'set_P', 'set_recall', 'set_relative_P', 'set_map', 'set_F'],
    all_trec: allTrec,
    all_prefs: [
      'runid',
      'num_q',
      'prefs_num_prefs_poss',
      'prefs_num_prefs_ful',
      'prefs_num_prefs_ful_ret',
      'prefs_simp',
      'prefs_pair',
      'prefs_avgjg',
      'prefs_avgjg_Rnonrel',
      'prefs_simp_ret',
      'prefs_pair_ret',
      'prefs_avgjg_ret',
      'prefs_avgjg_Rnonrel_ret',
      'prefs_simp_imp',
      'prefs_pair_imp',
      'prefs_avgjg_imp',
    ],
    prefs: [
      'runid',
      'num_q',
      'prefs_num_prefs_poss',
      'prefs_num_prefs_ful',
      'prefs_num_prefs_ful_ret',
      'prefs_simp',
      'prefs_pair',
      'prefs_avgjg',
    ],
    qrels_jg: ['runid', 'num_q', 'map_avgjg', 'P_avgjg', 'Rprec_mult_avgjg'],
  };
}

/** The measures of a version, in printing order (10 adds dcg, ideal_dcg, rbp, rbp_resid, unj). */
export function measuresOf(version: 9 | 10): TrecMeasure[] {
  const base = TREC_MEASURES.filter((m) => !m.since10);
  if (version === 9) return base;
  // measures.c of 10.0: dcg and ideal_dcg after G; yaap, rbp, rbp_resid, unj at the end
  const by = new Map(TREC_MEASURES.map((m) => [m.name, m]));
  const out: TrecMeasure[] = [];
  for (const m of base) {
    out.push(m);
    if (m.name === 'G') out.push(by.get('dcg') as TrecMeasure, by.get('ideal_dcg') as TrecMeasure);
  }
  out.push(by.get('rbp') as TrecMeasure, by.get('rbp_resid') as TrecMeasure, by.get('unj') as TrecMeasure);
  return out;
}
