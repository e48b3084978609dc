/** The judgment-group measures (qrels_jg): map, P and Rprec_mult averaged over a query's judgment groups. */
import type { EvalParams, ResRels } from '../res-rels.js';
import { CUTS, type InitKind, type MeasureParams, type TrecMeasure } from './measure-record.js';
import { averagePrecisionSum, rprecMult } from './ranking-measures.js';

/** A measure over a query's judgment groups: one value, or one per cutoff for the cut kinds. */
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

/** The judgment-group measures, keyed by their trec_eval names. */
export const JUDGMENT_GROUP_MEASURES = {
  map_avgjg: jgMeasure('map_avgjg', 'sFloat', (groups, p, _m, out, at) => {
    for (const rr of groups) {
      const { sum, relSoFar } = averagePrecisionSum(rr, p);
      if (relSoFar) out[at] = (out[at] as number) + sum / rr.numRel;
    }
    if (groups.length > 1) out[at] = (out[at] as number) / groups.length;
  }),
  P_avgjg: {
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
  Rprec_mult_avgjg: {
    ...jgMeasure('Rprec_mult_avgjg', 'cutFloat', (groups, p, m, out, at) => {
      for (const rr of groups)
        rprecMult(rr, p, m.values, (c, v) => {
          out[at + c] = (out[at + c] as number) + v;
        });
      if (groups.length > 1) for (let c = 0; c < m.values.length; c++) out[at + c] = (out[at + c] as number) / groups.length;
    }),
    defaults: [0.2, 0.4, 0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0],
  },
} satisfies Record<string, TrecMeasure>;
