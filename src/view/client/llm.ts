import type { ExperimentView, LlmSummary } from '../types.js';
import { api } from './api.js';
import { fmtInt, fmtMs, fmtUsd, h, type Rendered, route, table } from './dom.js';

export async function llmPage(view: ExperimentView): Promise<Rendered> {
  const data = await api<{ items: LlmSummary[] }>(['experiments', view.name, 'llm']);
  if (data.items.length === 0) return { content: h('p', { class: 'muted' }, 'No generate stage has run yet.') };
  const total = (f: (l: LlmSummary) => number | null) => data.items.reduce((a, l) => a + (f(l) ?? 0), 0);
  const unknown = data.items.filter((l) => l.costUsd === null);
  const rows = data.items.map((l) => {
    const errors = Object.values(l.errors).reduce((a, b) => a + b, 0);
    return h(
      'tr',
      { data: { stage: l.stage } },
      h('td', { class: 'nowrap' }, h('a', { href: route(['e', view.name, 'stage', l.fingerprint]) }, l.label)),
      h('td', { class: 'small' }, l.provider ?? '?', h('div', { class: 'muted' }, l.model ?? '')),
      h('td', { class: 'num' }, fmtInt(l.queries)),
      h('td', { class: 'num' }, fmtInt(l.answers)),
      h('td', { class: 'num' }, fmtInt(l.sent)),
      h('td', { class: 'num' }, fmtInt(l.promptTokens)),
      h(
        'td',
        { class: 'num', title: l.estimatedTokens ? `${l.estimatedTokens} answers' tokens estimated` : '' },
        fmtInt(l.completionTokens),
        l.estimatedTokens ? '*' : '',
      ),
      h('td', { class: 'num' }, l.tokensPerQuery === null ? '–' : l.tokensPerQuery.toFixed(1)),
      h('td', { class: 'num cost', title: l.costNote ?? '' }, fmtUsd(l.costUsd)),
      h('td', { class: 'num', title: l.costNote ?? '' }, fmtUsd(l.costPer1kUsd)),
      h('td', { class: 'num' }, fmtMs(l.latencyP50Ms)),
      h('td', { class: 'num' }, fmtMs(l.latencyP95Ms)),
      h(
        'td',
        { class: 'small' },
        Object.entries(l.finishReasons)
          .map(([k, n]) => `${k} ${fmtInt(n)}`)
          .join(', ') || '–',
      ),
      h(
        'td',
        {
          class: 'num errors',
          title: Object.entries(l.errors)
            .map(([k, n]) => `${k}: ${n}`)
            .join(', '),
        },
        errors ? `${fmtInt(errors)}${l.finalErrors ? ` (${l.finalErrors} final)` : ''}` : '0',
      ),
    );
  });
  return {
    content: [
      h(
        'p',
        { class: 'muted' },
        `${data.items.length} generate stage${data.items.length === 1 ? '' : 's'}: `,
        `${fmtInt(total((l) => l.promptTokens + l.completionTokens))} tokens, `,
        unknown.length === data.items.length
          ? 'cost unknown (no stage has a price)'
          : unknown.length
            ? `cost of the priced ones ${fmtUsd(total((l) => l.costUsd))} (${unknown.length} without a price: unknown)`
            : `cost ${fmtUsd(total((l) => l.costUsd))}`,
        ". Counts are of the ledger answers each stage's expansions use, cached or not.",
      ),
      table(
        [
          'stage',
          'provider · model',
          { label: 'queries', num: true },
          { label: 'answers', num: true },
          { label: 'sent', num: true, title: 'requests this stage sent (retries included); the rest came from the ledger' },
          { label: 'prompt tok', num: true },
          { label: 'completion tok', num: true },
          { label: 'tok / query', num: true },
          { label: 'cost', num: true },
          { label: '$ / 1k q', num: true },
          { label: 'p50', num: true },
          { label: 'p95', num: true },
          'finish reasons',
          { label: 'failed attempts', num: true },
        ],
        rows,
      ),
      data.items.some((l) => l.costNote)
        ? h(
            'ul',
            { class: 'reasons' },
            unknown.length ? h('li', null, '– is unknown, not zero.') : null,
            data.items.filter((l) => l.costNote).map((l) => h('li', { class: 'cost-note' }, `${l.label}: ${l.costNote}`)),
          )
        : null,
    ],
  };
}
