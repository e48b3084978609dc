/**
 * Measures named the ir_measures way in YAML (`nDCG@10`, `AP(rel=2)@1000`, `RR(rel=2)@10`,
 * `Judged@10`, `NumRet(rel=2)`, aliases `MAP`, `MRR`, `NDCG`, `Precision`, `Recall`...), each
 * computed as ir_measures' default pipeline computes it: pytrec_eval (trec_eval 9.0.x) for most,
 * its MS MARCO provider for RR with a cutoff, its judged provider for Judged. Names and parameters
 * ir_measures has but qexp does not implement are refused.
 */

export type Provider = 'trec' | 'msmarco' | 'judged';

export interface MeasureSpec {
  /** ir_measures' canonical name (AP, nDCG, P, R, RR, Rprec, Bpref, infAP, IPrec, Judged, NumQ, NumRet, NumRel, SetP, SetR, SetF, SetAP, Success). */
  measure: string;
  /** `@` value: a rank cutoff (IPrec: a recall level). */
  cutoff?: number;
  /** Smallest grade that counts as relevant (`rel=`, default 1). */
  relLevel: number;
  judgedOnly: boolean;
  /** As written in YAML. */
  label: string;
  kind: 'float' | 'long';
  provider: Provider;
  /** Aggregated over queries by sum (NumQ, NumRet, NumRel) instead of mean. */
  sum: boolean;
  /** NumRet without rel: every retrieved document counts (trec_eval's num_ret). */
  countAll?: boolean;
  /** SetP(relative=True). */
  relative?: boolean;
  /** SetF's beta. */
  beta?: number;
  /** nDCG(gains={grade: gain}): grades relabelled before measuring, as ir_measures does for pytrec_eval. */
  gains?: Map<number, number>;
}

export class MeasureError extends Error {
  override name = 'MeasureError';
}

type Value = number | boolean | string | Map<number, number> | { float: number };

interface Param {
  type: 'int' | 'float' | 'bool' | 'str' | 'dict';
  required?: boolean;
  choices?: string[];
}

interface Def {
  params: Record<string, Param>;
  /** The parameter `@` sets. */
  at?: string;
  sum?: boolean;
  kind?: 'float' | 'long';
}

const cutoff: Param = { type: 'int' };
const rel: Param = { type: 'int' };
const judgedOnly: Param = { type: 'bool' };

/** ir_measures' measures that qexp computes, with their parameters (measures/*.py). */
const DEFS: Record<string, Def> = {
  AP: { params: { cutoff, rel, judged_only: judgedOnly }, at: 'cutoff' },
  nDCG: {
    params: { cutoff, dcg: { type: 'str', choices: ['log2', 'exp-log2'] }, gains: { type: 'dict' }, judged_only: judgedOnly },
    at: 'cutoff',
  },
  P: { params: { cutoff: { type: 'int', required: true }, rel, judged_only: judgedOnly }, at: 'cutoff' },
  R: { params: { cutoff: { type: 'int', required: true }, rel, judged_only: judgedOnly }, at: 'cutoff' },
  RR: { params: { cutoff, rel, judged_only: judgedOnly }, at: 'cutoff' },
  Rprec: { params: { rel, judged_only: judgedOnly } },
  Bpref: { params: { rel } },
  infAP: { params: { rel } },
  IPrec: { params: { recall: { type: 'float', required: true }, rel, judged_only: judgedOnly }, at: 'recall' },
  Judged: { params: { cutoff }, at: 'cutoff' },
  NumQ: { params: {}, sum: true, kind: 'long' },
  NumRet: { params: { rel }, sum: true, kind: 'long' },
  NumRel: { params: { rel }, sum: true, kind: 'long' },
  SetP: { params: { rel, relative: { type: 'bool' }, judged_only: judgedOnly } },
  SetR: { params: { rel } },
  SetF: { params: { rel, beta: { type: 'float' }, judged_only: judgedOnly } },
  SetAP: { params: { rel, judged_only: judgedOnly } },
  Success: { params: { cutoff: { type: 'int', required: true }, rel, judged_only: judgedOnly }, at: 'cutoff' },
};

