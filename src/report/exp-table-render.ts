import type { Json } from '../util/json.js';
import { type ExpRow, type ExpTable, same } from './exp-table.js';

/** Which columns `exp show` prints: by default every metric and the parameters that differ between rows. */
export interface ColumnChoice {
  onlyParams?: boolean;
  onlyMetrics?: boolean;
  /** Patterns (`*` matches anything): only these parameters, shown even when constant. */
  params?: string[];
  /** Patterns: only these metrics; a measure (`nDCG@10`) or a stage name also matches. */
  metrics?: string[];
  /** Parameters with the same value in every row too. */
  allParams?: boolean;
}

export interface Columns {
  params: string[];
  metrics: string[];
  /** Parameters left out because every row has the same value. */
  constant: number;
}

const glob = (p: string) => new RegExp(`^${p.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`);
const matches = (patterns: string[], key: string, alsoParts = false) =>
  patterns.some((p) => glob(p).test(key) || (alsoParts && key.split(':').some((part) => glob(p).test(part))));

export function chooseColumns(rows: ExpRow[], c: ColumnChoice = {}): Columns {
  const keys = (f: (r: ExpRow) => object) => [...new Set(rows.flatMap((r) => Object.keys(f(r))))];
  const metricKeys = keys((r) => r.metrics);
  const paramKeys = keys((r) => r.params).sort();
  const varies = (k: string) => rows.some((r) => !same(r.params[k], rows[0]?.params[k]));
  let params = c.params?.length ? paramKeys.filter((k) => matches(c.params as string[], k)) : paramKeys;
  const constant = c.params?.length || c.allParams ? 0 : params.filter((k) => !varies(k)).length;
  if (!c.params?.length && !c.allParams) params = params.filter(varies);
  const metrics = c.metrics?.length ? metricKeys.filter((k) => matches(c.metrics as string[], k, true)) : metricKeys;
  return { params: c.onlyMetrics ? [] : params, metrics: c.onlyParams ? [] : metrics, constant: c.onlyMetrics ? 0 : constant };
}

/** Rows sorted by a column (a metric, a parameter, `id` or `run`); rows without a value go last. */
export function sortRows(rows: ExpRow[], by: string, order: 'asc' | 'desc' = 'asc'): ExpRow[] {
  const value = (r: ExpRow): Json | undefined =>
    by in r.metrics ? r.metrics[by] : by in r.params ? r.params[by] : by === 'id' ? r.id : by === 'run' ? r.run : undefined;
  const sign = order === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined || y === undefined) return x === undefined ? (y === undefined ? 0 : 1) : -1;
    if (typeof x === 'number' && typeof y === 'number') return sign * (x - y);
    return sign * String(x).localeCompare(String(y));
  });
}

export function showParam(v: Json | undefined): string {
  if (v === undefined) return '-';
  return typeof v === 'string' ? v : JSON.stringify(v);
}
const showMetric = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(4));
const status = (r: ExpRow) =>
  r.source === 'earlier run'
    ? 'earlier run'
    : r.evaluated.done === r.evaluated.total
      ? r.source
      : `${r.source}, ${r.evaluated.done}/${r.evaluated.total} evaluated`;

/** The cells of the table: a header and one line per row, as text. */
function grid(table: ExpTable, cols: Columns, width = Number.POSITIVE_INFINITY): string[][] {
  const many = new Set(table.rows.map((r) => r.experiment)).size > 1;
  const cut = (s: string) => (s.length > width ? `${s.slice(0, width - 1)}…` : s);
  const head = [...(many ? ['experiment'] : []), 'row', 'kind', 'run', ...cols.metrics, ...cols.params];
  const body = table.rows.map((r) => [
    ...(many ? [r.experiment] : []),
    r.id,
    status(r),
    r.run ?? '-',
    ...cols.metrics.map((k) => showMetric(r.metrics[k])),
    ...cols.params.map((k) => cut(showParam(r.params[k]))),
  ]);
  return [head, ...body];
}

/** What a table leaves out, and what history it holds: said under it. */
function footer(table: ExpTable, cols: Columns): string[] {
  const out: string[] = [];
  if (cols.constant)
    out.push(
      `${cols.constant} parameter${cols.constant === 1 ? '' : 's'} with the same value in every row not shown (--all-params shows them).`,
    );
  // the command-line settings behind the rows: what to type to get a row again
  const settings = new Map<string, string[]>();
  for (const r of table.rows) if (r.run && r.settings.length) settings.set(r.run, r.settings);
  for (const [run, list] of settings) out.push(`run ${run} had ${list.map((x) => `-S ${x}`).join(' ')}.`);
  for (const [exp, r] of Object.entries(table.runs)) {
    out.push(
      `${exp}: ${r.total} run${r.total === 1 ? '' : 's'} recorded; ${r.computed} of them computed results that no variant points at now (rows "earlier run"). ` +
        '`qexp cache gc` forgets results no variant references.',
    );
  }
  return out;
}

