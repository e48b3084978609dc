import type { EvalResult } from './evaluate-run.js';
import { formatFixed } from './format-fixed.js';
import { TREC_MEASURES } from './measure-spec.js';

const summaryOnly = new Set(TREC_MEASURES.filter((m) => m.summaryOnly).map((m) => m.name));

function line(label: string, qid: string, value: number | string, kind: string): string {
  const v = kind === 'string' ? String(value) : kind === 'long' ? String(Math.trunc(Number(value))) : formatFixed(Number(value), 4);
  return `${label.padEnd(22)}\t${qid}\t${v}\n`;
}

/** trec_eval's text output: `measure<pad>\tqid|all\tvalue`, per query with `perQuery`, then the summary. */
export function formatTrecEval(r: EvalResult, perQuery: boolean): string {
  let out = '';
  if (perQuery) {
    r.qids.forEach((qid, i) => {
      r.specs.forEach((s, j) => {
        if (!summaryOnly.has(s.measure)) out += line(s.label, qid, r.perQuery[i]?.[j] as number, s.kind);
      });
    });
  }
  r.specs.forEach((s, j) => {
    out += line(s.label, 'all', r.all[j] as number | string, s.kind);
  });
  return out;
}