/** ir_measures' registered aliases: name → measure and the parameters it fixes. */
const ALIASES: Record<string, { measure: string; fixed?: Record<string, Value> }> = {
  MAP: { measure: 'AP' },
  NDCG: { measure: 'nDCG' },
  Precision: { measure: 'P' },
  Recall: { measure: 'R' },
  MRR: { measure: 'RR' },
  RPrec: { measure: 'Rprec' },
  BPref: { measure: 'Bpref' },
  NumRelRet: { measure: 'NumRet', fixed: { rel: 1 } },
  SetRelP: { measure: 'SetP', fixed: { relative: true } },
};

/** ir_measures measures qexp does not compute (refused with this name, rather than 'unknown'). */
const NOT_IMPLEMENTED = [
  'Accuracy',
  'alpha_DCG',
  'alpha_nDCG',
  'AP_IA',
  'BPM',
  'Compat',
  'ERR',
  'ERR_IA',
  'INSQ',
  'INST',
  'MAP_IA',
  'nERR_IA',
  'NERR8',
  'NERR9',
  'NERR10',
  'NERR11',
  'nNRBP',
  'NRBP',
  'P_IA',
  'RBP',
  'SDCG',
  'StRecall',
];

const SYNTAX = 'write e.g. nDCG@10, AP(rel=2)@1000, RR(rel=2)@10, SetF(beta=0.5), nDCG(gains={0:0,1:1,2:3})@10';

/**
 * Parses a measure as ir_measures.parse_measure does — `Name`, `Name(param=value, ...)`,
 * `Name@at` — and checks its parameters as ir_measures does (types, required ones, choices).
 */
export function parseIrMeasure(text: string): MeasureSpec {
  const label = text.trim();
  const p = new Parser(label);
  const name = p.name();
  const params: Record<string, Value> = {};
  if (p.eat('(')) {
    if (!p.eat(')')) {
      do {
        const key = p.name();
        if (!p.eat('=')) throw new MeasureError(`cannot read measure '${label}': parameters are named (rel=2); ${SYNTAX}`);
        if (key in params) throw new MeasureError(`'${label}': parameter '${key}' is given twice`);
        params[key] = p.value();
      } while (p.eat(','));
      if (!p.eat(')')) throw new MeasureError(`cannot read measure '${label}': ${SYNTAX}`);
    }
  }
  let at: Value | undefined;
  if (p.eat('@')) at = p.value();
  if (!p.done()) throw new MeasureError(`cannot read measure '${label}': ${SYNTAX}`);

  const alias = ALIASES[name];
  const measure = alias?.measure ?? name;
  const def = DEFS[measure];
  if (!def) {
    if (NOT_IMPLEMENTED.includes(name))
      throw new MeasureError(`ir_measures' ${name} is not implemented in qexp; see docs/evaluation.md for the measures it computes`);
    throw new MeasureError(
      `unknown measure '${name}' in '${label}'; qexp computes ${[...Object.keys(DEFS), ...Object.keys(ALIASES)].join(', ')}`,
    );
  }
  if (at !== undefined) {
    if (!def.at) throw new MeasureError(`'${label}': ${measure} takes no @ value`);
    if (def.at in params) throw new MeasureError(`'${label}': ${def.at} is given twice`);
    params[def.at] = at;
  }
  for (const [k, v] of Object.entries(alias?.fixed ?? {})) params[k] = v;
  for (const [key, value] of Object.entries(params)) {
    const info = def.params[key];
    if (!info)
      throw new MeasureError(`'${label}': ${measure} has no parameter '${key}' (it has ${Object.keys(def.params).join(', ') || 'none'})`);
    if (!typeOk(value, info.type)) throw new MeasureError(`'${label}': ${key} must be ${article(info.type)}, got ${show(value)}`);
    if (info.choices && !info.choices.includes(value as string))
      throw new MeasureError(`'${label}': ${key} is one of ${info.choices.join(', ')}`);
  }
  for (const [key, info] of Object.entries(def.params))
    if (info.required && !(key in params))
      throw new MeasureError(`'${label}' needs ${key === 'cutoff' ? `a cutoff, e.g. ${name}@10` : `${key}, e.g. ${name}@0.5`}`);

  const num = (v: Value | undefined) =>
    v === undefined ? undefined : typeof v === 'object' && 'float' in v ? v.float : typeof v === 'boolean' ? Number(v) : (v as number);
  const spec: MeasureSpec = {
    measure,
    label,
    cutoff: num(params.cutoff ?? params.recall),
    relLevel: num(params.rel) ?? 1,
    judgedOnly: params.judged_only === true,
    kind: def.kind ?? 'float',
    provider: 'trec',
    sum: def.sum === true,
  };
  if (measure === 'SetP') spec.relative = params.relative === true;
  if (measure === 'SetF') spec.beta = num(params.beta) ?? 1.0;
  if (measure === 'nDCG' && params.gains !== undefined) spec.gains = params.gains as Map<number, number>;
  if (spec.cutoff !== undefined && def.at === 'cutoff' && spec.cutoff <= 0)
    throw new MeasureError(`'${label}': the cutoff must be positive`);

  // the provider ir_measures' default pipeline picks (pytrec_eval first, then msmarco, judged)
  if (measure === 'RR' && spec.cutoff !== undefined) {
    if (spec.judgedOnly) throw new MeasureError(`'${label}': no ir_measures provider computes RR with a cutoff and judged_only=True`);
    spec.provider = 'msmarco';
  }
  if (measure === 'Judged') spec.provider = 'judged';
  if (measure === 'nDCG' && params.dcg === 'exp-log2')
    throw new MeasureError(`'${label}': nDCG(dcg='exp-log2') is computed by ir_measures' gdeval provider, which qexp does not implement`);
  if (measure === 'NumRel' && spec.relLevel !== 1)
    throw new MeasureError(`'${label}': ir_measures computes NumRel only with rel=1 (pytrec_eval's num_rel ignores the level)`);
  if (measure === 'NumRet' && params.rel === undefined) spec.countAll = true;
  return spec;
}

