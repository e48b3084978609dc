/**
 * trec_eval's command: which measures `-m` selects and with which parameters, the evaluation
 * loop over queries (9.0.x, or 10.0's), accumulation, averaging and the printed lines.
 */
import { DataError } from '../data/data-error.js';
import type { Judgments } from '../data/qrels.js';
import type { RankedList, Run } from '../data/runs.js';
import { byteOrder } from '../data/trec-fields.js';
import { atof, atol, cFixed, cLong, readsWhole } from './c-numbers.js';
import { glibcSort } from './glibc-sort.js';
import type { MeasureParams, QueryData, TrecMeasure } from './measures/measure-record.js';
import { measuresOf, nicknames } from './measures/measure-table.js';
import { formPrefsCounts, type PrefsFile, RankPool, type ResultsPrefs } from './prefs.js';
import type { JudgmentGroupsFile, ZScores } from './rel-files.js';
import {
  checkDuplicates,
  type EvalParams,
  formResRels,
  formResRelsJg,
  LevelBuffer,
  type ResRels,
  rankList,
  type TrecEvalVersion,
} from './res-rels.js';

export class TrecEvalError extends Error {}

/** One `-m` argument split as trec_eval splits it: measure (or nickname) and parameter text. */
interface MeasArg {
  name: string;
  params: string;
}

export interface MeasureRequest {
  marked: Set<string>;
  args: MeasArg[];
}

/**
 * `-m` arguments as trec_eval's mark_measure reads them: `name.params` records the parameters
 * (the first given for a measure is used: `-m P.1 -m P.2` computes P_1), a nickname marks its
 * measures; no `-m` means `official`.
 */
export function parseMeasureArgs(argv: readonly string[], version: TrecEvalVersion): MeasureRequest {
  const marked = new Set<string>();
  const args: MeasArg[] = [];
  const known = new Set(measuresOf(version).map((m) => m.name));
  const nick = nicknames(version);
  for (const arg of argv.length ? argv : ['official']) {
    const dot = arg.indexOf('.');
    const name = dot < 0 ? arg : arg.slice(0, dot);
    if (dot >= 0) {
      const params = arg.slice(dot + 1);
      if (params === '') throw new TrecEvalError(`improper measure '${arg}': nothing after the '.'`);
      args.push({ name, params });
    }
    const group = nick[name];
    if (group) for (const m of group) marked.add(m);
    else if (known.has(name)) marked.add(name);
    else {
      const hint =
        version === 9 && measuresOf(10).some((m) => m.name === name) ? ' (a trec_eval 10 measure: add --trec-eval-version 10)' : '';
      throw new TrecEvalError(`illegal measure '${arg}'${hint}; measures: ${[...Object.keys(nick), ...known].join(', ')}`);
    }
  }
  return { marked, args };
}

/** A measure ready to compute: its parameters and the names of its values. */
export interface InitMeasure {
  def: TrecMeasure;
  params: MeasureParams;
  names: string[];
  at: number;
}

/**
 * init_meas for every marked measure, in trec_eval's order: parameters from the first `-m`
 * naming the measure (else its defaults) read with atol/atof as trec_eval reads them (text they
 * ignore is reported in `warnings`), value names such as `P_10`, `iprec_at_recall_0.10`, `ndcg_1=3`.
 */
