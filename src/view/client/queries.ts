import type { ExperimentView, GenerateGroup, PairGroup, QueryDetail, QueryList } from '../types.js';
import { api } from './api.js';
import { type Child, fmt, fmtDelta, fmtInt, h, pager, type Rendered, route, table } from './dom.js';

/** Replaces some parameters of the current route (offset back to 0 unless given). */
export function withParams(base: string[], params: URLSearchParams, changes: Record<string, string | number | null>): string {
  const next: Record<string, string> = {};
  for (const [k, v] of params) next[k] = v;
  if (!('offset' in changes)) delete next.offset;
  for (const [k, v] of Object.entries(changes)) {
    if (v === null || v === '') delete next[k];
    else next[k] = String(v);
  }
  return route(base, next);
}

export function searchBox(value: string, placeholder: string, go: (v: string) => void): HTMLElement {
  const input = h('input', { attrs: { type: 'search', placeholder, value, name: 'search' } });
  input.addEventListener('change', () => go(input.value));
  return h('label', null, 'search', input);
}

export function select(label: string, value: string, options: [string, string][], go: (v: string) => void, name = label): HTMLElement {
  const el = h(
    'select',
    { attrs: { name } },
    options.map(([v, text]) => {
      const o = h('option', { attrs: { value: v } }, text);
      if (v === value) o.selected = true;
      return o;
    }),
  );
  el.addEventListener('change', () => go(el.value));
  return h('label', null, label, el);
}

export async function queriesPage(view: ExperimentView, params: URLSearchParams): Promise<Rendered> {
  const base = ['e', view.name, 'queries'];
  if (view.datasets.length === 0) return { content: h('p', { class: 'note' }, 'This experiment has no dataset stage with queries.') };
  const dataset = params.get('dataset') ?? view.datasets[0]?.name;
  const list = await api<QueryList>(['experiments', view.name, 'queries'], {
    dataset,
    search: params.get('search'),
    sort: params.get('sort'),
    order: params.get('order'),
    offset: params.get('offset'),
    limit: 100,
  });
  const go = (changes: Record<string, string | number | null>) => {
    location.hash = withParams(base, params, changes);
  };
  const rows = list.items.map((q) =>
    h(
      'tr',
      { data: { qid: q.qid } },
      h('td', { class: 'mono' }, h('a', { href: route(['e', view.name, 'q', q.qid], { dataset: list.dataset }) }, q.qid)),
      h('td', null, h('a', { href: route(['e', view.name, 'q', q.qid], { dataset: list.dataset }) }, q.query)),
      h('td', { class: 'num' }, fmtInt(q.expansions)),
      h('td', { class: 'num' }, fmt(q.baseline)),
      h('td', { class: 'num' }, fmt(q.best)),
      h('td', { class: 'num' }, fmtDelta(q.gain)),
      h('td', { class: 'num' }, q.pairs || '–'),
      h('td', { class: 'num' }, q.maxDelta === null ? '–' : fmt(q.maxDelta)),
    ),
  );
  const m = list.measure ? list.measure.split(' ')[0] : 'feedback';
  return {
    content: [
      h(
        'div',
        { class: 'controls' },
        view.datasets.length > 1
          ? select(
              'dataset',
              list.dataset,
              view.datasets.map((d) => [d.name, `${d.name} (${d.queries ?? '?'} queries)`]),
              (v) => go({ dataset: v }),
            )
          : null,
        searchBox(params.get('search') ?? '', 'query id or words', (v) => go({ search: v })),
      ),
      list.measure
        ? h(
            'p',
            { class: 'muted small' },
            `${m} of the query alone and of its best expansion, from ${list.measure.replace(/^\S+ /, '').replace(/^\((.*)\)$/, '$1')}`,
            list.pairs ? `; pairs and largest Δ from ${list.pairs}` : '',
            '.',
          )
        : h('p', { class: 'muted small' }, 'No feedback stage has run for this dataset yet.'),
      table(
        [
          { label: 'qid', key: 'qid' },
          { label: 'query', key: 'query' },
          { label: 'expansions', key: 'expansions', num: true },
          { label: `${m} alone`, key: 'baseline', num: true },
          { label: `best ${m}`, key: 'best', num: true },
          { label: 'gain', key: 'gain', num: true, title: 'best expansion − query alone' },
          { label: 'pairs', key: 'pairs', num: true },
          { label: 'max Δ', key: 'maxDelta', num: true },
        ],
        rows,
        { key: params.get('sort') ?? 'qid', order: params.get('order') ?? 'asc', onSort: (sort, order) => go({ sort, order }) },
      ),
      pager(list, (offset) => go({ offset })),
    ],
  };
}