function typeOk(v: Value, type: Param['type']): boolean {
  switch (type) {
    case 'int':
      return typeof v === 'number' || typeof v === 'boolean';
    case 'float':
      return typeof v === 'object' && 'float' in v;
    case 'bool':
      return typeof v === 'boolean';
    case 'str':
      return typeof v === 'string';
    case 'dict':
      return v instanceof Map;
  }
}

function article(type: Param['type']): string {
  return { int: 'an integer', float: 'a float (write 1.0, not 1)', bool: 'True or False', str: 'a string', dict: 'a dict {grade: gain}' }[
    type
  ];
}

function show(v: Value): string {
  if (typeof v === 'string') return `'${v}'`;
  if (v instanceof Map) return 'a dict';
  if (typeof v === 'object') return String(v.float);
  return typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v);
}

/** A small reader for the Python expressions ir_measures parses (names, numbers, booleans, strings, dicts). */
class Parser {
  private i = 0;
  constructor(private readonly s: string) {}
  private skip(): void {
    while (this.i < this.s.length && /\s/.test(this.s[this.i] as string)) this.i++;
  }
  eat(c: string): boolean {
    this.skip();
    if (this.s[this.i] === c) {
      this.i++;
      return true;
    }
    return false;
  }
  done(): boolean {
    this.skip();
    return this.i === this.s.length;
  }
  name(): string {
    this.skip();
    const m = /^[A-Za-z_]\w*/.exec(this.s.slice(this.i));
    if (!m) throw new MeasureError(`cannot read measure '${this.s}': ${SYNTAX}`);
    this.i += m[0].length;
    return m[0];
  }
  value(): Value {
    this.skip();
    const rest = this.s.slice(this.i);
    const num = /^[+-]?(?:\d+\.\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\d+)/.exec(rest);
    if (num) {
      this.i += num[0].length;
      return /[.eE]/.test(num[0]) ? { float: Number(num[0]) } : Number(num[0]);
    }
    const word = /^(True|False)\b/.exec(rest);
    if (word) {
      this.i += word[0].length;
      return word[0] === 'True';
    }
    const str = /^(?:'([^']*)'|"([^"]*)")/.exec(rest);
    if (str) {
      this.i += str[0].length;
      return str[1] ?? (str[2] as string);
    }
    if (this.eat('{')) {
      const dict = new Map<number, number>();
      if (!this.eat('}')) {
        do {
          const k = this.value();
          if (!this.eat(':')) throw new MeasureError(`cannot read the dict in '${this.s}': write {0: 0, 1: 1, 2: 3}`);
          const v = this.value();
          if (typeof k !== 'number' || typeof v !== 'number')
            throw new MeasureError(`'${this.s}': gains map integer grades to integer gains`);
          dict.set(k, v);
        } while (this.eat(','));
        if (!this.eat('}')) throw new MeasureError(`cannot read the dict in '${this.s}': write {0: 0, 1: 1, 2: 3}`);
      }
      return dict;
    }
    throw new MeasureError(`cannot read a value in '${this.s}': ${SYNTAX}`);
  }
}