export function initMeasures(
  req: MeasureRequest,
  version: TrecEvalVersion,
  warnings: string[] = [],
): { measures: InitMeasure[]; size: number } {
  const measures: InitMeasure[] = [];
  const slots = new Map<string, MeasureParams>();
  let at = 0;
  for (const def of measuresOf(version)) {
    if (!req.marked.has(def.name)) continue;
    const arg = req.args.find((a) => a.name === def.name);
    let params: MeasureParams = { values: [...(def.defaults ?? [])], pairs: [] };
    if (def.paramSlot) {
      const shared = slots.get(def.paramSlot);
      if (shared) params = shared;
      else slots.set(def.paramSlot, params);
    }
    let names: string[];
    switch (def.init) {
      case 'empty':
        names = [];
        break;
      case 'sLong':
      case 'sFloat':
        names = [def.name];
        if (arg) warnings.push(`measure '${def.name}' takes no parameters: '.${arg.params}' is ignored, as trec_eval ignores it`);
        break;
      case 'cutLong': {
        if (arg) params.values = longCutoffs(arg, warnings);
        params.printable = arg?.params;
        names = params.values.map((k) => `${def.name}_${k}`);
        break;
      }
      case 'cutFloat': {
        if (arg) params.values = floatCutoffs(arg, warnings);
        params.printable = arg?.params;
        names = params.values.map((k) => `${def.name}_${cFixed(k, 3, 2)}`);
        break;
      }
      case 'pFloat':
        if (arg) {
          params.values = arg.params.split(',').map((t) => number(t, arg, warnings));
          params.printable = arg.params;
        }
        names = [params.printable !== undefined && arg ? `${def.name}_${arg.params}` : def.name];
        break;
      case 'pPair':
        if (arg) {
          params.pairs = pairs(arg, warnings);
          params.printable = arg.params;
        }
        names = [params.printable !== undefined ? `${def.name}_${params.printable}` : def.name];
        break;
    }
    measures.push({ def, params, names, at });
    at += names.length;
  }
  return { measures, size: at };
}

function number(text: string, arg: MeasArg, warnings: string[]): number {
  if (!readsWhole(text, 'double'))
    warnings.push(`'${text}' in '-m ${arg.name}.${arg.params}' is read as ${atof(text)} (C's atof, as trec_eval reads it)`);
  return atof(text);
}

function longCutoffs(arg: MeasArg, warnings: string[]): number[] {
  const cuts = arg.params.split(',').map((t) => {
    if (!readsWhole(t, 'long'))
      warnings.push(`cutoff '${t}' in '-m ${arg.name}.${arg.params}' is read as ${atol(t)} (C's atol, as trec_eval reads it)`);
    return atol(t);
  });
  // comp_long subtracts longs into an int
  glibcSort(cuts, (a, b) => a - b);
  if ((cuts[0] as number) <= 0) throw new TrecEvalError(`cutoffs of '-m ${arg.name}.${arg.params}' must be positive`);
  for (let i = 1; i < cuts.length; i++)
    if (cuts[i - 1] === cuts[i]) throw new TrecEvalError(`cutoffs of '-m ${arg.name}.${arg.params}' repeat ${cuts[i]}`);
  return cuts;
}