/** One generate stage's expansions of a query, each beside its feedback values. */
/** A generate stage's expansions of a query; with `used`, the first `used` are marked as those a run searched with. */
export function generationCard(g: GenerateGroup, used?: number): HTMLElement {
  return h(
    'section',
    { class: 'card', data: { stage: g.stage } },
    h(
      'div',
      { class: 'head' },
      h('span', { class: 'title' }, g.label),
      g.model ? h('span', { class: 'muted small' }, g.model) : null,
      h('span', { class: 'muted small' }, `${g.expansions.length} expansion${g.expansions.length === 1 ? '' : 's'}`),
    ),
    g.expansions.length === 0
      ? h('p', { class: 'muted pad' }, 'No expansion for this query (the stage has not run, or the query is not in its set).')
      : g.expansions.map((e, i) =>
          h(
            'div',
            { class: used === undefined ? 'exp' : `exp ${i < used ? 'used' : 'unused'}`, data: { sample: String(e.sample) } },
            h('pre', { class: 'text expansion' }, e.text, e.truncated ? h('span', { class: 'muted' }, ' … (cut)') : null),
            h(
              'div',
              { class: 'scores' },
              h('div', { class: 'muted' }, `sample ${e.sample}`, used === undefined ? '' : i < used ? ' · searched with' : ' · not used'),
              e.feedback.length === 0
                ? h('div', { class: 'muted' }, 'no feedback value')
                : e.feedback.map((f) =>
                    h(
                      'div',
                      { class: 'fb', title: f.feedback },
                      h('span', { class: 'v value' }, fmt(f.value)),
                      ' ',
                      h('span', { class: 'muted' }, f.measure),
                      h('div', { class: 'gain' }, fmtDelta(f.value - f.baseline), h('span', { class: 'muted' }, ' vs alone')),
                    ),
                  ),
            ),
          ),
        ),
  );
}

function pairsCard(p: PairGroup): HTMLElement {
  const side = (cls: string, label: string, s: PairGroup['pairs'][number]['chosen']) =>
    h(
      'div',
      { class: cls },
      h(
        'div',
        { class: 'small' },
        h('b', null, label),
        ' ',
        h('span', { class: 'muted' }, `${s.pool} · sample ${s.sample} · `),
        h('b', { class: 'value' }, fmt(s.value)),
      ),
      h('pre', { class: 'text' }, s.text, s.truncated ? ' … (cut)' : ''),
    );
  return h(
    'section',
    { class: 'card pairs', data: { stage: p.stage } },
    h(
      'div',
      { class: 'head' },
      h('span', { class: 'title' }, p.label),
      h('span', { class: 'muted small' }, `${p.pairs.length} pair${p.pairs.length === 1 ? '' : 's'}`),
    ),
    p.pairs.length === 0
      ? h('p', { class: 'muted small pad' }, 'No pair for this query.')
      : p.pairs.map((x) =>
          h(
            'div',
            { class: 'pair' },
            side('chosen', 'chosen', x.chosen),
            side('rejected', 'rejected', x.rejected),
            h('div', { class: 'delta' }, 'Δ ', h('span', { class: 'dv' }, fmt(x.delta))),
          ),
        ),
  );
}

export async function queryPage(name: string, qid: string, params: URLSearchParams): Promise<Rendered> {
  const q = await api<QueryDetail>(['experiments', name, 'queries', qid], { dataset: params.get('dataset') });
  const link = (id: string | null, label: string) =>
    id ? h('a', { href: route(['e', name, 'q', id], { dataset: q.dataset }) }, label) : h('span', { class: 'muted' }, label);
  const content: Child[] = [
    h(
      'div',
      { class: 'controls' },
      h('span', { class: 'muted' }, `query ${q.qid} · dataset ${q.dataset}`),
      h('span', { class: 'nav-q' }, link(q.prev, '← previous query'), link(q.next, 'next query →')),
    ),
    h('h1', { class: 'query-text' }, q.query ?? h('span', { class: 'muted' }, '(query text not available)')),
    q.alone.length
      ? h(
          'p',
          { class: 'muted' },
          q.alone.map((a, i) => [
            i ? ' · ' : '',
            'query alone: ',
            h('b', { class: 'alone' }, fmt(a.value)),
            ` ${a.measure}`,
            q.alone.length > 1 ? ` (${a.feedback})` : '',
          ]),
        )
      : null,
    h('h2', null, 'Expansions'),
    q.generations.length
      ? h(
          'div',
          { class: 'cards' },
          q.generations.map((g) => generationCard(g)),
        )
      : h('p', { class: 'muted' }, 'No generate stage reads this dataset.'),
  ];
  if (q.pairs.length) content.push(h('h2', null, 'Preference pairs'), h('div', { class: 'cards' }, q.pairs.map(pairsCard)));
  if (q.rows.length) {
    const measures = [...new Set(q.rows.flatMap((r) => Object.keys(r.values)))];
    content.push(
      h('h2', null, 'Report rows on this query'),
      table(
        ['row', 'searched with', ...measures.map((m) => ({ label: m, num: true }))],
        q.rows.map((r) =>
          h(
            'tr',
            { data: { row: r.label } },
            h('td', null, r.label),
            h('td', { class: 'small searched' }, r.searchedWith),
            measures.map((m) => h('td', { class: 'num' }, fmt(r.values[m]))),
          ),
        ),
      ),
    );
  }
  return {
    crumbs: [
      { label: name, href: route(['e', name]) },
      { label: 'queries', href: route(['e', name, 'queries'], { dataset: q.dataset }) },
      { label: q.qid },
    ],
    content,
  };
}
