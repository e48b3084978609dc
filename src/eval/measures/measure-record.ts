/** A trec_eval measure's record and builders; each measure computes as its m_<name>.c does, in the same floating-point order. */
import type { ResultsPrefs } from '../prefs.js';
import type { EvalParams, ResRels } from '../res-rels.js';

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

/** trec_eval's default cutoffs for measures at ranks (P, recall, ndcg_cut, ...). */
export const CUTS = [5, 10, 15, 20, 30, 100, 200, 500, 1000] as const;

/** A measure of one float per query, read from the ranking's judgments. */
export function float(
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

/** A measure of one count per query, read from the ranking's judgments. */
export function long(name: string, calc: (rr: ResRels) => number, avg: TrecMeasure['avg'] = 'empty'): TrecMeasure {
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
export function atCutoffs(
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
