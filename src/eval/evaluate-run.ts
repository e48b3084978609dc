/**
 * Measures named the ir_measures way (measure-spec.ts) over a run: what the `evaluate` stage
 * stores and the feedback stage scores candidates with.
 */
import type { Qrels } from '../data/qrels.js';
import type { RankedList, Run } from '../data/runs.js';
import { byteOrder, byteText, displayText } from '../data/trec-fields.js';
import { formatFixed } from './format-fixed.js';
import type { MeasureSpec } from './measure-spec.js';
import type { MeasureParams, QueryData, TrecMeasure } from './measures/measure-record.js';
import { TREC_MEASURES } from './measures/measure-table.js';
import { checkDuplicates, type EvalParams, formResRels, LevelBuffer, type ResRels, rankList, type TrecEvalVersion } from './res-rels.js';

export interface EvalOptions {
  /** Every judged query counts; one missing from the run scores 0 (as ir_measures averages). */
  complete?: boolean;
  /** Only the first documents of each ranking. */
  maxDocs?: number;
  /** trec_eval semantics behind the pytrec_eval-computed measures: 9 (pytrec_eval's, default) or 10. */
  version?: TrecEvalVersion;
}

export interface EvalResult {
  /** Queries evaluated, in qid byte order (UTF-8 text). */
  qids: string[];
  /** perQuery[i][j]: value of specs[j] for qids[i]. */
  perQuery: number[][];
  /** Over queries: the mean, or the sum for NumQ, NumRet, NumRel. */
  all: number[];
  specs: MeasureSpec[];
}

const byName = new Map(TREC_MEASURES.map((m) => [m.name, m]));

/** The trec_eval measure and parameters pytrec_eval computes a spec with. */
function trecMeasure(s: MeasureSpec): { def: TrecMeasure; params: MeasureParams } {
  const cut = (name: string, k: number) => ({ def: byName.get(name) as TrecMeasure, params: { values: [k], pairs: [] } });
  const plain = (name: string, values: number[] = []) => ({ def: byName.get(name) as TrecMeasure, params: { values, pairs: [] } });
  switch (s.measure) {
    case 'AP':
      return s.cutoff === undefined ? plain('map') : cut('map_cut', s.cutoff);
    case 'nDCG':
      return s.cutoff === undefined ? plain('ndcg') : cut('ndcg_cut', s.cutoff);
    case 'P':
      return cut('P', s.cutoff as number);
    case 'R':
      return cut('recall', s.cutoff as number);
    case 'Success':
      return cut('success', s.cutoff as number);
    case 'RR':
      return plain('recip_rank');
    case 'Rprec':
      return plain('Rprec');
    case 'Bpref':
      return plain('bpref');
    case 'infAP':
      return plain('infAP');
    case 'IPrec':
      // ir_measures passes the level to pytrec_eval as iprec_at_recall_{recall:.2f}
      return plain('iprec_at_recall', [Number(formatFixed(s.cutoff as number, 2))]);
    case 'NumQ':
      return plain('num_q');
    case 'NumRet':
      return plain(s.countAll ? 'num_ret' : 'num_rel_ret');
    case 'NumRel':
      return plain('num_rel');
    case 'SetP':
      return plain(s.relative ? 'set_relative_P' : 'set_P');
    case 'SetR':
      return plain('set_recall');
    case 'SetF':
      return plain('set_F', [s.beta ?? 1.0]);
    case 'SetAP':
      return plain('set_map');
    default:
      throw new Error(`internal: no trec_eval measure for ${s.measure}`);
  }
}

/** Judgments with grades relabelled by nDCG's gains (ir_measures maps the qrels before pytrec_eval). */
function relabel(judged: Map<string, number>, gains: Map<number, number> | undefined): Map<string, number> {
  if (!gains) return judged;
  return new Map([...judged].map(([d, g]) => [d, gains.get(g) ?? g]));
}

/** Ranking by score (as a double) descending, ties by docid ascending: ir_measures' Python providers. */
function pythonRanking(list: RankedList, maxDocs: number): { docid: string; score: number }[] {
  const scores = new Map<string, number>(); // a run is a dict: a repeated docid keeps its last score
  for (let i = 0; i < list.length; i++) scores.set(list.docids[i] as string, list.scores[i] as number);
  const ranked = [...scores].map(([docid, score]) => ({ docid, score }));
  ranked.sort((a, b) => (a.score !== b.score ? b.score - a.score : byteOrder(a.docid, b.docid)));
  return ranked.slice(0, maxDocs);
}