export function renderText(table: ExpTable, cols: Columns): string {
  const g = grid(table, cols, 32);
  const widths = (g[0] as string[]).map((_, i) => Math.max(...g.map((row) => (row[i] as string).length)));
  const numeric = (i: number, head: string[]) =>
    i >= head.length - cols.params.length - cols.metrics.length && i < head.length - cols.params.length;
  const line = (row: string[]) =>
    row
      .map((c, i) => (numeric(i, g[0] as string[]) ? c.padStart(widths[i] as number) : c.padEnd(widths[i] as number)))
      .join('  ')
      .trimEnd();
  const [head, ...body] = g as [string[], ...string[][]];
  return `${[line(head), widths.map((w) => '─'.repeat(w)).join('  '), ...body.map(line), '', ...footer(table, cols)].join('\n')}\n`;
}

export function renderMarkdown(table: ExpTable, cols: Columns): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const [head, ...body] = grid(table, cols) as [string[], ...string[][]];
  const align = head.map((_, i) =>
    i >= head.length - cols.params.length - cols.metrics.length && i < head.length - cols.params.length ? '---:' : '---',
  );
  const row = (r: string[]) => `| ${r.map(esc).join(' | ')} |`;
  return `${[row(head), `|${align.join('|')}|`, ...body.map(row), '', ...footer(table, cols).map((l) => `_${l}_`)].join('\n')}\n`;
}

export function renderCsv(table: ExpTable, cols: Columns): string {
  const q = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const head = ['experiment', 'row', 'kind', 'variant', 'run', 'finished_at', ...cols.metrics, ...cols.params];
  const lines = table.rows.map((r) => [
    r.experiment,
    r.id,
    r.source,
    r.variant ?? '',
    r.run ?? '',
    r.finishedAt ?? '',
    ...cols.metrics.map((k) => (r.metrics[k] === undefined ? '' : String(r.metrics[k]))),
    ...cols.params.map((k) => (r.params[k] === undefined ? '' : showParam(r.params[k]))),
  ]);
  return `${[head, ...lines].map((l) => l.map(q).join(',')).join('\r\n')}\r\n`;
}

export function renderJson(table: ExpTable, cols: Columns): string {
  const pick = <T>(o: Record<string, T>, keys: string[]) => Object.fromEntries(keys.filter((k) => k in o).map((k) => [k, o[k] as T]));
  const rows = table.rows.map((r) => ({
    id: r.id,
    experiment: r.experiment,
    kind: r.source,
    variant: r.variant,
    run: r.run,
    finished_at: r.finishedAt,
    evaluated: r.evaluated,
    settings: r.settings,
    metrics: pick(r.metrics, cols.metrics),
    params: pick(r.params, cols.params),
  }));
  return `${JSON.stringify({ runs: table.runs, columns: { metrics: cols.metrics, params: cols.params, constant_params_hidden: cols.constant }, rows }, null, 2)}\n`;
}

export interface RowDiff {
  params: { key: string; a: Json | undefined; b: Json | undefined }[];
  metrics: { key: string; a: number | undefined; b: number | undefined; change: number | undefined }[];
}

/** The parameters and metrics that differ between two rows (`qexp diff`). */
export function diffRows(a: ExpRow, b: ExpRow): RowDiff {
  const keys = (x: object, y: object) => [...new Set([...Object.keys(x), ...Object.keys(y)])];
  return {
    params: keys(a.params, b.params)
      .sort()
      .filter((k) => !same(a.params[k], b.params[k]))
      .map((k) => ({ key: k, a: a.params[k], b: b.params[k] })),
    metrics: keys(a.metrics, b.metrics)
      .filter((k) => a.metrics[k] !== b.metrics[k])
      .map((k) => {
        const x = a.metrics[k];
        const y = b.metrics[k];
        return { key: k, a: x, b: y, change: x === undefined || y === undefined ? undefined : y - x };
      }),
  };
}

export function renderDiff(a: ExpRow, b: ExpRow, d: RowDiff, format: 'text' | 'md'): string {
  const sign = (v: number | undefined) => (v === undefined ? '' : `${v >= 0 ? '+' : ''}${v.toFixed(4)}`);
  const rows = [
    ...d.params.map((p) => ['param', p.key, showParam(p.a), showParam(p.b), '']),
    ...d.metrics.map((m) => ['metric', m.key, showMetric(m.a), showMetric(m.b), sign(m.change)]),
  ];
  const head = ['', '', a.id, b.id, 'change'];
  if (rows.length === 0) return `${a.id} and ${b.id} have the same parameters and metrics\n`;
  if (format === 'md') {
    const esc = (s: string) => s.replace(/\|/g, '\\|');
    return `${[head, ['---', '---', '---', '---', '---:'], ...rows].map((r) => `| ${r.map(esc).join(' | ')} |`).join('\n')}\n`;
  }
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] as string).length)));
  return `${all
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')}\n`;
}
