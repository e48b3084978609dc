/** The gain measures: ndcg, ndcg_cut, ndcg_rel, Rndcg, G, dcg, ideal_dcg, binG, rbp, rbp_resid. */
import type { EvalParams, ResRels } from '../res-rels.js';
import { getGain, IdealWalk, setupGains } from './gains.js';
import { CUTS, float, type MeasureParams, type TrecMeasure } from './measure-record.js';

/** DCG of the ranking and of the ideal ranking, as m_ndcg.c sums them. */
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

/** A float measure whose -m parameters are grade=gain pairs. */
function gainMeasure(
  name: string,
  calc: (rr: ResRels, p: EvalParams, m: MeasureParams) => number | undefined,
  extra: Partial<TrecMeasure> = {},
): TrecMeasure {
  return float(name, calc, { init: 'pPair', ...extra });
}

/** rbp's persistence: -m rbp.p=..., 0.9 by default. */
const rbpP = (m: MeasureParams): number => {
  let p = 0.9;
  for (const x of m.pairs) if (x.name === 'p') p = x.value;
  return p;
};

/** The gain measures, keyed by their trec_eval names. */
export const GAIN_MEASURES = {
  rbp: gainMeasure(
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
  rbp_resid: gainMeasure(
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
  binG: float('binG', (rr, p) => {
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
  G: gainMeasure('G', (rr, p, m) => {
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
  dcg: gainMeasure('dcg', (rr, p, m) => dcgs(rr, m, p).results, { since10: true, paramSlot: 'ndcg' }),
  ideal_dcg: gainMeasure('ideal_dcg', (rr, p, m) => dcgs(rr, m, p).ideal, { since10: true, paramSlot: 'ndcg' }),
  ndcg: gainMeasure(
    'ndcg',
    (rr, p, m) => {
      const d = dcgs(rr, m, p);
      return d.ideal > 0.0 ? d.results / d.ideal : undefined;
    },
    { paramSlot: 'ndcg' },
  ),
  ndcg_rel: gainMeasure('ndcg_rel', (rr, p, m) => {
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
  Rndcg: gainMeasure('Rndcg', (rr, p, m) => {
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
  ndcg_cut: {
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
} satisfies Record<string, TrecMeasure>;
