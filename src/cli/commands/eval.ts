import type { Command } from 'commander';
import { DataError } from '../../data/data-error.js';
import { readJudgments } from '../../data/qrels.js';
import { readRun } from '../../data/runs.js';
import { displayText } from '../../data/trec-fields.js';
import { atol, readsWhole } from '../../eval/c-numbers.js';
import { MeasureCalcError } from '../../eval/measures/measure-record.js';
import { PrefsError, readPrefs } from '../../eval/prefs.js';
import { readQrelsJg, readZScores } from '../../eval/rel-files.js';
import type { TrecEvalVersion } from '../../eval/res-rels.js';
import { formatLines, initMeasures, parseMeasureArgs, type RelInfo, TrecEvalError, trecEval } from '../../eval/trec-eval.js';
import { CliExit } from '../cli-exit.js';
import { EXIT } from '../exit-codes.js';

interface EvalOptions {
  measure?: string[];
  q?: boolean;
  c?: boolean;
  l?: string;
  M?: string;
  N?: string;
  n?: boolean;
  J?: boolean;
  R?: string;
  T?: string;
  Z?: string;
  o?: boolean;
  json?: boolean;
  trecEvalVersion?: string;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

function invalid(message: string): never {
  process.stderr.write(`qexp eval: ${message}\n`);
  throw new CliExit(EXIT.invalid);
}

/** trec_eval reads -l, -M and -N with atol; text it would ignore is refused here. */
function long(flag: string, v: string | undefined, fallback: number, min = Number.NEGATIVE_INFINITY): number {
  if (v === undefined) return fallback;
  if (!readsWhole(v, 'long')) invalid(`${flag} needs an integer, got '${v}'`);
  const n = atol(v);
  if (n < min) invalid(`${flag} needs an integer ≥ ${min}, got '${v}'`);
  return n;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description(
      'evaluate a TREC run against judgments exactly as trec_eval 9.0.x does (10.0 with --trec-eval-version 10), in its output format',
    )
    .argument('<qrels>', 'judgments: qid iter docid grade (-R selects other formats)')
    .argument('<run>', "TREC run: qid Q0 docid rank score tag (more columns are ignored; '-' reads stdin with version 10)")
    .option(
      '-m, --measure <name>',
      'measure or set, trec_eval style: map, P.10, ndcg_cut.5,10, ndcg.1=0,2=1, official, all_trec (repeatable; -mmap works)',
      collect,
    )
    .option('-q', 'also print the value of every query')
    .option('-c', 'average over every judged query; a query missing from the run scores 0')
    .option('-l <level>', 'smallest grade that counts as relevant for binary measures (default 1)')
    .option('-M <max>', 'evaluate only the first MAX documents of each ranking')
    .option('-N <num>', 'documents in the collection (for utility)')
    .option('-n', 'no summary lines')
    .option('-J', 'remove unjudged documents before measuring')
    .option('-R <format>', 'judgment format: qrels (default), prefs, qrels_prefs, qrels_jg')
    .option('-T <format>', 'run format: trec_results (the only one)')
    .option('-Z <file>', 'print Z-scores against the means and standard deviations in FILE (qid measure mean stddev)')
    .option('-o', 'accepted and ignored, as trec_eval does')
    .option(
      '--trec-eval-version <version>',
      '9 (default: 9.0.x, run scores compared as C floats) or 10 (10.0: doubles, comment lines, -q -c lines for missing queries)',
    )
    .option('--json', 'machine-readable output')
    .action(async (qrelsPath: string, runPath: string, opts: EvalOptions) => {
      const versionText = opts.trecEvalVersion ?? '9';
      if (versionText !== '9' && versionText !== '10') invalid(`--trec-eval-version is 9 or 10, got '${versionText}'`);
      const version = Number(versionText) as TrecEvalVersion;
      if (opts.T !== undefined && opts.T !== 'trec_results') invalid(`-T: the only run format is trec_results, got '${opts.T}'`);
      const format = opts.R ?? 'qrels';
      if (!['qrels', 'prefs', 'qrels_prefs', 'qrels_jg'].includes(format))
        invalid(`-R is qrels, prefs, qrels_prefs or qrels_jg, got '${format}'`);
      const params = {
        relLevel: long('-l', opts.l, 1),
        maxDocs: long('-M', opts.M, 2147483647, 1),
        numDocsInColl: long('-N', opts.N, 0),
        judgedOnly: opts.J === true,
        version,
        perQuery: opts.q === true,
        complete: opts.c === true,
        summary: opts.n !== true,
      };
      try {
        const warnings: string[] = [];
        const { measures, size } = initMeasures(parseMeasureArgs(opts.measure ?? [], version), version, warnings);
        for (const w of warnings) process.stderr.write(`qexp eval: warning: ${w}\n`);
        const warn = (m: string) => process.stderr.write(`${m}\n`);
        const comments = version === 10;
        const [rel, run, zscores] = await Promise.all([
          (async (): Promise<RelInfo> => {
            if (format === 'qrels') return { format: 'qrels', file: await readJudgments(qrelsPath, { comments, warn }) };
            if (format === 'qrels_jg') return { format: 'qrels_jg', file: await readQrelsJg(qrelsPath, version) };
            return { format: 'prefs', file: await readPrefs(qrelsPath, format as 'prefs' | 'qrels_prefs', version) };
          })(),
          readRun(version === 10 && runPath === '-' ? '/dev/stdin' : runPath, { comments }),
          opts.Z === undefined ? undefined : readZScores(opts.Z),
        ]);
        const lines = trecEval(rel, run, measures, size, params, zscores);
        if (opts.json) {
          const all: Record<string, number | string> = {};
          const perQuery: Record<string, Record<string, number | string>> = {};
          for (const l of lines) {
            const value = typeof l.value === 'string' ? displayText(l.value) : l.value;
            if (l.summary) all[l.name] = value;
            else ((perQuery[displayText(l.qid)] ??= {}) as Record<string, number | string>)[l.name] = value;
          }
          const out = { run: displayText(run.tag), all, per_query: params.perQuery ? perQuery : undefined };
          process.stdout.write(`${JSON.stringify(out, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2)}\n`);
        } else process.stdout.write(Buffer.from(formatLines(lines), 'latin1'));
      } catch (err) {
        if (err instanceof DataError) {
          process.stderr.write(`${err.message}\n`);
          throw new CliExit(EXIT.invalid);
        }
        if (err instanceof TrecEvalError || err instanceof PrefsError || err instanceof MeasureCalcError) invalid(err.message);
        throw err;
      }
    });
}