function floatCutoffs(arg: MeasArg, warnings: string[]): number[] {
  const cuts = arg.params.split(',').map((t) => number(t, arg, warnings));
  glibcSort(cuts, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (let i = 1; i < cuts.length; i++)
    if (cuts[i - 1] === cuts[i]) throw new TrecEvalError(`cutoffs of '-m ${arg.name}.${arg.params}' repeat ${cuts[i]}`);
  return cuts;
}

/** `name=value,...` (trec_eval's get_param_pairs and its check that '=' and ',' alternate). */
function pairs(arg: MeasArg, warnings: string[]): { name: string; value: number }[] {
  let last = ',';
  for (const c of arg.params) {
    if (c === ',') {
      if (last === ',') break;
      last = ',';
    } else if (c === '=') {
      if (last === '=') {
        last = ',';
        break;
      }
      last = '=';
    }
  }
  if (last !== '=')
    throw new TrecEvalError(`malformed parameters '${arg.params}' of '-m ${arg.name}': write grade=gain pairs, e.g. ${arg.name}.1=1,2=3`);
  return arg.params.split(',').map((p) => {
    const eq = p.indexOf('=');
    return { name: p.slice(0, eq), value: number(p.slice(eq + 1), arg, warnings) };
  });
}

/** Judgments in one of trec_eval's rel_info formats. */
export type RelInfo =
  | { format: 'qrels'; file: Judgments }
  | { format: 'prefs'; file: PrefsFile }
  | { format: 'qrels_jg'; file: JudgmentGroupsFile };

export interface TrecEvalOptions extends EvalParams {
  /** -q */
  perQuery: boolean;
  /** -c */
  complete: boolean;
  /** not -n */
  summary: boolean;
}

/** A printed line: trec_eval's `measure\tqid\tvalue`. */
export interface OutputLine {
  name: string;
  qid: string;
  value: number | string;
  /** The value as printed (%6.4f, %ld, quoted relstring...). */
  text: string;
  z: boolean;
  /** A summary line (qid 'all'), not a query's. */
  summary: boolean;
}

const MIN_GEO_MEAN = 0.00001;
const MISSING_ZSCORE = -1000000;
const BOGUS_DOCNO = 'ceci_nest_pas_un_docno';

function queryIds(rel: RelInfo): string[] {
  const keys = rel.format === 'qrels' ? rel.file.qrels.keys() : rel.file.byQuery.keys();
  return [...keys];
}

/**
 * Evaluates as trec_eval does. 9.0.x: the run's queries that have judgments, in qid order. 10.0:
 * the judged queries in qid order; one missing from the run is an error, or with -c is measured on
 * trec_eval 10's one-document stand-in ranking and printed with -q.
 */
export function trecEval(
  rel: RelInfo,
  run: Run,
  measures: InitMeasure[],
  size: number,
  opts: TrecEvalOptions,
  zscores?: ZScores,
): OutputLine[] {
  for (const m of measures) {
    const need = m.def.input;
    const have = rel.format === 'qrels' ? 'qrels' : rel.format === 'prefs' ? 'prefs' : 'qrels_jg';
    if (need !== 'any' && need !== have)
      throw new TrecEvalError(
        `measure '${m.def.name}' needs ${need === 'prefs' ? 'preference judgments (-R prefs or -R qrels_prefs)' : `-R ${need} judgments`}`,
      );
  }
  const out: OutputLine[] = [];
  const values = new Float64Array(size);
  const accum = new Float64Array(size);
  const strings = new Map<InitMeasure, string>();
  const judgedIds = queryIds(rel).sort(byteOrder);
  const judgedSet = new Set(judgedIds);
  const levels = new LevelBuffer();
  const pool = new RankPool();
  const runId = run.tag;
  let numQueries = 0;

  const order: { qid: string; list: RankedList; bogus: boolean }[] = [];
  if (opts.version === 9) {
    for (const qid of [...run.byQuery.keys()].sort(byteOrder))
      if (judgedSet.has(qid)) order.push({ qid, list: run.byQuery.get(qid) as RankedList, bogus: false });
  } else {
    for (const qid of judgedIds) {
      const list = run.byQuery.get(qid);
      if (list) order.push({ qid, list, bogus: false });
      else if (opts.complete) order.push({ qid, list: { docids: [BOGUS_DOCNO], scores: [1.0], lines: [0], length: 1 }, bogus: true });
      else
        throw new TrecEvalError(
          `query ${displayQid(qid)} is judged but not in the run: trec_eval 10.0 stops here (add -c to score it 0, or use --trec-eval-version 9, which skips it)`,
        );
    }
  }

  const z = zscores !== undefined;
  // a NaN read from the Z-score file is positive and prints as 'nan' (computed ones print '-nan')
  const posNaN = new Uint8Array(size);
  const accumPosNaN = new Uint8Array(size);
  for (const { qid, list, bogus } of order) {
    values.fill(0);
    posNaN.fill(0);
    let ranked: Int32Array | undefined;
    const ranking = () => {
      ranked ??= rankList(list, opts.maxDocs, opts.version);
      return ranked;
    };
    let rr: ResRels | undefined;
    let rp: ResultsPrefs | undefined;
    let groups: ResRels[] | undefined;
    const data: QueryData = {
      qid,
      runId,
      resRels() {
        if (!rr) {
          if (rel.format !== 'qrels') throw new TrecEvalError('internal: qrels measure without qrels');
          const r = ranking();
          checkDuplicates(list, r, run.path, qid);
          const dup = rel.file.duplicates.get(qid);
          if (dup)
            throw new DataError(
              rel.file.path,
              dup.line,
              `document ${dup.docid} is judged twice for query ${displayQid(qid)} (first at line ${dup.first})`,
            );
          const judged = rel.file.qrels.get(qid) as Map<string, number>;
          if (!levels.allocated && allNegative(judged))
            // form_res_rels asks te_chk_and_malloc for 0 counters, gets NULL, and fails (exit 4)
            throw new TrecEvalError(
              `every judgment of query ${displayQid(qid)} has a negative grade, and no query measured before it had one of grade 0 or more: trec_eval stops here ("Can't calculate measure")`,
            );
          rr = formResRels(list, r, judged, opts, levels);
        }
        return rr;
      },
      prefs() {
        if (rel.format !== 'prefs') throw new TrecEvalError('internal: prefs measure without prefs');
        rp ??= formPrefsCounts(list, rel.file.byQuery.get(qid) ?? [], opts, pool, run.path, qid);
        return rp;
      },
      groups() {
        if (rel.format !== 'qrels_jg') throw new TrecEvalError('internal: qrels_jg measure without qrels_jg');
        if (!groups) {
          const r = ranking();
          checkDuplicates(list, r, run.path, qid);
          groups = formResRelsJg(list, r, rel.file.byQuery.get(qid) ?? [], opts);
        }
        return groups;
      },
    };
    for (const m of measures) {
      const s = m.def.calc(data, opts, m.params, values, m.at);
      if (s !== undefined) strings.set(m, s);
    }
    if (bogus) {
      // trec_eval 10 resets what its stand-in ranking would otherwise count, by value name
      for (const m of measures)
        m.names.forEach((name, k) => {
          if (name === 'num_ret' || name === 'utility' || name.startsWith('unj') || name === 'rbp_resid') values[m.at + k] = 0;
          if (name === 'relstring') strings.set(m, '');
        });
    }
    if (zscores) {
      const means = zscores.get(qid);
      for (const m of measures)
        m.names.forEach((name, k) => {
          const i = m.at + k;
          const ms = means?.get(name);
          const v = values[i] as number;
          if (!ms) values[i] = MISSING_ZSCORE;
          else if (ms.sd !== 0) {
            // (v - mean) / sd takes the sign of the first NaN operand, as the FPU does
            values[i] = (v - ms.mean) / ms.sd;
            if (!Number.isNaN(v))
              posNaN[i] = Number.isNaN(ms.mean) ? (ms.meanPositiveNaN ? 1 : 0) : Number.isNaN(ms.sd) && ms.sdPositiveNaN ? 1 : 0;
          } else values[i] = v === ms.mean ? 0 : MISSING_ZSCORE;
        });
    }
    for (const m of measures) {
      if (m.def.acc !== 'empty')
        for (let k = m.at; k < m.at + m.names.length; k++) {
          const a = accum[k] as number;
          if (!Number.isNaN(a) && Number.isNaN(values[k] as number)) accumPosNaN[k] = posNaN[k] as number;
          accum[k] = a + (values[k] as number);
        }
      if (opts.perQuery) printSingle(out, m, qid, values, posNaN, strings, z);
    }
    numQueries++;
  }
  if (numQueries === 0)
    throw new TrecEvalError('no query has both results and judgments: check that the qids of the run and the judgments match');

  const nq = opts.complete ? judgedIds.length : numQueries;
  for (const m of measures) {
    const n = m.names.length;
    switch (m.def.avg) {
      case 's':
      case 'cut':
        if (nq) for (let k = 0; k < n; k++) accum[m.at + k] = (accum[m.at + k] as number) / nq;
        break;
      case 'gm':
        if (nq > 0) {
          let sum = accum[m.at] as number;
          if (opts.complete) sum += (nq - numQueries) * Math.log(MIN_GEO_MEAN);
          accum[m.at] = Math.exp(sum / nq);
        }
        break;
      case 'numQ':
        accum[m.at] = nq;
        break;
      case 'numRel':
        if (opts.complete) {
          let count = 0;
          if (rel.format === 'qrels') {
            for (const docs of rel.file.qrels.values()) for (const g of docs.values()) if (g > 0) count++;
          } else if (rel.format === 'qrels_jg') {
            for (const gs of rel.file.byQuery.values()) for (const g of gs) for (const v of g.values()) if (v > 0) count++;
          } else throw new TrecEvalError('num_rel with -c needs qrels or qrels_jg judgments');
          if (rel.format === 'qrels') count += rel.file.repeatedRelevant; // trec_eval counts lines, repeated ones too
          accum[m.at] = count;
        }
        break;
      case 'empty':
        break;
    }
    if (opts.summary) printFinal(out, m, accum, accumPosNaN, runId, z);
  }
  return out;
}

function allNegative(judged: Map<string, number>): boolean {
  for (const g of judged.values()) if (g >= 0) return false;
  return true;
}

function displayQid(qid: string): string {
  return Buffer.from(qid, 'latin1').toString('utf8');
}

function line(out: OutputLine[], name: string, qid: string, value: number | string, text: string, z: boolean): void {
  out.push({ name, qid, value, text, z, summary: false });
}

function printSingle(
  out: OutputLine[],
  m: InitMeasure,
  qid: string,
  values: Float64Array,
  posNaN: Uint8Array,
  strings: Map<InitMeasure, string>,
  z: boolean,
): void {
  switch (m.def.single) {
    case 'empty':
      return;
    case 'relstring': {
      const s = strings.get(m) ?? '';
      line(out, m.names[0] as string, qid, s, `'${s}'`, false);
      return;
    }
    case 'long': {
      const v = values[m.at] as number;
      line(out, m.names[0] as string, qid, z ? v : Math.trunc(v), z ? cFixed(v, 6, 4, posNaN[m.at] === 1) : cLong(v), z);
      return;
    }
    default:
      m.names.forEach((name, k) => {
        const v = values[m.at + k] as number;
        line(out, name, qid, v, cFixed(v, 6, 4, posNaN[m.at + k] === 1), z);
      });
  }
}

function printFinal(out: OutputLine[], m: InitMeasure, accum: Float64Array, posNaN: Uint8Array, runId: string, z: boolean): void {
  const from = out.length;
  printFinalLines(out, m, accum, posNaN, runId, z);
  for (let i = from; i < out.length; i++) (out[i] as OutputLine).summary = true;
}

function printFinalLines(out: OutputLine[], m: InitMeasure, accum: Float64Array, posNaN: Uint8Array, runId: string, z: boolean): void {
  switch (m.def.final) {
    case 'empty':
      return;
    case 'runid':
      line(out, 'runid', 'all', runId, runId, false);
      return;
    case 'long': {
      const v = accum[m.at] as number;
      line(out, m.names[0] as string, 'all', z ? v : Math.trunc(v), z ? cFixed(v, 6, 4, posNaN[m.at] === 1) : cLong(v), z);
      return;
    }
    default:
      m.names.forEach((name, k) => {
        const v = accum[m.at + k] as number;
        line(out, name, 'all', v, cFixed(v, 6, 4, posNaN[m.at + k] === 1), z);
      });
  }
}

/** trec_eval's text: `%-22s\t%s\t%s` per line (`Z` before Z-scores), as latin1 bytes. */
export function formatLines(lines: OutputLine[]): string {
  let s = '';
  for (const l of lines) s += `${l.z ? 'Z' : ''}${l.name.padEnd(22)}\t${l.qid}\t${l.text}\n`;
  return s;
}
