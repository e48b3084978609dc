/** The measures over a ranking and its qrels: map, Rprec, bpref, P, recall, infAP, map_cut, yaap, relstring, ... */
import { lround } from '../c-numbers.js';
import { type EvalParams, RELVALUE_NONPOOL, RELVALUE_UNJUDGED, type ResRels } from '../res-rels.js';
import { atCutoffs, CUTS, float, type TrecMeasure } from './measure-record.js';

const RECALL_POINTS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0] as const;
const MIN_GEO_MEAN = 0.00001;
const INFAP_EPSILON = 0.00001;

/** trec_eval 9 turns a recall fraction into a number of documents as (long)(x·R + 0.9); 10 rounds. */
function recallCutoff(pct: number, numRel: number, p: EvalParams): number {
  return p.version === 9 ? Math.trunc(pct * numRel + 0.9) : lround(pct * numRel);
}

const isRel = (rr: ResRels, p: EvalParams, i: number) => ((rr.rels[i] as number) >= p.relLevel ? 1 : 0);

/** The sum of precisions at relevant ranks and the relevant count (map, gm_map, yaap, map_avgjg). */
export function averagePrecisionSum(rr: ResRels, p: EvalParams): { sum: number; relSoFar: number } {
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

/** Precision at R-multiples (Rprec_mult, and Rprec_mult_avgjg over judgment groups). */
export function rprecMult(rr: ResRels, p: EvalParams, pcts: number[], set: (cut: number, v: number) => void): void {
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

/** The ranking measures, keyed by their trec_eval names. */
export const RANKING_MEASURES = {
  map: float('map', (rr, p) => {
    const { sum, relSoFar } = averagePrecisionSum(rr, p);
    return relSoFar ? sum / rr.numRel : undefined;
  }),
  gm_map: float(
    'gm_map',
    (rr, p) => {
      let { sum, relSoFar } = averagePrecisionSum(rr, p);
      if (relSoFar) sum = sum / rr.numRel;
      return Math.log(Math.max(sum, MIN_GEO_MEAN));
    },
    { avg: 'gm', single: 'empty' },
  ),
  Rprec: float('Rprec', (rr, p) => {
    const look = Math.min(rr.numRet, rr.numRel);
    if (look === 0) return undefined;
    let relSoFar = 0;
    for (let i = 0; i < look; i++) if ((rr.rels[i] as number) >= p.relLevel) relSoFar++;
    return relSoFar / rr.numRel;
  }),
  bpref: float('bpref', (rr, p) => bpref(rr, p)),
  recip_rank: float('recip_rank', (rr, p) => {
    for (let i = 0; i < rr.numRet; i++) if ((rr.rels[i] as number) >= p.relLevel) return 1.0 / (i + 1);
    return undefined;
  }),
  iprec_at_recall: {
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
  P: atCutoffs('P', isRel, (sofar, k) => sofar / k),
  relstring: {
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
  recall: atCutoffs(
    'recall',
    isRel,
    (sofar, _k, rr) => sofar / rr.numRel,
    (rr) => rr.numRel === 0,
  ),
  unj: atCutoffs(
    'unj',
    (rr, _p, i) => (rr.rels[i] === RELVALUE_NONPOOL || rr.rels[i] === RELVALUE_UNJUDGED ? 1 : 0),
    (sofar, k) => sofar / k,
    undefined,
    { defaults: [5, 10, 20], since10: true },
  ),
  infAP: float('infAP', (rr, p) => {
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
  gm_bpref: float('gm_bpref', (rr, p) => Math.log(Math.max(bpref(rr, p), MIN_GEO_MEAN)), { avg: 'gm', single: 'empty' }),
  Rprec_mult: {
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
  '11pt_avg': float(
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
  map_cut: {
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
  relative_P: atCutoffs(
    'relative_P',
    isRel,
    (sofar, k, rr) => sofar / Math.min(k, rr.numRel),
    (rr) => rr.numRel === 0,
  ),
  success: atCutoffs('success', isRel, (sofar) => (sofar ? 1.0 : 0.0), undefined, { defaults: [1, 5, 10] }),
  yaap: float('yaap', (rr, p) => {
    const { sum } = averagePrecisionSum(rr, p);
    return Math.log((1.0 + sum) / (1.0 + rr.numRel - sum));
  }),
} satisfies Record<string, TrecMeasure>;
