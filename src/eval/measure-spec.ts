/** A measure to compute: a trec_eval measure, its cutoff (if any) and the relevance level for binary judgments. */
export interface MeasureSpec {
  /** trec_eval name: map, P, recall, ndcg, ndcg_cut, map_cut, recip_rank, Rprec, bpref, success, num_q, ... */
  measure: string;
  cutoff?: number;
  /** Minimum grade that counts as relevant (trec_eval `-l`); nDCG ignores it. */
  relLevel: number;
  /** Name printed in trec_eval output (`P_10`, `map`) or as written in YAML (`nDCG@10`). */
  label: string;
  kind: 'float' | 'long' | 'string';
}

export class MeasureError extends Error {
  override name = 'MeasureError';
}

/** trec_eval's measures in the order it prints them, with their default cutoffs. */
export const TREC_MEASURES: readonly { name: string; kind: MeasureSpec['kind']; cutoffs?: number[]; summaryOnly?: boolean }[] = [
  { name: 'runid', kind: 'string', summaryOnly: true },
  { name: 'num_q', kind: 'long', summaryOnly: true },
  { name: 'num_ret', kind: 'long' },
  { name: 'num_rel', kind: 'long' },
  { name: 'num_rel_ret', kind: 'long' },
  { name: 'map', kind: 'float' },
  { name: 'gm_map', kind: 'float', summaryOnly: true },
  { name: 'Rprec', kind: 'float' },
  { name: 'bpref', kind: 'float' },
  { name: 'recip_rank', kind: 'float' },
  { name: 'P', kind: 'float', cutoffs: [5, 10, 15, 20, 30, 100, 200, 500, 1000] },
  { name: 'recall', kind: 'float', cutoffs: [5, 10, 15, 20, 30, 100, 200, 500, 1000] },
  { name: 'ndcg', kind: 'float' },
  { name: 'ndcg_cut', kind: 'float', cutoffs: [5, 10, 15, 20, 30, 100, 200, 500, 1000] },
  { name: 'map_cut', kind: 'float', cutoffs: [5, 10, 15, 20, 30, 100, 200, 500, 1000] },
  { name: 'success', kind: 'float', cutoffs: [1, 5, 10] },
];

/** trec_eval's "official" set (without iprec_at_recall, which qexp does not compute). */
export const OFFICIAL = ['runid', 'num_q', 'num_ret', 'num_rel', 'num_rel_ret', 'map', 'gm_map', 'Rprec', 'bpref', 'recip_rank', 'P'];

/**
 * Parses trec_eval `-m` arguments (`map`, `P.10`, `ndcg_cut.5,10,20`, `official`) into specs,
 * in trec_eval's printing order whatever the order given.
 */
export function parseTrecMeasures(args: string[], relLevel: number): MeasureSpec[] {
  const wanted = new Map<string, number[] | undefined>();
  for (const arg of args.length ? args : ['official']) {
    if (arg === 'official') {
      for (const m of OFFICIAL) if (!wanted.has(m)) wanted.set(m, undefined);
      continue;
    }
    const dot = arg.indexOf('.');
    const name = dot < 0 ? arg : arg.slice(0, dot);
    const def = TREC_MEASURES.find((m) => m.name === name);
    if (!def)
      throw new MeasureError(`unknown measure '${name}'; qexp computes ${TREC_MEASURES.map((m) => m.name).join(', ')} (and 'official')`);
    if (dot < 0) {
      wanted.set(name, undefined);
      continue;
    }
    if (!def.cutoffs) throw new MeasureError(`measure '${name}' takes no cutoffs`);
    const cuts = arg
      .slice(dot + 1)
      .split(',')
      .map((c) => c.trim());
    if (cuts.some((c) => !/^[1-9]\d*$/.test(c))) throw new MeasureError(`cutoffs of '${arg}' must be positive integers`);
    const list = cuts.map(Number);
    if (new Set(list).size !== list.length) throw new MeasureError(`cutoffs of '${arg}' repeat a value`);
    wanted.set(name, list);
  }
  const out: MeasureSpec[] = [];
  for (const def of TREC_MEASURES) {
    if (!wanted.has(def.name)) continue;
    if (def.cutoffs) {
      const cuts = [...(wanted.get(def.name) ?? def.cutoffs)].sort((a, b) => a - b);
      for (const k of cuts) out.push({ measure: def.name, cutoff: k, relLevel, label: `${def.name}_${k}`, kind: def.kind });
    } else out.push({ measure: def.name, relLevel, label: def.name, kind: def.kind });
  }
  return out;
}

const IR_MEASURES: Record<
  string,
  { measure: string; cutMeasure?: string; kind: MeasureSpec['kind']; needsCutoff?: boolean; noRel?: boolean }
> = {
  nDCG: { measure: 'ndcg', cutMeasure: 'ndcg_cut', kind: 'float', noRel: true },
  AP: { measure: 'map', cutMeasure: 'map_cut', kind: 'float' },
  P: { measure: 'P', kind: 'float', needsCutoff: true },
  R: { measure: 'recall', kind: 'float', needsCutoff: true },
  RR: { measure: 'recip_rank', cutMeasure: 'rr_cut', kind: 'float' },
  Rprec: { measure: 'Rprec', kind: 'float' },
  Bpref: { measure: 'bpref', kind: 'float' },
  Success: { measure: 'success', kind: 'float', needsCutoff: true },
  NumQ: { measure: 'num_q', kind: 'long' },
  NumRet: { measure: 'num_ret', kind: 'long' },
  NumRel: { measure: 'num_rel', kind: 'long' },
  NumRelRet: { measure: 'num_rel_ret', kind: 'long' },
};

/**
 * Parses a measure named the ir_measures way — `nDCG@10`, `AP(rel=2)@1000`, `R(rel=2)@1000`,
 * `RR(rel=2)@10`, `P@10` — so conventions such as DL's rel=2 for MAP and recall are written once.
 */
export function parseIrMeasure(text: string): MeasureSpec {
  const m = /^([A-Za-z]+)(?:\(rel=(-?\d+)\))?(?:@(\d+))?$/.exec(text.trim());
  if (!m) throw new MeasureError(`cannot read measure '${text}': write e.g. nDCG@10, AP(rel=2)@1000, P@10`);
  const [, name, rel, cut] = m as unknown as [string, string, string | undefined, string | undefined];
  const def = IR_MEASURES[name];
  if (!def) throw new MeasureError(`unknown measure '${name}' in '${text}'; known: ${Object.keys(IR_MEASURES).join(', ')}`);
  if (def.noRel && rel !== undefined) throw new MeasureError(`'${text}': nDCG uses graded judgments; (rel=N) does not apply`);
  if (def.needsCutoff && cut === undefined) throw new MeasureError(`'${text}' needs a cutoff, e.g. ${name}@10`);
  const cutoff = cut === undefined ? undefined : Number(cut);
  if (cutoff === 0) throw new MeasureError(`'${text}': the cutoff must be positive`);
  const measure = cutoff !== undefined && def.cutMeasure ? def.cutMeasure : def.measure;
  if (cutoff !== undefined && !def.cutMeasure && !def.needsCutoff) throw new MeasureError(`'${text}': ${name} takes no cutoff`);
  return { measure, cutoff, relLevel: rel === undefined ? 1 : Number(rel), label: text.trim(), kind: def.kind };
}
