/**
 * Building the page: elements with text nodes, never markup, so that an expansion holding
 * `<script>` shows as those characters. Links are only ever the page's own `#/...` routes.
 */

export type Child = Node | string | number | null | undefined | false | Child[];

/** What a page renders: its content, its breadcrumbs, and whether it should be read again soon (a run is going). */
export interface Rendered {
  content: Child;
  crumbs?: { label: string; href?: string }[];
  refreshMs?: number;
}

export interface Props {
  class?: string;
  title?: string;
  /** A route of this page (`#/...`); anything else is refused. */
  href?: string;
  id?: string;
  hidden?: boolean;
  colspan?: number;
  on?: Partial<Record<'click' | 'change' | 'input' | 'keydown', (e: Event) => void>>;
  data?: Record<string, string>;
  attrs?: Record<string, string>;
}

export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props) {
    if (props.class) el.className = props.class;
    if (props.title) el.title = props.title;
    if (props.id) el.id = props.id;
    if (props.hidden) el.hidden = true;
    if (props.href !== undefined) {
      if (!props.href.startsWith('#/')) throw new Error(`not a route of this page: ${props.href}`);
      el.setAttribute('href', props.href);
    }
    if (props.colspan) el.setAttribute('colspan', String(props.colspan));
    for (const [k, v] of Object.entries(props.data ?? {})) el.dataset[k] = v;
    for (const [k, v] of Object.entries(props.attrs ?? {})) {
      if (/^on/i.test(k) || k === 'href' || k === 'src' || k === 'style') throw new Error(`attribute ${k} is not set this way`);
      el.setAttribute(k, v);
    }
    for (const [ev, fn] of Object.entries(props.on ?? {})) if (fn) el.addEventListener(ev, fn);
  }
  append(el, children);
  return el;
}

const SVG = 'http://www.w3.org/2000/svg';

export function svg(tag: string, attrs: Record<string, string | number>, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  append(el, children);
  return el;
}

/** A route: `#/` + path segments (each encoded) + query parameters (empty ones left out). */
export function route(segments: string[], params: Record<string, string | number | undefined | null> = {}): string {
  const path = segments.map(encodeURIComponent).join('/');
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const qs = q.toString();
  return `#/${path}${qs ? `?${qs}` : ''}`;
}

// ---- numbers, times, sizes ----

export const fmt = (v: number | null | undefined, digits = 4) =>
  v === null || v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits);

export const fmtInt = (v: number | null | undefined) => (v === null || v === undefined ? '–' : Math.round(v).toLocaleString('en-US'));

export function fmtDelta(v: number | null | undefined, digits = 4): Node {
  if (v === null || v === undefined) return document.createTextNode('–');
  const cls = v > 0 ? 'up' : v < 0 ? 'down' : 'same';
  return h('span', { class: cls }, `${v > 0 ? '+' : v < 0 ? '−' : '±'}${Math.abs(v).toFixed(digits)}`);
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function fmtBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i += 1;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

export const fmtUsd = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : v < 0.01 && v > 0 ? `$${v.toPrecision(2)}` : `$${v.toFixed(2)}`;

/** DuckDB's timestamp ("2026-12-02 10:00:00.123+00") in the reader's local time. */
export function fmtTime(ts: string | null | undefined): string {
  if (!ts) return '–';
  const d = new Date(ts.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00'));
  if (Number.isNaN(d.getTime())) return ts;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export const badge = (state: string) => h('span', { class: `badge s-${state}` }, state);

/** A table: header cells (optionally sortable by a key) and rows. */
export function table(
  head: (string | { label: string; key?: string; num?: boolean; title?: string })[],
  rows: Node[],
  sort?: { key?: string; order?: string; onSort: (key: string, order: 'asc' | 'desc') => void },
): HTMLTableElement {
  const ths = head.map((c) => {
    const col = typeof c === 'string' ? { label: c } : c;
    const classes = [col.num ? 'num' : '', col.key && sort ? 'sort' : '', col.key && sort?.key === col.key ? 'sorted' : ''];
    if (col.key && sort?.key === col.key && sort.order !== 'desc') classes.push('asc');
    return h(
      'th',
      {
        class: classes.filter(Boolean).join(' '),
        title: col.title,
        on:
          col.key && sort
            ? {
                click: () => {
                  const key = col.key as string;
                  sort.onSort(
                    key,
                    sort.key === key && sort.order !== 'desc' ? 'desc' : sort.key === key ? 'asc' : col.num ? 'desc' : 'asc',
                  );
                },
              }
            : undefined,
      },
      col.label,
    );
  });
  return h('table', null, h('thead', null, h('tr', null, ths)), h('tbody', null, rows));
}

/** "1–100 of 20,000" with previous/next buttons. */
export function pager(page: { total: number; offset: number; limit: number }, go: (offset: number) => void): HTMLElement {
  const end = Math.min(page.offset + page.limit, page.total);
  return h(
    'div',
    { class: 'pager' },
    h(
      'button',
      { attrs: page.offset <= 0 ? { disabled: '' } : {}, on: { click: () => go(Math.max(0, page.offset - page.limit)) } },
      '← previous',
    ),
    h('span', { class: 'range' }, page.total === 0 ? 'none' : `${fmtInt(page.offset + 1)}–${fmtInt(end)} of ${fmtInt(page.total)}`),
    h('button', { attrs: end >= page.total ? { disabled: '' } : {}, on: { click: () => go(page.offset + page.limit) } }, 'next →'),
  );
}
