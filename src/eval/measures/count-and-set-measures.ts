/** The counting and set measures: runid, num_q, num_ret, num_rel(_ret), utility, set_P, set_recall, set_F, ... */
import { float, long, MeasureCalcError, type TrecMeasure } from './measure-record.js';

/** The counting and set measures, keyed by their trec_eval names. */
export const COUNT_AND_SET_MEASURES = {
  runid: {
    name: 'runid',
    init: 'empty',
    acc: 'empty',
    avg: 'empty',
    single: 'empty',
    final: 'runid',
    input: 'any',
    calc: () => undefined,
  },
  num_q: {
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
  num_ret: long('num_ret', (rr) => rr.numRet),
  num_rel: long('num_rel', (rr) => rr.numRel, 'numRel'),
  num_rel_ret: long('num_rel_ret', (rr) => rr.numRelRet),
  utility: float(
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
  set_P: float('set_P', (rr) => (rr.numRet ? rr.numRelRet / rr.numRet : undefined)),
  set_relative_P: float('set_relative_P', (rr) => (rr.numRet && rr.numRel ? rr.numRelRet / Math.min(rr.numRet, rr.numRel) : undefined)),
  set_recall: float('set_recall', (rr) => (rr.numRel ? rr.numRelRet / rr.numRel : undefined)),
  set_map: float('set_map', (rr) => (rr.numRet && rr.numRel ? (rr.numRelRet * rr.numRelRet) / (rr.numRet * rr.numRel) : undefined)),
  set_F: float(
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
  num_nonrel_judged_ret: long('num_nonrel_judged_ret', (rr) => rr.numRet - rr.numNonpool - rr.numUnjudgedInPool - rr.numRelRet),
} satisfies Record<string, TrecMeasure>;
