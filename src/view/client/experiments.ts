import type { ExperimentSummary, ExperimentView, RunInfo, StageDetail, StageRow, StoreState } from '../types.js';
import { api } from './api.js';
import { badge, type Child, fmt, fmtBytes, fmtInt, fmtMs, fmtTime, fmtUsd, h, type Rendered, route, svg, table } from './dom.js';

const STATES = ['running', 'failed', 'interrupted', 'waiting', 'stale', 'pending', 'done'] as const;

function stateBadges(states: Partial<Record<string, number>>): HTMLElement {
  return h(
    'span',
    null,
    STATES.filter((s) => states[s]).map((s) => [h('span', { class: `badge s-${s}` }, `${states[s]} ${s}`), ' ']),
  );
}

/** A run's status; a run marked running whose process is gone was interrupted. */
function runBadge(r: RunInfo): HTMLElement {
  const status = r.status === 'running' && !r.alive ? 'interrupted' : r.status;
  return h('span', { class: `badge s-${status === 'ok' ? 'done' : status}` }, status);
}

function runCell(r: RunInfo | null): Child {
  if (!r) return h('span', { class: 'muted' }, 'never run');
  return [runBadge(r), ' ', h('span', { class: 'muted small' }, fmtTime(r.startedAt))];
}

export async function experimentsPage(): Promise<Rendered> {
  const data = await api<{ store: StoreState; items: ExperimentSummary[] }>(['experiments']);
  if (data.items.length === 1 && data.items[0]) {
    location.replace(route(['e', data.items[0].name]));
    return { content: h('p', { class: 'muted' }, 'Opening the experiment…') };
  }
  const rows = data.items.map((e) =>
    h(
      'tr',
      null,
      h(
        'td',
        null,
        h('a', { href: route(['e', e.name]) }, e.name),
        e.description ? h('div', { class: 'muted small' }, e.description) : null,
      ),
      h('td', { class: 'mono small' }, e.file, e.problem ? h('div', { class: 'note small' }, e.problem) : null),
      h('td', { class: 'num' }, e.variants),
      h('td', null, stateBadges(e.states)),
      h('td', null, runCell(e.lastRun)),
    ),
  );
  return {
    content: [
      h('h1', null, 'Experiments'),
      h('p', { class: 'muted' }, `${data.items.length} in this store.`),
      data.items.length === 0
        ? h(
            'p',
            { class: 'note' },
            'No experiment has run into this store yet: run one with qexp run FILE, or open one with qexp view FILE.',
          )
        : table(['experiment', 'file', { label: 'variants', num: true }, 'stages', 'last run'], rows),
    ],
  };
}

const TABS = [
  ['stages', 'Stages'],
  ['queries', 'Queries'],
  ['compare', 'Compare rows'],
  ['llm', 'LLM cost'],
] as const;

/** An experiment's header and tabs, around the tab's own content (or the stages when the tab has none). */
export async function experimentPage(
  name: string,
  tab: string,
  params: URLSearchParams,
  inner: (view: ExperimentView) => Promise<Rendered | null>,
): Promise<Rendered> {
  const view = await api<ExperimentView>(['experiments', name]);
  const body = (await inner(view)) ?? stagesTab(view, params);
  const running = view.stages.some((s) => s.state === 'running');
  return {
    crumbs: [{ label: view.name, href: route(['e', view.name]) }],
    refreshMs: running && (tab === 'stages' || tab === 'llm') ? 5000 : body.refreshMs,
    content: [
      h('h1', null, view.name),
      view.description ? h('div', { class: 'muted' }, view.description) : null,
      h('div', { class: 'mono small muted' }, view.file),
      view.problem ? h('p', { class: 'note' }, view.problem) : null,
      h(
        'nav',
        { class: 'tabs' },
        TABS.map(([key, label]) => h('a', { href: route(['e', view.name, key]), class: key === tab ? 'on' : undefined }, label)),
      ),
      body.content,
    ],
  };
}

