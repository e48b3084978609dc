import * as Plot from '@observablehq/plot';
import { parseHTML } from 'linkedom';
import type { ReportData, Series, TrainingCurve } from './report-data.js';
import { type Comparison, columnGroups, studentComparisons, type Table } from './table.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Tick labels and legends at 13 px (Plot draws 10 px): inline, so no page style can shrink them. */
const FONT_PX = 13;
const FONT = { fontSize: `${FONT_PX}px` };
const COLORS = 'tableau10';

/**
 * Observable Plot renders into a DOM; linkedom gives it one without a browser, and the SVG is
 * inlined. Plot also writes its 10 px default into the SVG's attribute and the legend's style
 * sheet: they say 13 px too, for a viewer that ignores the inline style (an SVG cut out of the page).
 */
function plot(options: Plot.PlotOptions): string {
  const { document } = parseHTML('<!doctype html><html><body></body></html>');
  const svg = (Plot.plot({ style: FONT, ...options, document } as Plot.PlotOptions) as unknown as { outerHTML: string }).outerHTML;
  return svg.replace(/font-size="10"/g, `font-size="${FONT_PX}"`).replace(/font-size: 10px/g, `font-size: ${FONT.fontSize}`);
}

/** A colour scale: a legend only when there is more than one thing to tell apart. */
function color(domain: string[]): Plot.ScaleOptions {
  return { domain, scheme: COLORS, legend: domain.length > 1, style: FONT } as Plot.ScaleOptions;
}

/**
 * The y scale of a series: a flat one (a constant learning rate, a measure no setting changes)
 * gets a little room around its value, else Plot draws one tick with all its digits.
 */
function yScale(ys: number[], options: Plot.ScaleOptions = {}): Plot.ScaleOptions {
  const finite = ys.filter(Number.isFinite);
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  const out: Plot.ScaleOptions = { grid: true, ticks: 5, ...options };
  if (finite.length && hi - lo <= 1e-9 * Math.max(1, Math.abs(hi)) && !options.domain) {
    const pad = Math.abs(hi) * 0.05 || 0.05;
    out.domain = [lo - pad, hi + pad];
  }
  // learning rates: 5e-6, not 0.000005
  if (finite.length && Math.max(Math.abs(lo), Math.abs(hi)) < 1e-2 && hi !== 0) out.tickFormat = '~e';
  return out;
}

interface Figure {
  title: string;
  svg: string;
  note?: string;
}

/**
 * Settings as legends show them: `k1=0.9, min_delta=0.1`, each axis by its last part where no
 * other axis ends the same (the x axis and the table keep the full name).
 */
