import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { buildDag } from '../../dag/build-dag.js';
import { collectExpTable, type ExpRow, type ExpTable } from '../../report/exp-table.js';
import {
  chooseColumns,
  diffRows,
  renderCsv,
  renderDiff,
  renderJson,
  renderMarkdown,
  renderText,
  sortRows,
} from '../../report/exp-table-render.js';
import { CliExit, loadOrExit, openStoreForReadingOrExit, storePathFor } from '../common.js';
import { withConfigErrors } from '../config-errors.js';
import { EXIT } from '../exit-codes.js';

interface TableOptions {
  store?: string;
  wait?: number;
  json?: boolean;
  md?: boolean;
  csv?: boolean;
}

interface ShowOptions extends TableOptions {
  onlyParams?: boolean;
  onlyMetrics?: boolean;
  param?: string[];
  metric?: string[];
  allParams?: boolean;
  sortBy?: string;
  sortOrder?: 'asc' | 'desc';
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The table of the experiment in FILE (its variants first), or of every experiment in the store. */
async function tableFor(file: string | undefined, opts: TableOptions): Promise<ExpTable> {
  const json = Boolean(opts.json);
  const exp = file ? loadOrExit(file, json) : undefined;
  const path = storePathFor(exp, opts.store);
  if (!existsSync(path)) {
    process.stderr.write(
      `qexp: no store at ${path}: ${file ? `run the experiment first (qexp run ${file})` : 'pass --store PATH or FILE'}\n`,
    );
    throw new CliExit(EXIT.invalid);
  }
  const store = await openStoreForReadingOrExit(path, opts.wait);
  try {
    const dag = exp ? await withConfigErrors(() => buildDag(exp, store), json) : undefined;
    return await collectExpTable(store, dag);
  } finally {
    store.close();
  }
}

const storeOptions = (cmd: Command) =>
  cmd
    .option('--store <path>', "DuckDB store (default: the experiment's store: or results/qexp.duckdb)")
    .option('--wait <seconds>', 'wait this long for a store another process holds without publishing a snapshot', Number);

export function registerExp(program: Command): void {
  const exp = program.command('exp').description('the experiment table: variants and earlier runs with their parameters and metrics');
  storeOptions(
    exp
      .command('show')
      .description('every variant (and the results of earlier runs) with its parameters and metrics, as dvc exp show')
      .argument('[file]', 'experiment YAML file (default: every experiment in the store)')
      .option('--md', 'Markdown table')
      .option('--csv', 'CSV')
      .option('--json', 'JSON')
      .option('--only-params', 'no metric columns')
      .option('--only-metrics', 'no parameter columns')
      .option('--param <pattern>', 'only these parameters, shown even when constant (repeatable; * matches anything)', collect)
      .option('--metric <pattern>', 'only these metrics: STAGE:MEASURE, a measure or a stage (repeatable; * matches anything)', collect)
      .option('--all-params', 'also the parameters that have the same value in every row')
      .option('--sort-by <column>', 'sort the rows by a metric or parameter column')
      .option('--sort-order <order>', 'asc | desc', 'asc'),
  ).action(async (file: string | undefined, opts: ShowOptions) => {
    if (opts.sortOrder !== 'asc' && opts.sortOrder !== 'desc') {
      process.stderr.write(`qexp: --sort-order ${opts.sortOrder}: use asc or desc\n`);
      throw new CliExit(EXIT.invalid);
    }
    const table = await tableFor(file, opts);
    if (opts.sortBy) {
      const known = table.rows.some((r) => (opts.sortBy as string) in r.metrics || (opts.sortBy as string) in r.params);
      if (!known && opts.sortBy !== 'id' && opts.sortBy !== 'run') {
        process.stderr.write(`qexp: --sort-by ${opts.sortBy}: no such metric or parameter column\n`);
        throw new CliExit(EXIT.invalid);
      }
      table.rows = sortRows(table.rows, opts.sortBy, opts.sortOrder);
    }
    const cols = chooseColumns(table.rows, {
      onlyParams: opts.onlyParams,
      onlyMetrics: opts.onlyMetrics,
      params: opts.param,
      metrics: opts.metric,
      allParams: opts.allParams,
    });
    if (table.rows.length === 0 && !opts.json) {
      process.stderr.write('qexp: nothing recorded yet: run an experiment first\n');
      return;
    }
    const render = opts.json ? renderJson : opts.csv ? renderCsv : opts.md ? renderMarkdown : renderText;
    process.stdout.write(render(table, cols));
  });
}

/** A row by its id; an id that names none, or several, is an error that lists the choices. */
function pick(table: ExpTable, id: string): ExpRow {
  const found = table.rows.filter((r) => r.id === id || `${r.experiment}/${r.id}` === id);
  if (found.length === 1) return found[0] as ExpRow;
  const several = new Set(table.rows.map((r) => r.experiment)).size > 1;
  const choices = table.rows.map((r) => (several ? `${r.experiment}/${r.id}` : r.id));
  const runs = table.rows.filter((r) => r.run === id || r.id.startsWith(`${id}#`)).map((r) => r.id);
  process.stderr.write(
    found.length > 1
      ? `qexp diff: ${id} names rows of several experiments: give one of ${found.map((r) => `${r.experiment}/${r.id}`).join(', ')}\n`
      : runs.length > 1
        ? `qexp diff: run ${id} computed several variants: give one of ${runs.join(', ')}\n`
        : `qexp diff: no variant or run ${id}; the table has: ${choices.join(', ') || 'nothing yet'}\n`,
  );
  throw new CliExit(EXIT.invalid);
}

export function registerDiff(program: Command): void {
  storeOptions(
    program
      .command('diff')
      .description('the parameters and metrics that differ between two variants or runs (names as qexp exp show prints them)')
      .argument('<a>', 'a variant name, or a run id (RUN#k when that run computed several variants)')
      .argument('<b>', 'the other')
      .argument('[file]', 'experiment YAML file (default: every experiment in the store)')
      .option('--md', 'Markdown table')
      .option('--json', 'JSON'),
  ).action(async (a: string, b: string, file: string | undefined, opts: TableOptions) => {
    const table = await tableFor(file, opts);
    const ra = pick(table, a);
    const rb = pick(table, b);
    const d = diffRows(ra, rb);
    if (opts.json) {
      const j = {
        a: ra.id,
        b: rb.id,
        params: d.params.map((p) => ({ key: p.key, a: p.a ?? null, b: p.b ?? null })),
        metrics: d.metrics.map((m) => ({ key: m.key, a: m.a ?? null, b: m.b ?? null, change: m.change ?? null })),
      };
      process.stdout.write(`${JSON.stringify(j, null, 2)}\n`);
    } else process.stdout.write(renderDiff(ra, rb, d, opts.md ? 'md' : 'text'));
  });
}
