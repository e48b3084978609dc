import type { Command } from 'commander';
import { DataError } from '../../data/data-error.js';
import { readQrels } from '../../data/qrels.js';
import { readRun } from '../../data/runs.js';
import { evaluateRun } from '../../eval/evaluate-run.js';
import { MeasureError, parseTrecMeasures } from '../../eval/measure-spec.js';
import { formatTrecEval } from '../../eval/trec-format.js';
import { CliExit } from '../cli-exit.js';
import { EXIT } from '../exit-codes.js';

interface EvalOptions {
  measure?: string[];
  q?: boolean;
  c?: boolean;
  l?: string;
  M?: string;
  json?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function integer(flag: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v) || Number(v) < min) {
    process.stderr.write(`qexp eval: ${flag} needs an integer ≥ ${min}, got '${v}'\n`);
    throw new CliExit(EXIT.invalid);
  }
  return Number(v);
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description("evaluate a TREC run against qrels with trec_eval 9.0.x's semantics and output format")
    .argument('<qrels>', 'judgments: qid iter docid grade')
    .argument('<run>', 'TREC run: qid Q0 docid rank score tag')
    .option('-m, --measure <name>', 'measure, trec_eval style: map, P.10, ndcg_cut.5,10, official (repeatable; -mmap works)', collect)
    .option('-q', 'also print the value of every query')
    .option('-c', 'average over every judged query; a query missing from the run scores 0')
    .option('-l <level>', 'minimum grade that counts as relevant for binary measures (default 1)')
    .option('-M <max>', 'evaluate only the first MAX documents of each ranking')
    .option('--json', 'machine-readable output')
    .action(async (qrelsPath: string, runPath: string, opts: EvalOptions) => {
      const level = integer('-l', opts.l, 0) ?? 1;
      const maxDocs = integer('-M', opts.M, 1);
      try {
        const specs = parseTrecMeasures(opts.measure ?? [], level);
        const [qrels, run] = await Promise.all([readQrels(qrelsPath), readRun(runPath)]);
        const result = evaluateRun(qrels, run, specs, { complete: opts.c, maxDocs });
        if (result.qids.length === 0) {
          process.stderr.write('qexp eval: no query has both judgments and results; check that the qids of the run and the qrels match\n');
          throw new CliExit(EXIT.invalid);
        }
        if (opts.json) {
          const values = (row: (number | string)[]) => Object.fromEntries(specs.map((s, j) => [s.label, row[j]]));
          const out = {
            run: run.tag,
            all: values(result.all),
            per_query: opts.q ? Object.fromEntries(result.qids.map((q, i) => [q, values(result.perQuery[i] ?? [])])) : undefined,
          };
          process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
        } else process.stdout.write(formatTrecEval(result, Boolean(opts.q)));
      } catch (err) {
        if (err instanceof DataError || err instanceof MeasureError) {
          process.stderr.write(`${err instanceof MeasureError ? 'qexp eval: ' : ''}${err.message}\n`);
          throw new CliExit(EXIT.invalid);
        }
        throw err;
      }
    });
}