function stageTable(view: ExperimentView, rows: StageRow[]): HTMLElement {
  return table(
    ['stage', 'kind', 'state', 'started', { label: 'took', num: true }, 'fingerprint', 'why / notes'],
    rows.map((s) =>
      h(
        'tr',
        { data: { stage: s.stage } },
        h('td', { class: 'nowrap' }, h('a', { href: route(['e', view.name, 'stage', s.fingerprint]) }, s.stage)),
        h('td', { class: 'muted' }, s.kind),
        h('td', null, badge(s.state)),
        h('td', { class: 'small time' }, fmtTime(s.startedAt)),
        h('td', { class: 'num' }, fmtMs(s.durationMs)),
        h('td', { class: 'mono small', title: s.fingerprint }, s.fingerprint.slice(0, 12)),
        h(
          'td',
          null,
          s.reasons.length
            ? h(
                'ul',
                { class: 'reasons' },
                s.reasons.map((r) => h('li', null, r)),
              )
            : null,
          s.sharedWith.length
            ? h('div', { class: 'muted small' }, `shared with ${s.sharedWith.length} other variant${s.sharedWith.length === 1 ? '' : 's'}`)
            : null,
        ),
      ),
    ),
  );
}

function stagesTab(view: ExperimentView, params: URLSearchParams): Rendered {
  const names = view.variants.length ? view.variants.map((v) => v.name) : [...new Set(view.stages.map((s) => s.variant))];
  const variant = params.get('variant') && names.includes(params.get('variant') as string) ? (params.get('variant') as string) : names[0];
  const counts = (v: string) => {
    const c: Record<string, number> = {};
    for (const s of view.stages) if (s.variant === v) c[s.state] = (c[s.state] ?? 0) + 1;
    return c;
  };
  const rows = view.stages.filter((s) => s.variant === variant);
  return {
    content: [
      view.missing.length ? h('p', { class: 'note' }, `The report waits for: ${view.missing.join(', ')}.`) : null,
      names.length > 1
        ? [
            h('h3', null, `${names.length} variants`),
            h(
              'div',
              { class: 'variants' },
              names.map((v) =>
                h(
                  'a',
                  { href: route(['e', view.name, 'stages'], { variant: v }), class: v === variant ? 'on' : undefined },
                  v,
                  ' ',
                  stateBadges(counts(v)),
                ),
              ),
            ),
          ]
        : null,
      h('h2', null, names.length > 1 ? `Stages of ${variant}` : 'Stages'),
      stageTable(view, rows),
      view.runs.length
        ? [
            h('h2', null, 'Runs'),
            table(
              ['run', 'status', 'started', 'finished', 'command'],
              view.runs.map((r) =>
                h(
                  'tr',
                  null,
                  h('td', { class: 'mono small' }, r.runId),
                  h('td', null, runBadge(r)),
                  h('td', { class: 'small time' }, fmtTime(r.startedAt)),
                  h('td', { class: 'small time' }, fmtTime(r.finishedAt)),
                  h('td', { class: 'mono small' }, r.argv.join(' ')),
                ),
              ),
            ),
          ]
        : null,
    ],
  };
}

function kv(pairs: [string, Child][]): HTMLElement {
  return h(
    'dl',
    { class: 'kv' },
    pairs.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]),
  );
}

export function llmStats(l: NonNullable<StageDetail['llm']>): HTMLElement {
  const stat = (v: Child, k: string, title?: string) =>
    h('div', { class: 'stat', title }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k));
  return h(
    'div',
    { class: 'summary' },
    stat(fmtInt(l.queries), 'queries'),
    stat(fmtInt(l.answers), 'answers (ledger)'),
    stat(fmtInt(l.sent), 'requests sent'),
    stat(fmtInt(l.cached), 'answered from the ledger'),
    stat(fmtInt(l.promptTokens), 'prompt tokens'),
    stat(fmtInt(l.completionTokens), 'completion tokens', l.estimatedTokens ? `${l.estimatedTokens} answers' tokens estimated` : undefined),
    stat(fmtUsd(l.costUsd), 'cost', l.costNote ?? undefined),
    stat(fmtUsd(l.costPer1kUsd), '$ / 1k queries', l.costNote ?? undefined),
    stat(fmtMs(l.latencyP50Ms), 'latency p50'),
    stat(fmtMs(l.latencyP95Ms), 'latency p95'),
    stat(
      fmtInt(Object.values(l.errors).reduce((a, b) => a + b, 0)),
      'failed attempts',
      Object.entries(l.errors)
        .map(([k, n]) => `${k}: ${n}`)
        .join(', '),
    ),
  );
}

