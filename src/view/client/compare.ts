import type { Compare, CompareQuery, ExperimentView, RowExpansions } from '../types.js';
import { api } from './api.js';
import { type Child, fmt, fmtDelta, fmtInt, h, pager, type Rendered, route, svg, table } from './dom.js';
import { generationCard, searchBox, select, withParams } from './queries.js';

/** Every query's B − A, sorted: bars above the line are queries where B is better. */
function deltaPlot(deltas: number[], total: number): SVGElement {
  const W = 900;
  const H = 130;
  const pad = { l: 52, r: 8, t: 10, b: 22 };
  const flat = deltas.every((d) => d === 0);
  const max = Math.max(1e-9, ...deltas.map(Math.abs));
  const y = (v: number) => pad.t + ((max - v) / (2 * max)) * (H - pad.t - pad.b);
  const bw = (W - pad.l - pad.r) / Math.max(deltas.length, 1);
  const bars = deltas.map((d, i) => {
    const top = Math.min(y(d), y(0));
    return svg('rect', {
      x: (pad.l + i * bw).toFixed(2),
      y: top.toFixed(2),
      width: Math.max(bw - (bw > 3 ? 1 : 0), 0.5).toFixed(2),
      height: Math.max(Math.abs(y(d) - y(0)), d === 0 ? 0 : 0.5).toFixed(2),
      fill: d > 0 ? '#16794c' : '#b42318',
    });
  });
  return svg(
    'svg',
    { class: 'deltas', width: W, height: H, viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'B minus A per query, sorted' },
    svg('line', { x1: pad.l, x2: W - pad.r, y1: y(0), y2: y(0), stroke: '#98a2b3' }),
    bars,
    flat ? null : svg('text', { x: pad.l - 6, y: y(max) + 4, 'text-anchor': 'end' }, `+${max.toFixed(2)}`),
    svg('text', { x: pad.l - 6, y: y(0) + 4, 'text-anchor': 'end' }, '0'),
    flat ? null : svg('text', { x: pad.l - 6, y: y(-max) + 4, 'text-anchor': 'end' }, `−${max.toFixed(2)}`),
    svg(
      'text',
      { x: pad.l, y: H - 4 },
      flat
        ? `${fmtInt(total)} queries: B and A are equal on every one`
        : `${fmtInt(total)} queries, sorted by B − A${deltas.length < total ? ` (${deltas.length} shown evenly)` : ''}`,
    ),
  );
}

/** What the row's run searched with: the query repeated and the first samples (the others were feedback candidates only). */
function formulationNote(r: RowExpansions): string {
  const f = r.formulation;
  if (!f) return "The row's run used these expansions.";
  if (f.mode === 'none') return "The row's run searched with the query alone (formulation mode none).";
  const first = f.concat === 1 ? 'the first sample' : `the first ${f.concat} samples`;
  return `The row's run searched with the query ×${f.repeatQuery} and ${first} (${f.mode}); each value beside an expansion is its own feedback.`;
}

function side(r: RowExpansions, which: string, measure: string): HTMLElement {
  return h(
    'div',
    { class: `compare-side side-${which}` },
    h('h3', null, `${which} · ${r.label}`, ' ', h('span', { class: 'muted' }, `${measure} ${fmt(r.value)}`)),
    r.generations.length
      ? [
          h('p', { class: 'muted small formulation' }, formulationNote(r)),
          r.generations.map((g) => generationCard(g, r.formulation?.concat)),
        ]
      : h('p', { class: 'muted' }, "This row's run used no generated expansion."),
  );
}

async function detailRow(name: string, q: Record<string, string | number>, qid: string, cols: number): Promise<HTMLElement> {
  const d = await api<CompareQuery>(['experiments', name, 'compare', qid], q);
  return h(
    'tr',
    { class: 'detail', data: { qid } },
    h(
      'td',
      { colspan: cols },
      h(
        'div',
        { class: 'controls' },
        h('b', null, d.query ?? qid),
        h('a', { href: route(['e', name, 'q', qid], { dataset: String(q.dataset) }) }, 'everything on this query →'),
      ),
      h('div', { class: 'side' }, side(d.a, 'A', String(q.measure)), side(d.b, 'B', String(q.measure))),
    ),
  );
}

