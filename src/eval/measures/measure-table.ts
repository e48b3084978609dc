/** The measure table in trec_eval's printing order (9.0.7; 10.0 as measuresOf(10)), its nicknames and each version's measures. */
import { COUNT_AND_SET_MEASURES } from './count-and-set-measures.js';
import { GAIN_MEASURES } from './gain-measures.js';
import { JUDGMENT_GROUP_MEASURES } from './judgment-group-measures.js';
import type { TrecMeasure } from './measure-record.js';
import { PREFERENCE_MEASURES } from './preference-measures.js';
import { RANKING_MEASURES } from './ranking-measures.js';

/** Every measure, in trec_eval's order (te_trec_measures in measures.c). */
export const TREC_MEASURES: readonly TrecMeasure[] = [
  COUNT_AND_SET_MEASURES.runid,
  COUNT_AND_SET_MEASURES.num_q,
  COUNT_AND_SET_MEASURES.num_ret,
  COUNT_AND_SET_MEASURES.num_rel,
  COUNT_AND_SET_MEASURES.num_rel_ret,
  RANKING_MEASURES.map,
  RANKING_MEASURES.gm_map,
  RANKING_MEASURES.Rprec,
  RANKING_MEASURES.bpref,
  RANKING_MEASURES.recip_rank,
  RANKING_MEASURES.iprec_at_recall,
  RANKING_MEASURES.P,
  RANKING_MEASURES.relstring,
  RANKING_MEASURES.recall,
  RANKING_MEASURES.unj,
  GAIN_MEASURES.rbp,
  GAIN_MEASURES.rbp_resid,
  RANKING_MEASURES.infAP,
  RANKING_MEASURES.gm_bpref,
  RANKING_MEASURES.Rprec_mult,
  COUNT_AND_SET_MEASURES.utility,
  RANKING_MEASURES['11pt_avg'],
  GAIN_MEASURES.binG,
  GAIN_MEASURES.G,
  GAIN_MEASURES.dcg,
  GAIN_MEASURES.ideal_dcg,
  GAIN_MEASURES.ndcg,
  GAIN_MEASURES.ndcg_rel,
  GAIN_MEASURES.Rndcg,
  GAIN_MEASURES.ndcg_cut,
  RANKING_MEASURES.map_cut,
  RANKING_MEASURES.relative_P,
  RANKING_MEASURES.success,
  COUNT_AND_SET_MEASURES.set_P,
  COUNT_AND_SET_MEASURES.set_relative_P,
  COUNT_AND_SET_MEASURES.set_recall,
  COUNT_AND_SET_MEASURES.set_map,
  COUNT_AND_SET_MEASURES.set_F,
  COUNT_AND_SET_MEASURES.num_nonrel_judged_ret,
  PREFERENCE_MEASURES.prefs_num_prefs_poss,
  PREFERENCE_MEASURES.prefs_num_prefs_ful,
  PREFERENCE_MEASURES.prefs_num_prefs_ful_ret,
  PREFERENCE_MEASURES.prefs_simp,
  PREFERENCE_MEASURES.prefs_pair,
  PREFERENCE_MEASURES.prefs_avgjg,
  PREFERENCE_MEASURES.prefs_avgjg_Rnonrel,
  PREFERENCE_MEASURES.prefs_simp_ret,
  PREFERENCE_MEASURES.prefs_pair_ret,
  PREFERENCE_MEASURES.prefs_avgjg_ret,
  PREFERENCE_MEASURES.prefs_avgjg_Rnonrel_ret,
  PREFERENCE_MEASURES.prefs_simp_imp,
  PREFERENCE_MEASURES.prefs_pair_imp,
  PREFERENCE_MEASURES.prefs_avgjg_imp,
  JUDGMENT_GROUP_MEASURES.map_avgjg,
  JUDGMENT_GROUP_MEASURES.P_avgjg,
  JUDGMENT_GROUP_MEASURES.Rprec_mult_avgjg,
  RANKING_MEASURES.yaap,
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