export async function stagePage(name: string, fp: string): Promise<Rendered> {
  const s = await api<StageDetail>(['experiments', name, 'stages', fp]);
  // the error is shown whole below: a reason that only repeats its first line is left out
  const firstLine = s.error?.split('\n')[0] ?? '';
  const reasons = s.reasons.filter((r) => !firstLine || !r.includes(firstLine));
  const errorTitle = { failed: 'Error', waiting: 'Waiting for', interrupted: 'Interrupted' }[s.status ?? ''] ?? 'Last message';
  const content: Child[] = [
    h('h1', null, s.label, ' ', badge(s.state)),
    h('div', { class: 'muted' }, `${s.kind} stage · `, h('span', { class: 'mono' }, s.fingerprint)),
    reasons.length
      ? h(
          'ul',
          { class: 'reasons' },
          reasons.map((r) => h('li', null, r)),
        )
      : null,
    kv([
      ['used by', s.uses.map((u) => `${u.variant} · ${u.stage}`).join(', ') || '–'],
      ['started', fmtTime(s.startedAt)],
      ['finished', fmtTime(s.finishedAt)],
      ['took', fmtMs(s.durationMs)],
      ['run', h('span', { class: 'mono' }, s.runId ?? '–')],
      ['log', h('span', { class: 'mono' }, s.logPath ?? '–')],
      [
        'inputs',
        Object.entries(s.inputs).length
          ? Object.entries(s.inputs).map(([st, f], i) => [i ? ', ' : '', h('a', { href: route(['e', name, 'stage', f]) }, st)])
          : '–',
      ],
    ]),
    s.error ? [h('h2', null, errorTitle), h('pre', { class: s.status === 'failed' ? 'error' : 'note' }, s.error)] : null,
  ];
  if (s.llm) {
    content.push(h('h2', null, 'LLM'), h('div', { class: 'muted' }, `${s.llm.provider ?? '?'} · ${s.llm.model ?? '?'}`), llmStats(s.llm));
    if (s.llm.costNote) content.push(h('p', { class: 'muted small' }, s.llm.costNote));
    if (Object.keys(s.llm.finishReasons).length)
      content.push(
        h(
          'p',
          { class: 'small' },
          'finish reasons: ',
          Object.entries(s.llm.finishReasons)
            .map(([k, n]) => `${k} ${n}`)
            .join(', '),
        ),
      );
    content.push(await errorsSection(name, fp, 0));
  }
  content.push(summarySection(s));
  content.push(
    h('h2', null, 'Outputs'),
    s.artifacts.length
      ? table(
          ['name', { label: 'size', num: true }, 'path'],
          s.artifacts.map((a) =>
            h('tr', null, h('td', null, a.name), h('td', { class: 'num' }, fmtBytes(a.bytes)), h('td', { class: 'mono small' }, a.path)),
          ),
        )
      : h('p', { class: 'muted' }, 'none recorded'),
    h('h2', null, 'Configuration (fingerprinted)'),
    h('pre', { class: 'json' }, JSON.stringify(s.config, null, 2)),
  );
  return {
    crumbs: [{ label: name, href: route(['e', name]) }, { label: s.stage }],
    content,
    refreshMs: s.state === 'running' ? 5000 : undefined,
  };
}

async function errorsSection(name: string, fp: string, offset: number): Promise<HTMLElement> {
  const page = await api<{ total: number; offset: number; limit: number; items: import('../types.js').LlmErrorInfo[] }>(
    ['experiments', name, 'stages', fp, 'errors'],
    { offset, limit: 50 },
  );
  const box = h('div', { id: 'llm-errors' });
  box.append(
    h('h2', null, `Failed attempts (${fmtInt(page.total)})`),
    page.total === 0
      ? h('p', { class: 'muted' }, 'none')
      : table(
          ['request', { label: 'attempt', num: true }, 'kind', { label: 'status', num: true }, 'final', 'message'],
          page.items.map((e) =>
            h(
              'tr',
              null,
              h('td', { class: 'mono small', title: e.key }, e.key.slice(0, 12)),
              h('td', { class: 'num' }, e.attempt),
              h('td', null, e.kind),
              h('td', { class: 'num' }, e.status ?? '–'),
              h('td', null, e.final ? badge('failed') : h('span', { class: 'muted' }, 'retried')),
              h('td', { class: 'small' }, e.message),
            ),
          ),
        ),
  );
  if (page.total > page.offset + page.limit)
    box.append(
      h(
        'button',
        {
          on: {
            click: async () => box.replaceWith(await errorsSection(name, fp, page.offset + page.limit)),
          },
        },
        `next ${page.limit} →`,
      ),
    );
  return box;
}