export async function comparePage(view: ExperimentView, params: URLSearchParams): Promise<Rendered> {
  const base = ['e', view.name, 'compare'];
  if (view.rows.length < 2)
    return { content: h('p', { class: 'note' }, 'Comparing needs two report rows with results; run the experiment first (qexp run).') };
  const go = (changes: Record<string, string | number | null>) => {
    location.hash = withParams(base, params, { open: null, ...changes });
  };
  const num = (k: string, def: number) => {
    const v = Number(params.get(k));
    return params.get(k) !== null && Number.isInteger(v) && v >= 0 && v < view.rows.length ? v : def;
  };
  const a = num('a', 0);
  const b = num('b', 1);
  const rowA = view.rows[a] as ExperimentView['rows'][number];
  const rowB = view.rows[b] as ExperimentView['rows'][number];
  const datasets = Object.keys(rowA.measures).filter((d) => d in rowB.measures);
  const dataset =
    params.get('dataset') && datasets.includes(params.get('dataset') as string) ? (params.get('dataset') as string) : datasets[0];
  const measures = dataset ? (rowA.measures[dataset] ?? []).filter((m) => rowB.measures[dataset]?.includes(m)) : [];
  const measure =
    params.get('measure') && measures.includes(params.get('measure') as string) ? (params.get('measure') as string) : measures[0];
  const rowOptions = view.rows.map((r): [string, string] => [String(r.id), r.label]);
  const controls = h(
    'div',
    { class: 'controls' },
    select('A', String(a), rowOptions, (v) => go({ a: v })),
    select('B', String(b), rowOptions, (v) => go({ b: v })),
    select(
      'dataset',
      dataset ?? '',
      datasets.map((d) => [d, d]),
      (v) => go({ dataset: v }),
    ),
    select(
      'measure',
      measure ?? '',
      measures.map((m) => [m, m]),
      (v) => go({ measure: v }),
    ),
    select(
      'queries',
      params.get('outcome') ?? 'all',
      [
        ['all', 'all'],
        ['better', 'B better'],
        ['same', 'tied'],
        ['worse', 'B worse'],
      ],
      (v) => go({ outcome: v === 'all' ? null : v }),
      'outcome',
    ),
    searchBox(params.get('search') ?? '', 'query id or words', (v) => go({ search: v })),
  );
  if (!dataset || !measure)
    return { content: [controls, h('p', { class: 'note' }, `${rowA.label} and ${rowB.label} share no dataset and measure with results.`)] };
  const q = { a, b, dataset, measure };
  const cmp = await api<Compare>(['experiments', view.name, 'compare'], {
    ...q,
    outcome: params.get('outcome'),
    search: params.get('search'),
    sort: params.get('sort'),
    order: params.get('order') ?? (params.get('sort') ? null : 'desc'),
    offset: params.get('offset'),
    limit: 100,
  });
  const cols = 5;
  const stat = (v: Child, k: string, cls = '') =>
    h('div', { class: `stat ${cls}` }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k));
  const n = cmp.counts.better + cmp.counts.same + cmp.counts.worse;
  const rows = cmp.items.map((x) => {
    const tr = h(
      'tr',
      { class: 'click', data: { qid: x.qid } },
      h('td', { class: 'mono' }, x.qid),
      h('td', null, x.query),
      h('td', { class: 'num a' }, fmt(x.a)),
      h('td', { class: 'num b' }, fmt(x.b)),
      h('td', { class: 'num delta' }, fmtDelta(x.delta)),
    );
    const toggle = async () => {
      const next = tr.nextElementSibling;
      if (next?.classList.contains('detail')) {
        next.remove();
        tr.classList.remove('open');
        history.replaceState(null, '', withParams(base, params, { open: null, offset: params.get('offset') }));
        return;
      }
      tr.classList.add('open');
      tr.after(await detailRow(view.name, q, x.qid, cols));
      history.replaceState(null, '', withParams(base, params, { open: x.qid, offset: params.get('offset') }));
    };
    tr.addEventListener('click', () => void toggle());
    if (params.get('open') === x.qid) queueMicrotask(() => void toggle());
    return tr;
  });
  return {
    content: [
      controls,
      h(
        'div',
        { class: 'summary' },
        stat(fmtInt(cmp.counts.better), 'B better', 'up'),
        stat(fmtInt(cmp.counts.same), 'tied', 'same'),
        stat(fmtInt(cmp.counts.worse), 'B worse', 'down'),
        stat(fmt(cmp.meanA), `mean A (${fmtInt(n)} queries)`),
        stat(fmt(cmp.meanB), 'mean B'),
        stat(fmtDelta(cmp.meanA !== null && cmp.meanB !== null ? cmp.meanB - cmp.meanA : null), 'B − A'),
      ),
      h(
        'p',
        { class: 'muted small' },
        `A = ${cmp.a}; B = ${cmp.b}; ${measure} on ${dataset}, per query. Click a query for both rows' expansions side by side.`,
      ),
      deltaPlot(cmp.deltas, n),
      table(
        [
          { label: 'qid', key: 'qid' },
          { label: 'query', key: 'query' },
          { label: 'A', key: 'a', num: true, title: cmp.a },
          { label: 'B', key: 'b', num: true, title: cmp.b },
          { label: 'B − A', key: 'delta', num: true },
        ],
        rows,
        {
          key: params.get('sort') ?? 'delta',
          order: params.get('order') ?? (params.get('sort') ? 'asc' : 'desc'),
          onSort: (sort, order) => go({ sort, order }),
        },
      ),
      pager(cmp, (offset) => go({ offset })),
    ],
  };
}
