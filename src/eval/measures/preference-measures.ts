/** The preference measures (prefs_*): pairs of documents a run orders as the judgment groups prefer. */
import type { JudgmentGroup, ResultsPrefs } from '../prefs.js';
import type { TrecMeasure } from './measure-record.js';

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

/** The preference measures, keyed by their trec_eval names. */
export const PREFERENCE_MEASURES = {
  prefs_num_prefs_poss: prefsLong('prefs_num_prefs_poss', (rp) => rp.jgs.reduce((s, g) => s + possAll(g), 0)),
  prefs_num_prefs_ful: prefsLong('prefs_num_prefs_ful', (rp) => rp.jgs.reduce((s, g) => s + fulAll(g), 0)),
  prefs_num_prefs_ful_ret: prefsLong('prefs_num_prefs_ful_ret', (rp) => rp.jgs.reduce((s, g) => s + g.fulRet, 0)),
  prefs_simp: prefsFloat('prefs_simp', (rp) => simp(rp, fulAll, possAll)),
  prefs_pair: prefsFloat('prefs_pair', (rp) => pair(rp, 'all')),
  prefs_avgjg: prefsFloat('prefs_avgjg', (rp) => avgJg(rp, fulAll, possAll)),
  prefs_avgjg_Rnonrel: prefsFloat('prefs_avgjg_Rnonrel', (rp) => rnonrel(rp, false)),
  prefs_simp_ret: prefsFloat('prefs_simp_ret', (rp) =>
    simp(
      rp,
      (g) => g.fulRet,
      (g) => g.possRet,
    ),
  ),
  prefs_pair_ret: prefsFloat('prefs_pair_ret', (rp) => pair(rp, 'ret')),
  prefs_avgjg_ret: prefsFloat('prefs_avgjg_ret', (rp) =>
    avgJg(
      rp,
      (g) => g.fulRet,
      (g) => g.possRet,
    ),
  ),
  prefs_avgjg_Rnonrel_ret: prefsFloat('prefs_avgjg_Rnonrel_ret', (rp) => rnonrel(rp, true)),
  prefs_simp_imp: prefsFloat('prefs_simp_imp', (rp) => simp(rp, fulAll, (g) => g.possRet + g.possImp)),
  prefs_pair_imp: prefsFloat('prefs_pair_imp', (rp) => pair(rp, 'imp')),
  prefs_avgjg_imp: prefsFloat('prefs_avgjg_imp', (rp) => avgJg(rp, fulAll, (g) => g.possRet + g.possImp)),
} satisfies Record<string, TrecMeasure>;
