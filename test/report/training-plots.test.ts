import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { renderHtml } from '../../src/report/render-html.js';
import type { ReportData } from '../../src/report/report-data.js';
import { buildTable } from '../../src/report/table.js';

// The shape of a short real run (the GPU smoke test): loss logged at every step, eval_loss once at the end.
const data: ReportData = {
  experiment: 'smoke',
  title: 'smoke',
  datasets: [],
  measures: [],
  rows: [],
  baseline: null,
  teacher: null,
  student: null,
  test: 't-test',
  alpha: 0.05,
  seed: 1,
  axis: null,
  measureCurves: [],
  pairCurves: [],
  training: [
    { stage: 'sft', name: 'loss', points: Array.from({ length: 8 }, (_, i) => ({ x: i + 1, y: 8.2 - i / 100 })) },
    { stage: 'sft', name: 'eval_loss', points: [{ x: 8, y: 8.224 }] },
  ],
  missing: [],
};

describe('training curves in the HTML report', () => {
  it('draws a value logged once (eval_loss at the end of a short run) as a dot: a line of one point is invisible', () => {
    const { document } = parseHTML(renderHtml(data, buildTable(data)));
    const figure = [...document.querySelectorAll('svg')].find((svg) => svg.querySelector('path'));
    expect(figure, 'a figure with the loss line').toBeDefined();
    const dots = [...(figure?.querySelectorAll('circle') ?? [])];
    // 8 loss points and the one eval_loss point
    expect(dots).toHaveLength(9);
    // in two colours, one per series
    expect(new Set(dots.map((c) => c.getAttribute('fill'))).size).toBe(2);
  });
});