function settingsLabel(data: ReportData): (s: Record<string, unknown> | undefined) => string {
  const axes = new Set<string>([
    ...data.rows.flatMap((r) => Object.keys(r.settings)),
    ...data.training.flatMap((t) => Object.keys(t.settings)),
  ]);
  const last = (a: string) => a.slice(a.lastIndexOf('.') + 1);
  const count = new Map<string, number>();
  for (const a of axes) count.set(last(a), (count.get(last(a)) ?? 0) + 1);
  const short = (a: string) => (count.get(last(a)) === 1 ? last(a) : a);
  return (s) =>
    Object.entries(s ?? {})
      .map(([k, v]) => `${short(k)}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
}

/**
 * Each dataset's primary measure against the axis: a line per row. A second axis is the colour
 * when one row varies, else facets (colour: the row); a row the axis does not change is a dashed
 * reference line, labelled at its end.
 */
function measureFigures(data: ReportData): Figure[] {
  const settingsText = settingsLabel(data);
  const out: Figure[] = [];
  const axis = data.axis ?? '';
  for (const dataset of data.datasets) {
    const series = data.measureCurves.filter((s) => (s.dataset ?? data.datasets[0]) === dataset);
    if (!series.length) continue;
    const measure = series[0]?.measure ?? data.measures[0] ?? '';
    const combos = [...new Set(series.map((s) => settingsText(s.settings)).filter(Boolean))];
    const varyingRows = [...new Set(series.filter((s) => !s.flat).map((s) => s.of ?? s.name))];
    const facets = combos.length > 1 && varyingRows.length > 1;
    const byCombo = combos.length > 1 && !facets;
    // colour by the other axes: the one varying row's name with them (`Student [beta=0.1]`)
    const key = (s: Series) => {
      const combo = settingsText(s.settings);
      return byCombo && combo ? `${s.of ?? s.name} [${combo}]` : (s.of ?? s.name);
    };
    // a reference row that no other axis changes belongs in every facet
    const points = series.flatMap((s) =>
      (facets && !settingsText(s.settings) ? combos : [settingsText(s.settings)]).flatMap((combo) =>
        s.points.map((p) => ({ ...p, key: key(s), of: s.of ?? s.name, combo, flat: Boolean(s.flat) })),
      ),
    );
    const lines = points.filter((p) => !p.flat);
    // a reference far from the lines (BM25 under a set of students) would flatten their
    // differences: it is left off the scale and named in the note
    const ys = lines.map((p) => p.y);
    const lo = Math.min(...ys);
    const hi = Math.max(...ys);
    const reach = 2 * Math.max(hi - lo, 0.02 * Math.abs(hi), 1e-9);
    const near = (p: { y: number }) => p.y >= lo - reach && p.y <= hi + reach;
    const refs = points.filter((p) => p.flat && near(p));
    const offName = (p: (typeof points)[number]) => (facets && p.combo ? `${p.of} [${p.combo}]` : p.key);
    const off = [...new Map(points.filter((p) => p.flat && !near(p)).map((p) => [offName(p), p])).values()];
    // in the rows' order, as the table has them
    const keys = [...new Set(points.filter((p) => !p.flat || near(p)).map((p) => p.key))];
    // a reference line's label at its right end (its points come in the axis's order)
    const lastOf = new Map<string, (typeof refs)[number]>();
    for (const p of refs) lastOf.set(`${p.of}\u0000${p.combo}`, p);
    const last = [...lastOf.values()];
    const labelWidth = Math.min(180, 8 * Math.max(0, ...last.map((p) => p.of.length)));
    const fx = facets ? { fx: 'combo' } : {};
    out.push({
      title: `${measure} on ${dataset} against ${axis}${facets ? `, by ${combos.length} settings of the other axes` : ''}`,
      note:
        [
          refs.length ? 'Dashed: rows that do not depend on this axis.' : '',
          off.length
            ? `Off the scale: ${off.map((p) => `${offName(p)} (${p.y.toFixed(4)}, ${p.y < lo ? 'below' : 'above'})`).join(', ')}.`
            : '',
        ]
          .filter(Boolean)
          .join(' ') || undefined,
      svg: plot({
        width: facets ? Math.min(1100, 120 + 300 * combos.length) : 720,
        height: 340,
        marginLeft: 60,
        marginRight: 20 + labelWidth,
        marginBottom: 50,
        x: { label: axis, type: 'point', inset: 10, labelOffset: 42 },
        y: yScale(
          [...lines, ...refs].map((p) => p.y),
          { label: measure, nice: true, inset: 12 },
        ),
        ...(facets ? { fx: { label: null } } : {}),
        color: color(keys),
        marks: [
          Plot.line(lines, { x: 'x', y: 'y', stroke: 'key', z: 'key', marker: 'circle', strokeWidth: 2, ...fx }),
          Plot.line(refs, {
            x: 'x',
            y: 'y',
            stroke: 'key',
            z: (p: { key: string; of: string }) => p.key + p.of,
            strokeDasharray: '5,4',
            ...fx,
          }),
          Plot.text(last, { x: 'x', y: 'y', text: 'of', textAnchor: 'start', dx: 8, fill: 'key', ...fx }),
        ],
      }),
    });
  }
  return out;
}

/** Pairs against the axis: a line per setting of the other axes. */
function pairFigures(data: ReportData): Figure[] {
  const settingsText = settingsLabel(data);
  const stages = [...new Set(data.pairCurves.map((s) => s.of ?? s.name))];
  return stages.map((stage) => {
    const series = data.pairCurves.filter((s) => (s.of ?? s.name) === stage);
    const key = (s: Series) => settingsText(s.settings) || stage;
    const points = series.flatMap((s) => s.points.map((p) => ({ ...p, key: key(s) })));
    return {
      title: `Preference pairs${stages.length > 1 ? ` of ${stage}` : ''} against ${data.axis}`,
      svg: plot({
        width: 720,
        height: 320,
        marginLeft: 60,
        marginBottom: 50,
        x: { label: data.axis ?? '', type: 'point', inset: 10, labelOffset: 42 },
        y: yScale(
          points.map((p) => p.y),
          { label: 'pairs', zero: true },
        ),
        color: color(series.map(key)),
        marks: [Plot.line(points, { x: 'x', y: 'y', stroke: 'key', marker: 'circle', strokeWidth: 2 }), Plot.ruleY([0])],
      }),
    };
  });
}

const OUTCOME = { domain: ['win', 'tie', 'loss'], range: ['#2a9d4a', '#999999', '#c0392b'] };

/** Per query, each student row minus its teacher: small multiples on one y scale, queries sorted by the difference. */
function comparisonFigures(comparisons: Comparison[]): Figure[] {
  const m = Math.max(1e-6, ...comparisons.flatMap((c) => c.diffs.map((d) => Math.abs(d.diff))));
  return comparisons.map((c) => {
    const wins = c.diffs.filter((d) => d.diff > 0).length;
    const losses = c.diffs.filter((d) => d.diff < 0).length;
    return {
      title: `${c.student} − ${c.teacher}`,
      note: `${wins} wins, ${c.diffs.length - wins - losses} ties, ${losses} losses (${c.measure} on ${c.dataset}, ${c.diffs.length} queries).`,
      svg: plot({
        width: 540,
        height: 180,
        marginLeft: 60,
        marginBottom: 8,
        x: { axis: null, domain: c.diffs.map((d) => d.qid), padding: 0.15 },
        y: { label: `Δ ${c.measure}`, grid: true, domain: [-m, m], ticks: 4 },
        color: OUTCOME,
        marks: [
          Plot.barY(
            c.diffs.map((d) => ({ ...d, outcome: d.diff > 0 ? 'win' : d.diff < 0 ? 'loss' : 'tie' })),
            { x: 'qid', y: 'diff', fill: 'outcome', title: (d: { qid: string; diff: number }) => `${d.qid}: ${d.diff.toFixed(4)}` },
          ),
          Plot.ruleY([0]),
        ],
      }),
    };
  });
}

/** The training charts a researcher draws: per train stage, one chart per quantity with a line per result. */
const TRAINING: { names: string[]; title: string; y: string; domain?: [number, number] }[] = [
  { names: ['loss', 'eval_loss'], title: 'loss', y: 'loss' },
  { names: ['rewards/chosen', 'rewards/rejected', 'rewards/margins'], title: 'rewards', y: 'reward' },
  { names: ['rewards/accuracies'], title: 'reward accuracy (chosen above rejected)', y: 'accuracy', domain: [0, 1] },
  { names: ['mean_token_accuracy'], title: 'token accuracy', y: 'accuracy', domain: [0, 1] },
  { names: ['learning_rate'], title: 'learning rate', y: 'learning rate' },
];
const SHORT: Record<string, string> = {
  loss: 'training',
  eval_loss: 'evaluation',
  'rewards/chosen': 'chosen',
  'rewards/rejected': 'rejected',
  'rewards/margins': 'margin',
};

function trainingFigures(data: ReportData): { figures: Figure[]; notes: string[] } {
  const settingsText = settingsLabel(data);
  const figures: Figure[] = [];
  const notes: string[] = [];
  for (const stage of [...new Set(data.training.map((t) => t.stage))]) {
    const curves = data.training.filter((t) => t.stage === stage);
    // a run by the settings that tell it apart (the chart names the stage)
    const run = (c: TrainingCurve) => settingsText(c.settings) || stage;
    const allRuns = [...new Set(curves.map(run))];
    for (const chart of TRAINING) {
      let mine = curves.filter((c) => chart.names.includes(c.name));
      if (!mine.length) continue;
      // one line for a value every run logs alike (a learning-rate schedule), not a legend of identical lines
      const alike =
        allRuns.length > 1 && mine.every((c) => c.name === mine[0]?.name && JSON.stringify(c.points) === JSON.stringify(mine[0]?.points));
      if (alike) mine = [{ ...(mine[0] as TrainingCurve), settings: {} }];
      const runs = alike ? [stage] : allRuns;
      const many = runs.length > 1;
      const kinds = chart.names.filter((n) => mine.some((c) => c.name === n));
      const points = mine.flatMap((c) => c.points.map((p) => ({ ...p, run: run(c), kind: SHORT[c.name] ?? c.name })));
      const isEval = (p: { kind: string }) => p.kind === 'evaluation';
      // several runs: colour is the run; the reward kinds are facets, evaluation loss dots
      const facets = many && chart.title === 'rewards' && kinds.length > 1;
      const stroke = many ? 'run' : 'kind';
      const domain = many ? runs : kinds.map((k) => SHORT[k] ?? k);
      const fx = facets ? { fx: 'kind' } : {};
      const trainPoints = points.filter((p) => !isEval(p));
      const evalPoints = points.filter(isEval);
      figures.push({
        title: `${stage}: ${chart.title}`,
        note: alike ? 'The same in every run.' : many && evalPoints.length ? 'Lines: training loss; dots: evaluation loss.' : undefined,
        svg: plot({
          width: facets ? 1100 : 540,
          height: 260,
          marginLeft: 70,
          x: { label: 'step', ticks: 5 },
          y: yScale(
            points.map((p) => p.y),
            { label: chart.y, ...(chart.domain ? { domain: chart.domain } : {}) },
          ),
          ...(facets ? { fx: { label: null, domain: kinds.map((k) => SHORT[k] ?? k) } } : {}),
          color: color(facets ? runs : domain),
          marks: [
            Plot.line(trainPoints, { x: 'x', y: 'y', stroke, z: (p: { run: string; kind: string }) => p.run + p.kind, ...fx }),
            // values logged rarely (eval_loss at the end of a short run) are dots: a line of one point is invisible
            Plot.dot(
              points.filter(
                (p) => isEval(p) || mine.find((c) => run(c) === p.run && (SHORT[c.name] ?? c.name) === p.kind)?.points.length === 1,
              ),
              { x: 'x', y: 'y', fill: stroke, r: 3, ...fx },
            ),
          ],
        }),
      });
    }
    const drawn = new Set([...TRAINING.flatMap((t) => t.names), 'epoch']);
    const other = [...new Set(curves.map((c) => c.name).filter((n) => !drawn.has(n)))];
    if (other.length) notes.push(`${stage} also logged ${other.join(', ')} (in report.json, not drawn).`);
  }
  return { figures, notes };
}

const figureHtml = (f: Figure) =>
  `<figure><figcaption>${esc(f.title)}</figcaption>${f.svg}${f.note ? `<p class="note">${esc(f.note)}</p>` : ''}</figure>`;

/** One offline HTML file: the table (bold best values, markers, legend) and the figures as inline SVG. */
export function renderHtml(data: ReportData, table: Table): string {
  const many = data.datasets.length > 1;
  const groups = columnGroups(table.columns, 'cost');
  const mark = (s: string | null) => (s === 'better' ? '<sup>†</sup>' : s === 'worse' ? '<sup>‡</sup>' : '');
  const rows = table.rows
    .map(
      (r) =>
        `<tr><th scope="row">${esc(r.label)}</th>${r.cells
          .map((c) => {
            const title = [c.p !== null ? `p = ${c.p.toPrecision(3)}` : '', c.note ? `${c.note.reason}: ${c.note.who}` : '']
              .filter(Boolean)
              .join('; ');
            return `<td${title ? ` title="${esc(title)}"` : ''}>${c.best ? `<b>${c.text}</b>` : c.text}${mark(c.sig)}</td>`;
          })
          .join('')}</tr>`,
    )
    .join('\n');
  const tableHtml = table.empty
    ? `<p class="empty">${esc(table.empty)}</p>`
    : `<table id="results">
<thead>
${many || table.columns.some((c) => c.kind !== 'measure') ? `<tr><th></th>${groups.map((g) => `<th colspan="${g.span}">${esc(g.name)}</th>`).join('')}</tr>\n` : ''}<tr><th>run</th>${table.columns.map((c) => `<th>${esc(c.title)}</th>`).join('')}</tr>
</thead>
<tbody>
${rows}
</tbody>
</table>
${!many && data.datasets[0] ? `<p>Dataset: ${esc(data.datasets[0])}.</p>\n` : ''}<div class="legend">${table.legend.map((l) => `<p>${esc(l)}</p>`).join('')}</div>`;

  const sections: string[] = [];
  const curves = [...measureFigures(data), ...pairFigures(data)];
  if (curves.length) sections.push(`<h2>Against ${esc(data.axis ?? '')}</h2>\n${curves.map(figureHtml).join('\n')}`);
  const { comparisons, notes: comparisonNotes } = studentComparisons(data);
  if (comparisons.length) {
    const swatch = (o: string, i: number) => `<span style="color:${OUTCOME.range[i]}">■</span> ${o}`;
    sections.push(
      `<h2>Per query: student − teacher</h2>\n<p class="note">Each bar a query, largest difference first: ${OUTCOME.domain.map(swatch).join(', ')}. One scale for all charts.</p>\n<div class="grid">${comparisonFigures(comparisons).map(figureHtml).join('\n')}</div>`,
    );
  }
  const training = trainingFigures(data);
  if (training.figures.length) sections.push(`<h2>Training</h2>\n<div class="grid">${training.figures.map(figureHtml).join('\n')}</div>`);
  const notDrawn = [...(data.notDrawn ?? []), ...comparisonNotes, ...training.notes];
  if (notDrawn.length)
    sections.push(`<h2>Not drawn</h2>\n<ul class="not-drawn">${notDrawn.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>`);

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
td[title] { cursor: help; }
.legend, .note, .not-drawn { font-size: 0.9rem; color: #555; }
.empty { font-size: 1.1rem; padding: 1rem; background: #f6f6f6; border-left: 4px solid #999; }
h2 { margin-top: 2.5rem; font-size: 1.3rem; }
figure { margin: 1.5rem 0; }
figcaption { font-weight: 600; margin-bottom: 0.5rem; }
/* dense: a half-width chart fills the hole a full-width one (facets) leaves */
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(540px, 1fr)); grid-auto-flow: row dense; gap: 0 2rem; }
.grid figure:has(svg[width="1100"]) { grid-column: 1 / -1; }
</style>
</head>
<body>
<h1>${esc(data.title)}</h1>
<p>Experiment <code>${esc(data.experiment)}</code>.</p>
${tableHtml}
${sections.join('\n')}
</body>
</html>
`;
}
