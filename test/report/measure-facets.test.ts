import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/render-html.js';
import type { ReportData, ReportRow, Series } from '../../src/report/report-data.js';
import { buildTable } from '../../src/report/table.js';

const K1 = 'retrieval.bm25.k1';
const AXIS = 'pairs.min_delta';
const row = (name: string, settings: Record<string, unknown>): ReportRow => ({
  name,
  label: name,
  variants: [],
  settings,
  cells: new Map(),
  cost: null,
});
const curve = (of: string, k1: number | null, ys: number[]): Series => ({
  name: k1 === null ? of : `${of} [${K1}=${k1}]`,
  of,
  settings: k1 === null ? {} : { [K1]: k1 },
  flat: k1 === null,
  dataset: 'toy',
  measure: 'nDCG@10',
  points: [0.05, 0.2, 0.35].map((x, i) => ({ x, y: ys[i] as number })),
});

// Two rows vary along min_delta and k1 (the student and a second student), BM25 along neither:
// the shape collect.ts gives a min_delta × k1 ablation with two trained rows.
const data: ReportData = {
  experiment: 'facets',
  title: 'facets',
  datasets: ['toy'],
  measures: ['nDCG@10'],
  rows: [row('BM25', {}), row('SFT', { [AXIS]: 0.05, [K1]: 0.9 }), row('DPO', { [AXIS]: 0.05, [K1]: 0.9 })],
  baseline: null,
  teacher: null,
  student: null,
  test: 't-test',
  alpha: 0.05,
  seed: 1,
  axis: AXIS,
  measureCurves: [
    curve('BM25', null, [0.8, 0.8, 0.8]),
    curve('SFT', 0.9, [0.83, 0.82, 0.81]),
    curve('SFT', 1.5, [0.84, 0.83, 0.8]),
    curve('DPO', 0.9, [0.85, 0.84, 0.82]),
    curve('DPO', 1.5, [0.86, 0.82, 0.81]),
  ],
  pairCurves: [],
  training: [],
  missing: [],
};

describe('measure curves when several rows vary along the axis and another', () => {
  it('draws the other axis as facets, a line per row in each, the reference in every facet, nothing dropped', () => {
    const { document } = parseHTML(renderHtml(data, buildTable(data)));
    const figure = [...document.querySelectorAll('figure')].find((f) =>
      f.querySelector('figcaption')?.textContent?.startsWith('nDCG@10 on toy against pairs.min_delta'),
    );
    expect(figure?.querySelector('figcaption')?.textContent).toBe(
      'nDCG@10 on toy against pairs.min_delta, by 2 settings of the other axes',
    );
    const svg = figure?.querySelector('svg[class]');
    const facets = [...(svg?.querySelectorAll('g[aria-label="fx-axis tick label"] text') ?? [])].map((t) => t.textContent);
    expect(facets).toEqual(['k1=0.9', 'k1=1.5']);
    // colour: the row; BM25 dashed in both facets
    const legend = [...(figure?.querySelectorAll('[class$="-swatch"]') ?? [])].map((s) => s.textContent?.trim());
    expect(legend).toEqual(['BM25', 'SFT', 'DPO']);
    const paths = [...(svg?.querySelectorAll('g[aria-label="line"] path') ?? [])];
    const dashed = paths.filter((p) => p.closest('[stroke-dasharray]'));
    expect(paths).toHaveLength(6);
    expect(dashed).toHaveLength(2);
  });
});