function summarySection(s: StageDetail): Child {
  const sum = s.summary as Record<string, unknown> | null;
  if (!sum) return null;
  if (s.kind === 'feedback') {
    const pools = sum.pools as { pool: string; candidates: number; mean: number; meanAlone: number; betterThanAlone: number }[];
    return [
      h('h2', null, 'Feedback by pool'),
      table(
        [
          'pool',
          { label: 'candidates', num: true },
          { label: 'mean', num: true },
          { label: 'query alone', num: true },
          { label: 'better than alone', num: true },
        ],
        pools.map((p) =>
          h(
            'tr',
            null,
            h('td', null, p.pool),
            h('td', { class: 'num' }, fmtInt(p.candidates)),
            h('td', { class: 'num' }, fmt(p.mean)),
            h('td', { class: 'num' }, fmt(p.meanAlone)),
            h(
              'td',
              { class: 'num' },
              `${fmtInt(p.betterThanAlone)} (${((100 * p.betterThanAlone) / Math.max(p.candidates, 1)).toFixed(0)}%)`,
            ),
          ),
        ),
      ),
    ];
  }
  if (s.kind === 'evaluate') {
    const all = sum.all as { dataset: string; measure: string; value: number }[];
    return [
      h('h2', null, 'Aggregates'),
      table(
        ['dataset', 'measure', { label: 'value', num: true }],
        all.map((r) => h('tr', null, h('td', null, r.dataset), h('td', null, r.measure), h('td', { class: 'num' }, fmt(r.value)))),
      ),
    ];
  }
  if (s.kind === 'pairs') return pairSummary(sum);
  return [h('h2', null, 'Summary'), h('pre', { class: 'json' }, JSON.stringify(sum, null, 2))];
}

/** A pairs stage's summary: counts, why queries have no pair, which pool wins, and the Δ histogram. */
function pairSummary(sum: Record<string, unknown>): Child {
  const n = (k: string) => (typeof sum[k] === 'number' ? (sum[k] as number) : null);
  const counts = (v: unknown) => Object.entries((v ?? {}) as Record<string, number>);
  const bins = (Array.isArray(sum.delta_histogram) ? sum.delta_histogram : []) as { from: number; to: number; count: number }[];
  // the bins run to the largest possible Δ: the empty ones above the largest pair's say nothing
  const last = bins.reduce((at, b, i) => (b.count > 0 ? i : at), 0);
  const hist = bins.slice(0, last + 1);
  const most = Math.max(1, ...hist.map((b) => b.count));
  const stat = (v: Child, k: string) => h('div', { class: 'stat' }, h('div', { class: 'v' }, v), h('div', { class: 'k' }, k));
  return [
    h('h2', null, 'Pairs'),
    h(
      'div',
      { class: 'summary' },
      stat(fmtInt(n('pairs')), 'pairs'),
      stat(fmtInt(n('queries_with_pairs')), `of ${fmtInt(n('queries'))} queries have one`),
      stat(fmtInt(n('candidates')), 'candidates'),
    ),
    h(
      'div',
      { class: 'side' },
      h(
        'div',
        null,
        h('h3', null, 'Queries without a pair'),
        counts(sum.queries_without_pair).length
          ? table(
              ['why', { label: 'queries', num: true }],
              counts(sum.queries_without_pair).map(([k, v]) => h('tr', null, h('td', null, k), h('td', { class: 'num' }, fmtInt(v)))),
            )
          : h('p', { class: 'muted' }, 'none'),
        h('h3', null, 'By pool'),
        table(
          ['pool', { label: 'chosen in pairs', num: true }, { label: 'best candidate of a query', num: true }],
          counts(sum.chosen_by_pool).map(([k, v]) =>
            h(
              'tr',
              null,
              h('td', null, k),
              h('td', { class: 'num' }, fmtInt(v)),
              h('td', { class: 'num' }, fmtInt((sum.best_by_pool as Record<string, number> | undefined)?.[k])),
            ),
          ),
        ),
      ),
      h(
        'div',
        null,
        h('h3', null, 'Δ of the pairs'),
        table(
          ['Δ', { label: 'pairs', num: true }, ''],
          hist.map((b) =>
            h(
              'tr',
              null,
              h('td', { class: 'mono small' }, `${b.from.toFixed(2)} – ${b.to.toFixed(2)}`),
              h('td', { class: 'num' }, fmtInt(b.count)),
              h(
                'td',
                { class: 'bar-cell' },
                svg(
                  'svg',
                  { width: 160, height: 10 },
                  svg('rect', { x: 0, y: 0, height: 10, width: ((160 * b.count) / most).toFixed(1), fill: '#2458c6' }),
                ),
              ),
            ),
          ),
        ),
      ),
    ),
  ];
}
