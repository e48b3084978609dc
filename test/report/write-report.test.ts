import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadExperiment } from '../../src/dag/load-experiment.js';
import { baselineFrom } from '../../src/report/gates.js';
import type { ReportData } from '../../src/report/report-data.js';
import { buildTable } from '../../src/report/table.js';
import { baselinePath, baselineSize, render, reportDir, writeBaseline, writeReport } from '../../src/report/write-report.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

const yaml = (extra: string) => `name: wr
stages:
  s: {kind: shell, command: "true", outs: {x: null}}
${extra}`;

/** Two rows over three queries of one dataset. */
function data(): ReportData {
  const cell = (values: number[]) => ({
    mean: values.reduce((a, b) => a + b, 0) / values.length,
    perQuery: new Map(values.map((v, i) => [`q${i}`, v])),
  });
  const row = (name: string, values: number[]) => ({
    name,
    label: name,
    variants: ['default'],
    settings: {},
    cells: new Map([['toy', new Map([['nDCG@10', cell(values)]])]]),
    cost: null,
  });
  return {
    experiment: 'wr',
    title: 'Write report',
    datasets: ['toy'],
    measures: ['nDCG@10'],
    rows: [row('BM25', [0.25, 0.5, 0.125]), row('Student', [0.5, 0.75, 0.25])],
    baseline: 'BM25',
    teacher: null,
    student: null,
    test: 't-test',
    alpha: 0.05,
    seed: 1,
    axis: null,
    measureCurves: [],
    pairCurves: [],
    training: [],
    missing: [],
  };
}

describe('report files', () => {
  it('writes each declared format to report.out, relative to the file that declares it', async () => {
    const exp = loadExperiment(ws.write('sub/exp.yaml', yaml('report: {formats: [md, csv, latex], out: ../out/rep}')));
    expect(reportDir(exp, ws.path('results'))).toBe(ws.path('out/rep'));
    const d = data();
    const table = buildTable(d);
    const files = await writeReport(exp, d, table, ws.path('results'));
    expect(files).toEqual(['report.md', 'report.csv', 'report.tex'].map((f) => join(ws.path('out/rep'), f)));
    expect(readFileSync(files[0] as string, 'utf8')).toBe(await render(d, 'md', table));
    expect(readFileSync(files[1] as string, 'utf8')).toBe(await render(d, 'csv'));
    expect(readFileSync(files[1] as string, 'utf8').split('\n')[0]).toMatch(/^run,toy:nDCG@10/);
    expect(readFileSync(files[2] as string, 'utf8')).toMatch(/\\toprule/);
  });

  it('without report.out, the files go to reports/NAME beside the store; the formats default to md and html', async () => {
    const exp = loadExperiment(ws.write('plain.yaml', yaml('report: {title: plain}')));
    const store = ws.path('elsewhere');
    const files = await writeReport(exp, data(), buildTable(data()), store);
    expect(files).toEqual([join(store, 'reports/wr/report.md'), join(store, 'reports/wr/report.html')]);
    expect(readFileSync(files[1] as string, 'utf8')).toMatch(/^<!doctype html>/i);
  });

  it('the baseline file: the flag, else gates.baseline beside its file, else results/baselines/NAME.json; written with its values', () => {
    const gated = loadExperiment(
      ws.write('g/exp.yaml', yaml('gates:\n  baseline: base/wr.json\n  checks: [{run: BM25, measure: nDCG@10, min: 0.1}]')),
    );
    expect(baselinePath(gated, 'mine.json')).toBe(resolve('mine.json'));
    expect(baselinePath(gated, undefined)).toBe(ws.path('g/base/wr.json'));
    expect(baselinePath(loadExperiment(ws.path('plain.yaml')), undefined)).toBe(resolve('results/baselines/wr.json'));
    const b = baselineFrom(data());
    expect(baselineSize(b)).toBe(2);
    writeBaseline(ws.path('g/base/wr.json'), b);
    expect(JSON.parse(readFileSync(ws.path('g/base/wr.json'), 'utf8')).values).toEqual({
      BM25: { toy: { 'nDCG@10': 0.875 / 3 } },
      Student: { toy: { 'nDCG@10': 0.5 } },
    });
  });
});
