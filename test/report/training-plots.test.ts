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
    {
      stage: 'sft',
      label: 'sft',
      settings: {},
      name: 'loss',
      points: Array.from({ length: 8 }, (_, i) => ({ x: i + 1, y: 8.2 - i / 100 })),
    },
    { stage: 'sft', label: 'sft', settings: {}, name: 'eval_loss', points: [{ x: 8, y: 8.224 }] },
  ],
  missing: [],
};

describe('training curves in the HTML report', () => {
  it('draws a value logged once (eval_loss at the end of a short run) as a dot: a line of one point is invisible', () => {
    const { document } = parseHTML(renderHtml(data, buildTable(data)));
    const figure = [...document.querySelectorAll('svg')].find((svg) => svg.querySelector('path'));
    expect(figure, 'a figure with the loss line').toBeDefined();
    // the loss a line, the one eval_loss a dot, in another colour
    const lines = [...(figure?.querySelectorAll('g[aria-label="line"] path') ?? [])];
    const dots = [...(figure?.querySelectorAll('circle') ?? [])];
    expect(lines).toHaveLength(1);
    expect(dots).toHaveLength(1);
    const stroke = lines[0]?.getAttribute('stroke') ?? lines[0]?.parentElement?.getAttribute('stroke');
    expect(stroke).toBeTruthy();
    expect(dots[0]?.getAttribute('fill')).not.toBe(stroke);
    // a legend tells them apart
    const legend = [...document.querySelectorAll('[class$="-swatch"]')].map((s) => s.textContent?.trim());
    expect(legend).toEqual(['training', 'evaluation']);
  });
});
