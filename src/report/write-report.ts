import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Experiment } from '../config/types.js';
import type { Dag } from '../dag/build-dag.js';
import type { Store } from '../store/store.js';
import { collectReport, reportDecl } from './collect.js';
import type { Baseline } from './gates.js';
import type { ReportData } from './report-data.js';
import { buildTable, type Table } from './table.js';

export type ReportFormat = 'md' | 'csv' | 'latex' | 'json' | 'html';
export const REPORT_FORMATS: readonly ReportFormat[] = ['md', 'csv', 'latex', 'json', 'html'];
const EXTENSION: Record<ReportFormat, string> = { md: 'md', csv: 'csv', latex: 'tex', json: 'json', html: 'html' };

/**
 * Renders one format of a table built once (its significance tests are the costly part); the HTML
 * renderer, with its plotting library, is loaded only when asked for.
 */
export async function render(data: ReportData, format: ReportFormat, table: Table = buildTable(data)): Promise<string> {
  if (format === 'html') return (await import('./render-html.js')).renderHtml(data, table);
  const text = await import('./render-text.js');
  const f = { md: text.renderMarkdown, csv: text.renderCsv, latex: text.renderLatex, json: text.renderJson }[format];
  return f(data, table);
}

/** Where the report files go: `report.out`, or reports/NAME beside the store (results/reports/NAME by default). */
export function reportDir(exp: Experiment, storeDir: string): string {
  const out = reportDecl(exp.doc).out;
  return out ? resolve(exp.map.fileOf('/report/out'), '..', out) : resolve(storeDir, 'reports', exp.doc.name);
}

/** Writes the declared formats into the report folder; returns the files written. */
export async function writeReport(exp: Experiment, data: ReportData, table: Table, storeDir: string): Promise<string[]> {
  const dir = reportDir(exp, storeDir);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const f of reportDecl(exp.doc).formats) {
    const path = join(dir, `report.${EXTENSION[f]}`);
    writeFileSync(path, await render(data, f, table));
    files.push(path);
  }
  return files;
}

/**
 * The report of the DAG a run just executed (its fingerprints are the results just stored): the
 * Markdown table and the declared files written; undefined when there is no row to show.
 */
export async function writeRunReport(dag: Dag, store: Store): Promise<{ markdown: string; files: string[] } | undefined> {
  const data = await collectReport(dag, store);
  if (!data.rows.length) return undefined;
  const table = buildTable(data);
  const markdown = await render(data, 'md', table);
  return { markdown, files: await writeReport(dag.experiment, data, table, store.dir) };
}

/** Writes a rendered report to a file of the user's choosing (`qexp report --out`). */
export function writeReportFile(path: string, text: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, text);
}

/** The baseline file: the flag, else `gates.baseline` (relative to its file), else results/baselines/NAME.json. */
export function baselinePath(exp: Experiment, flag: string | undefined): string {
  if (flag) return resolve(flag);
  const gates = exp.doc.gates as { baseline?: string } | undefined;
  if (gates?.baseline) return resolve(exp.map.fileOf('/gates/baseline'), '..', gates.baseline);
  return resolve('results/baselines', `${exp.doc.name}.json`);
}

/** How many values a baseline holds (runs × datasets × measures). */
export function baselineSize(b: Baseline): number {
  return Object.values(b.values).reduce((a, d) => a + Object.values(d).reduce((x, m) => x + Object.keys(m).length, 0), 0);
}

export function writeBaseline(path: string, b: Baseline): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(b, null, 2)}\n`);
}