/** The values of `specs` for one query (ids are byte strings). */
function measureQuery(
  qid: string,
  list: RankedList,
  judged: Map<string, number>,
  specs: readonly MeasureSpec[],
  opts: Required<EvalOptions>,
  runPath: string,
  levels: LevelBuffer,
): number[] {
  const ranked = rankList(list, opts.maxDocs, opts.version);
  checkDuplicates(list, ranked, runPath, qid);
  const groups = new Map<string, ResRels>();
  let python: { docid: string; score: number }[] | undefined;
  return specs.map((s) => {
    if (s.provider === 'msmarco') {
      python ??= pythonRanking(list, opts.maxDocs);
      const k = Math.min(s.cutoff as number, python.length);
      for (let i = 0; i < k; i++)
        if ((judged.get((python[i] as { docid: string }).docid) ?? Number.NEGATIVE_INFINITY) >= s.relLevel) return 1 / (i + 1);
      return 0;
    }
    if (s.provider === 'judged') {
      python ??= pythonRanking(list, opts.maxDocs);
      const k = Math.min(s.cutoff ?? python.length, python.length);
      let n = 0;
      for (let i = 0; i < k; i++) if (judged.has((python[i] as { docid: string }).docid)) n++;
      return n / k;
    }
    const key = `${s.relLevel}|${s.judgedOnly}|${s.gains ? [...s.gains].join(';') : ''}`;
    const p: EvalParams = {
      relLevel: s.relLevel,
      maxDocs: opts.maxDocs,
      judgedOnly: s.judgedOnly,
      numDocsInColl: 0,
      version: opts.version,
    };
    let rr = groups.get(key);
    if (!rr) groups.set(key, (rr = formResRels(list, ranked, relabel(judged, s.gains), p, levels)));
    const { def, params } = trecMeasure(s);
    const out = new Float64Array(params.values.length || 1);
    const data: QueryData = {
      qid,
      runId: '',
      resRels: () => rr as ResRels,
      prefs: () => {
        throw new Error('internal: no prefs');
      },
      groups: () => [],
    };
    def.calc(data, p, params, out, 0);
    return out[0] as number;
  });
}

const byteQrels = new WeakMap<Qrels, Qrels>();

/** Qrels (UTF-8 ids, from readQrels) keyed by byte strings like a run's ids; cached per object. */
function asBytes(qrels: Qrels): Qrels {
  let out = byteQrels.get(qrels);
  if (!out) {
    out = new Map([...qrels].map(([q, docs]) => [byteText(q), new Map([...docs].map(([d, g]) => [byteText(d), g]))]));
    byteQrels.set(qrels, out);
  }
  return out;
}

/**
 * Evaluates a run for measures named the ir_measures way: the judged queries that are in the
 * run (all judged ones with `complete`, a missing one scoring 0), in qid byte order.
 */
export function evaluateRun(qrels: Qrels, run: Run, specs: MeasureSpec[], opts: EvalOptions = {}): EvalResult {
  const o: Required<EvalOptions> = { complete: false, maxDocs: Number.POSITIVE_INFINITY, version: 9, ...opts };
  const judged = asBytes(qrels);
  const qids = [...judged.keys()].filter((q) => o.complete || run.byQuery.has(q)).sort(byteOrder);
  const levels = new LevelBuffer();
  const perQuery = qids.map((qid) => {
    const list = run.byQuery.get(qid);
    return list ? measureQuery(qid, list, judged.get(qid) as Map<string, number>, specs, o, run.path, levels) : specs.map(() => 0);
  });
  const all = specs.map((s, j) => {
    const sum = perQuery.reduce((a, row) => a + (row[j] as number), 0);
    return s.sum || qids.length === 0 ? sum : sum / qids.length;
  });
  return { qids: qids.map(displayText), perQuery, all, specs };
}

/** A query's judgments keyed by their docids' bytes, as `measureRanking` compares them. */
export interface RankingJudgments {
  bytes: Map<string, number>;
}

export function rankingJudgments(judged: Map<string, number>): RankingJudgments {
  return { bytes: new Map([...judged].map(([d, g]) => [byteText(d), g])) };
}

/**
 * One query's value of a measure for a ranking as `qexp search` would write it and `qexp eval`
 * read it back: scores printed with 6 decimals. The feedback stage scores candidates with it, so
 * that its values equal search + evaluate.
 */
export function measureRanking(
  hits: readonly { docid: string; score: number }[],
  /** the query's judgments, or them as `rankingJudgments` keys them (once for all of a query's rankings) */
  judged: Map<string, number> | RankingJudgments | undefined,
  spec: MeasureSpec,
): number {
  if (!judged || hits.length === 0) return 0;
  const list: RankedList = {
    docids: hits.map((h) => byteText(h.docid)),
    scores: hits.map((h) => Number(h.score.toFixed(6))),
    lines: hits.map((_h, i) => i + 1),
    length: hits.length,
  };
  const bytes = judged instanceof Map ? rankingJudgments(judged).bytes : judged.bytes;
  const o: Required<EvalOptions> = { complete: false, maxDocs: Number.POSITIVE_INFINITY, version: 9 };
  return measureQuery('', list, bytes, [spec], o, 'ranking', new LevelBuffer())[0] as number;
}
