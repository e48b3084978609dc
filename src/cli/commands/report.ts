import { existsSync } from 'node:fs';
import { relative } from 'node:path';
import type { Command } from 'commander';
import type { Experiment } from '../../config/types.js';
import { buildDag } from '../../dag/build-dag.js';
import { collectReport } from '../../report/collect.js';
import { baselineFrom, checkGates, type GateDecl, GateError, gateSummary, readBaseline } from '../../report/gates.js';
import type { ReportData } from '../../report/report-data.js';
import {
  baselinePath,
  baselineSize,
  REPORT_FORMATS,
  type ReportFormat,
  render,
  writeBaseline,
  writeReportFile,
} from '../../report/write-report.js';
import type { Store } from '../../store/store.js';
import { loadOrExit, openStoreForReadingOrExit, storePathFor } from '../common.js';
import { withConfigErrors } from '../config-errors.js';
import { EXIT } from '../exit-codes.js';

/** The report of an experiment as it stands in the store. */
async function reportData(exp: Experiment, store: Store): Promise<ReportData> {
  const dag = await withConfigErrors(() => buildDag(exp, store), false);
  return collectReport(dag, store);
}

const shown = (p: string) => relative(process.cwd(), p) || p;

async function withStore<T>(
  file: string,
  opts: { store?: string; wait?: number },
  f: (exp: Experiment, store: Store) => Promise<T>,
): Promise<T> {
  const exp = loadOrExit(file, false);
  const storePath = storePathFor(exp, opts.store);
  if (!existsSync(storePath)) {
    process.stderr.write(`qexp: no store at ${storePath}: run the experiment first (qexp run ${file})\n`);
    process.exit(EXIT.invalid);
  }
  const store = await openStoreForReadingOrExit(storePath, opts.wait);
  try {
    return await f(exp, store);
  } finally {
    store.close();
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('ablation tables (with significance, % of teacher, cost) and plots from the stored results')
    .argument('<file>', 'experiment YAML file')
    .option('--format <format>', `${REPORT_FORMATS.join(' | ')} (default md)`, 'md')
    .option('--out <path>', 'write to this file instead of standard output')
    .option('--store <path>', "DuckDB store (default: the experiment's store: or results/qexp.duckdb)")
    .option('--wait <seconds>', 'wait this long for a store another process holds without publishing a snapshot', Number)
    .action(async (file: string, opts: { format: string; out?: string; store?: string; wait?: number }) => {
      if (!REPORT_FORMATS.includes(opts.format as ReportFormat)) {
        process.stderr.write(`qexp: --format ${opts.format}: use one of ${REPORT_FORMATS.join(', ')}\n`);
        process.exitCode = EXIT.invalid;
        return;
      }
      await withStore(file, opts, async (exp, store) => {
        const data = await reportData(exp, store);
        if (data.rows.length === 0) {
          process.stderr.write(`qexp: ${file} has no evaluate stage and no report.rows: nothing to report\n`);
          process.exitCode = EXIT.invalid;
          return;
        }
        const text = await render(data, opts.format as ReportFormat);
        if (opts.out) {
          writeReportFile(opts.out, text);
          process.stderr.write(`wrote ${opts.out}\n`);
        } else process.stdout.write(text);
      });
    });
}

export function registerGate(program: Command): void {
  program
    .command('gate')
    .description('check the gates: exit 0 pass, 1 regression, 2 error; prints a Markdown summary')
    .argument('<file>', 'experiment YAML file')
    .option('--baseline <path>', 'baseline file (default: gates.baseline, or results/baselines/NAME.json)')
    .option('--json', 'print the results as JSON')
    .option('--store <path>', "DuckDB store (default: the experiment's store: or results/qexp.duckdb)")
    .option('--wait <seconds>', 'wait this long for a store another process holds without publishing a snapshot', Number)
    .action(async (file: string, opts: { baseline?: string; json?: boolean; store?: string; wait?: number }) => {
      process.exitCode = await withStore(file, opts, async (exp, store) => {
        const gates = exp.doc.gates as { checks?: GateDecl[] } | undefined;
        if (!gates?.checks?.length) {
          process.stderr.write(`qexp: ${file} declares no gates (gates.checks)\n`);
          return EXIT.invalid;
        }
        const path = baselinePath(exp, opts.baseline);
        try {
          const needsBaseline = gates.checks.some((g) => g.max_drop !== undefined);
          const baseline = needsBaseline || existsSync(path) ? readBaseline(path) : null;
          const results = checkGates(await reportData(exp, store), gates.checks, baseline, shown(path));
          if (opts.json) process.stdout.write(`${JSON.stringify({ baseline: path, results }, null, 2)}\n`);
          else process.stdout.write(gateSummary(results, baseline ? shown(path) : null));
          return results.every((r) => r.ok) ? EXIT.ok : EXIT.failure;
        } catch (err) {
          if (!(err instanceof GateError)) throw err;
          process.stderr.write(`qexp gate: ${err.message}\n`);
          return EXIT.invalid;
        }
      });
    });
}

export function registerBaseline(program: Command): void {
  const baseline = program.command('baseline').description('the expected values gates compare against');
  baseline
    .command('update')
    .description("write every value of the experiment's report to its baseline file (commit it)")
    .argument('<file>', 'experiment YAML file')
    .option('--baseline <path>', 'baseline file (default: gates.baseline, or results/baselines/NAME.json)')
    .option('--store <path>', "DuckDB store (default: the experiment's store: or results/qexp.duckdb)")
    .option('--wait <seconds>', 'wait this long for a store another process holds without publishing a snapshot', Number)
    .action(async (file: string, opts: { baseline?: string; store?: string; wait?: number }) => {
      await withStore(file, opts, async (exp, store) => {
        const data = await reportData(exp, store);
        const b = baselineFrom(data);
        const n = baselineSize(b);
        if (n === 0) {
          process.stderr.write(`qexp: no stored results for ${file}: run it first\n`);
          process.exitCode = EXIT.invalid;
          return;
        }
        const path = baselinePath(exp, opts.baseline);
        writeBaseline(path, b);
        process.stdout.write(`wrote ${n} values of ${Object.keys(b.values).length} runs to ${shown(path)}\n`);
      });
    });
}
