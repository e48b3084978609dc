import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeToyCollection } from '../helpers/toy-collection.js';
import { Workspace } from '../helpers/workspace.js';
import { launchChromium, NO_CHROMIUM, startView } from './helpers.js';

const N = 20_000;
const ws = new Workspace();
let view: Awaited<ReturnType<typeof startView>>;

const EXPERIMENT = `name: big
datasets:
  toy: {queries: data/queries.tsv, qrels: data/qrels.txt, corpus: data/corpus.tsv}
models:
  good: {provider: replay, file: good.jsonl}
prompts:
  p: {messages: [{role: user, content: "{{query}}"}]}
stages:
  data: {kind: dataset, dataset: toy}
  idx: {kind: index, corpus: data}
  teacher: {kind: generate, model: good, prompt: p, queries: data}
  feedback: {kind: feedback, index: idx, qrels: data, pool: [teacher]}
  bm25: {kind: retrieve, index: idx, topics: data, hits: 10}
  run-teacher: {kind: retrieve, index: idx, topics: data, expansions: teacher, hits: 10}
  ev-bm25: {kind: evaluate, run: bm25, qrels: data, measures: [nDCG@10]}
  ev-teacher: {kind: evaluate, run: run-teacher, qrels: data, measures: [nDCG@10]}
`;

async function get<T>(path: string): Promise<{ body: T; bytes: number }> {
  const res = await fetch(new URL(`api/${path}`, view.url));
  expect(res.status, path).toBe(200);
  const text = await res.text();
  return { body: JSON.parse(text) as T, bytes: Buffer.byteLength(text) };
}

beforeAll(async () => {
  // the expansion helps two queries in three
  writeToyCollection(
    ws,
    N,
    (i) => (i % 3 ? Array(8).fill(`w${i}c w${i}d`).join(' ') : `w${(i + 1) % N}c off`),
    () => 'unused',
  );
  ws.write('exp.yaml', EXPERIMENT);
  const run = await ws.qexp(['run', 'exp.yaml']);
  expect(run.exitCode, run.all).toBe(0);
  view = await startView(ws, ['exp.yaml'], {});
}, 300_000);

afterAll(async () => {
  view?.proc.kill('SIGINT');
  await view?.proc;
  ws.remove();
});

describe(`qexp view over ${N.toLocaleString('en-US')} queries`, () => {
  it('pages the query list: at most 500 rows an answer, searchable and sortable over all of them', async () => {
    type List = { total: number; items: { qid: string; gain: number | null; expansions: number }[] };
    const first = await get<List>('experiments/big/queries?limit=500');
    expect(first.body.total).toBe(N);
    expect(first.body.items).toHaveLength(500);
    expect(first.bytes).toBeLessThan(150_000);
    const last = await get<List>('experiments/big/queries?limit=500&offset=19900');
    expect(last.body.items.map((i) => i.qid)).toEqual(Array.from({ length: 100 }, (_, k) => `q${19900 + k}`));
    const found = await get<List>('experiments/big/queries?search=q19999');
    expect(found.body.items.map((i) => i.qid)).toEqual(['q19999']);
    const worst = await get<List>('experiments/big/queries?sort=gain&order=asc&limit=1');
    const best = await get<List>('experiments/big/queries?sort=gain&order=desc&limit=1');
    expect(worst.body.items[0]?.gain).toBeLessThanOrEqual(0);
    expect(best.body.items[0]?.gain).toBeGreaterThan(0);
  });

  it('compares two rows over every query in a bounded answer', async () => {
    type Cmp = { total: number; items: unknown[]; counts: Record<'better' | 'same' | 'worse', number>; deltas: number[] };
    const cmp = await get<Cmp>('experiments/big/compare?a=0&b=1&dataset=toy&measure=nDCG@10');
    expect(cmp.body.counts.better + cmp.body.counts.same + cmp.body.counts.worse).toBe(N);
    expect(cmp.body.counts.better).toBeGreaterThan(N / 2);
    expect(cmp.body.items).toHaveLength(100);
    expect(cmp.body.deltas).toHaveLength(1000);
    expect(cmp.bytes).toBeLessThan(100_000);
    const q = await get<{ query: string; generations: { expansions: { text: string }[] }[] }>('experiments/big/queries/q12346');
    expect(q.body.query).toBe('w12346a w12346b');
    expect(q.body.generations[0]?.expansions[0]?.text).toBe(Array(8).fill('w12346c w12346d').join(' '));
  });

  it.skipIf(NO_CHROMIUM)('the page shows one page of queries at a time and steps through them', async () => {
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      await page.goto(`${view.url}#/e/big/queries`);
      await page.waitForSelector('.pager .range');
      expect(await page.textContent('.pager .range')).toBe('1–100 of 20,000');
      expect(await page.locator('tbody tr[data-qid]').count()).toBe(100);
      await page.click('.pager button:has-text("next")');
      await page.locator('.pager .range', { hasText: '101–200 of 20,000' }).waitFor();
      expect(await page.textContent('tbody tr[data-qid] td')).toBe('q100');
    } finally {
      await browser?.close();
    }
  });
});
