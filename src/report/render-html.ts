import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import type { ReportData } from './report-data.js';
import { columnGroups, perQueryDiffs, type Table } from './table.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Observable Plot renders into a DOM; linkedom gives it one without a browser, and the SVG is inlined. */
function plot(options: Plot.PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  return (Plot.plot({ ...options, document } as Plot.PlotOptions) as unknown as { outerHTML: string }).outerHTML;
}

/** The figures: measure and pair counts against the ablation axis, student-vs-teacher wins/losses, training curves. */
function figures(data: ReportData): { title: string; svg: string; note?: string }[] {
  const out: { title: string; svg: string; note?: string }[] = [];
  const axis = data.axis ?? '';
  const points = (series: ReportData['measureCurves']) => series.flatMap((s) => s.points.map((p) => ({ ...p, series: s.name })));
  if (data.measureCurves.length) {
    out.push({
      title: `${data.measures[0]} on ${data.datasets[0]} against ${axis}`,
      svg: plot({
        width: 640,
        height: 320,
        marginLeft: 60,
        x: { label: axis, type: 'point' },
        y: { label: data.measures[0] ?? '', grid: true },
        color: { legend: true },
        marks: [Plot.line(points(data.measureCurves), { x: 'x', y: 'y', stroke: 'series', marker: 'circle' })],
      }),
    });
  }
  if (data.pairCurves.length) {
    out.push({
      title: `Preference pairs against ${axis}`,
      svg: plot({
        width: 640,
        height: 320,
        marginLeft: 60,
        x: { label: axis, type: 'point' },
        y: { label: 'pairs', grid: true, zero: true },
        color: { legend: true },
        marks: [Plot.line(points(data.pairCurves), { x: 'x', y: 'y', stroke: 'series', marker: 'circle' }), Plot.ruleY([0])],
      }),
    });
  }
  const diffs = perQueryDiffs(data);
  if (diffs.length) {
    const wins = diffs.filter((d) => d.diff > 0).length;
    const losses = diffs.filter((d) => d.diff < 0).length;
    out.push({
      title: `Per query: ${data.student} − ${data.teacher} (${data.measures[0]}, ${data.datasets[0]})`,
      note: `${wins} wins, ${diffs.length - wins - losses} ties, ${losses} losses for ${data.student}.`,
      svg: plot({
        width: 640,
        height: 320,
        marginLeft: 60,
        x: { label: 'queries, by difference', axis: null, domain: diffs.map((d) => d.qid) },
        y: { label: `Δ ${data.measures[0]}`, grid: true },
        color: { domain: ['win', 'tie', 'loss'], range: ['#2a9d4a', '#999999', '#c0392b'], legend: true },
        marks: [
          Plot.barY(
            diffs.map((d) => ({ ...d, outcome: d.diff > 0 ? 'win' : d.diff < 0 ? 'loss' : 'tie' })),
            { x: 'qid', y: 'diff', fill: 'outcome', title: (d: { qid: string; diff: number }) => `${d.qid}: ${d.diff.toFixed(4)}` },
          ),
          Plot.ruleY([0]),
        ],
      }),
    });
  }
  const shown = /^(loss|eval_loss|learning_rate|rewards\/(chosen|rejected|margins|accuracies))$/;
  const stages = [...new Set(data.training.map((t) => t.stage))];
  for (const stage of stages) {
    const curves = data.training.filter((t) => t.stage === stage && shown.test(t.name));
    for (const group of [
      ['loss', 'eval_loss'],
      ['rewards/chosen', 'rewards/rejected', 'rewards/margins'],
      ['rewards/accuracies'],
      ['learning_rate'],
    ]) {
      const mine = curves.filter((c) => group.includes(c.name));
      if (!mine.length) continue;
      out.push({
        title: `Training: ${stage}, ${group.filter((g) => mine.some((c) => c.name === g)).join(', ')}`,
        svg: plot({
          width: 640,
          height: 260,
          marginLeft: 70,
          x: { label: 'step' },
          y: { label: group[0], grid: true },
          color: { legend: mine.length > 1 },
          marks: [
            Plot.line(
              mine.flatMap((c) => c.points.map((p) => ({ ...p, name: c.name }))),
              { x: 'x', y: 'y', stroke: 'name' },
            ),
            // a line needs two points: values logged rarely (eval_loss at the end of a short run) show as dots
            Plot.dot(
              mine.filter((c) => c.points.length <= 50).flatMap((c) => c.points.map((p) => ({ ...p, name: c.name }))),
              { x: 'x', y: 'y', fill: 'name', r: 2.5 },
            ),
          ],
        }),
      });
    }
  }
  return out;
}

/** One offline HTML file: the table (bold best values, markers, legend) and the figures as inline SVG. */
export function renderHtml(data: ReportData, table: Table): string {
  const many = data.datasets.length > 1;
  const groups = columnGroups(table.columns, 'cost');
  const mark = (s: string | null) => (s === 'better' ? '<sup>†</sup>' : s === 'worse' ? '<sup>‡</sup>' : '');
  const rows = table.rows
    .map(
      (r) =>
        `<tr><th scope="row">${esc(r.label)}</th>${r.cells
          .map(
            (c) =>
              `<td${c.p !== null ? ` title="p = ${c.p.toPrecision(3)}"` : ''}>${c.best ? `<b>${c.text}</b>` : c.text}${mark(c.sig)}</td>`,
          )
          .join('')}</tr>`,
    )
    .join('\n');
  const figs = figures(data)
    .map((f) => `<figure><figcaption>${esc(f.title)}</figcaption>${f.svg}${f.note ? `<p>${esc(f.note)}</p>` : ''}</figure>`)
    .join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${esc(data.title)}</title>
<style>
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; font-variant-numeric: tabular-nums; }
th, td { padding: 0.3rem 0.7rem; text-align: right; border-bottom: 1px solid #ddd; }
th[scope=row], thead th:first-child { text-align: left; }
th[scope=row] { font-weight: normal; }
thead th { border-bottom: 2px solid #444; }
.legend { font-size: 0.9rem; color: #555; }
figure { margin: 2rem 0; }
figcaption { font-weight: 600; margin-bottom: 0.5rem; }
</style>
</head>
<body>
<h1>${esc(data.title)}</h1>
<p>Experiment <code>${esc(data.experiment)}</code>.</p>
<table id="results">
<thead>
${many || table.columns.some((c) => c.kind !== 'measure') ? `<tr><th></th>${groups.map((g) => `<th colspan="${g.span}">${esc(g.name)}</th>`).join('')}</tr>\n` : ''}<tr><th>run</th>${table.columns.map((c) => `<th>${esc(c.title)}</th>`).join('')}</tr>
</thead>
<tbody>
${rows}
</tbody>
</table>
<div class="legend">${table.legend.map((l) => `<p>${esc(l)}</p>`).join('')}</div>
${figs}
</body>
</html>
`;
}
