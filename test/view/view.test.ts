import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatServer, startChatServer } from '../helpers/chat-server.mjs';
import { Workspace } from '../helpers/workspace.js';
import { launchChromium, NO_CHROMIUM, openView, rawGet, startView, VIEW_EXPERIMENT, writeViewExperiment, XSS } from './helpers.js';

const KEY = 'sk-view-test-0123456789abcdefSECRET';
const ws = new Workspace();
let server: ChatServer;
let env: Record<string, string>;
let view: Awaited<ReturnType<typeof startView>>;
let storeSha: string;
const STORE = ws.path('results/qexp.duckdb');
const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** Fingerprint of a (variant, stage), read from the store. */
async function fp(stage: string, variant = 'pairs.min_delta=0.05'): Promise<string> {
  const rows = await ws.sql(`SELECT fingerprint FROM variant_stages WHERE stage = '${stage}' AND variant = '${variant}'`);
  return String(rows[0]?.fingerprint);
}

async function api<T = Record<string, unknown>>(path: string): Promise<{ status: number; body: T; text: string }> {
  const res = await fetch(new URL(`api/${path}`, view.url));
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as T, text };
}

beforeAll(async () => {
  writeViewExperiment(ws, KEY);
  // each stage's first request for query q1 fails once with a server error: the ledger records the attempt
  server = await startChatServer({ latencyMs: 2, behave: (r) => (r.prompt.endsWith('w1a w1b') && r.repeat === 0 ? '500' : 'ok') });
  env = { VIEW_LLM_URL: server.url, VIEW_TEST_KEY: KEY };
  const run = await ws.qexp(['run', 'exp.yaml'], env);
  expect(run.exitCode, run.all).toBe(0);
  storeSha = sha(STORE);
  view = await startView(ws, ['exp.yaml'], env);
}, 180_000);

afterAll(async () => {
  view?.proc.kill('SIGINT');
  const r = await view?.proc;
  await server?.close();
  ws.remove();
  // Ctrl-C stops the viewer cleanly
  expect(r?.exitCode, r?.all).toBe(0);
});

describe('qexp view: the server', () => {
  it('listens on 127.0.0.1 and serves the page under a policy that runs only its own scripts', async () => {
    expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(view.output()).toMatch(/viewtoy, store results\/qexp\.duckdb, read-only/);
    const res = await fetch(view.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    expect(await res.text()).toContain('<script type="module" src="/static/app.js">');
    expect((await fetch(new URL('static/app.js', view.url))).status).toBe(200);
    expect((await fetch(new URL('static/../server.js', view.url))).status).toBe(404);
  });

  it('refuses another Host (DNS rebinding), any method but GET, and unknown routes', async () => {
    const port = new URL(view.url).port;
    expect((await rawGet(`${view.url}api/experiments`, { host: `evil.example:${port}` })).status).toBe(403);
    expect((await rawGet(`${view.url}api/experiments`, {}, 'POST')).status).toBe(405);
    expect((await rawGet(`${view.url}api/experiments`, {}, 'DELETE')).status).toBe(405);
    const missing = await api<{ error: string }>('experiments/viewtoy/nothing');
    expect(missing.status).toBe(404);
    expect(missing.body.error).toMatch(/no API route/);
    expect((await api('experiments/other')).status).toBe(404);
  });

  it('bounds every list: limit is at most 500, bad parameters get 400 and say why', async () => {
    const page = await api<{ total: number; items: { qid: string }[] }>('experiments/viewtoy/queries?limit=5&offset=5');
    expect(page.body.total).toBe(12);
    expect(page.body.items.map((i) => i.qid)).toEqual(['q5', 'q6', 'q7', 'q8', 'q9']);
    const big = await api<{ error: string }>('experiments/viewtoy/queries?limit=501');
    expect(big.status).toBe(400);
    expect(big.body.error).toBe('limit must be an integer from 1 to 500');
    expect((await api('experiments/viewtoy/queries?sort=nonsense')).status).toBe(400);
    expect((await api('experiments/viewtoy/compare?a=0&b=9&dataset=toy&measure=nDCG@10')).status).toBe(404);
  });
});

describe.skipIf(NO_CHROMIUM)('qexp view in headless Chromium', () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it("opens on the experiment: each variant's stages with state, time taken and fingerprint", async () => {
    await page.goto(view.url);
    await page.waitForSelector('tr[data-stage="pairs"]');
    expect(page.url()).toMatch(/#\/e\/viewtoy$/);
    // paths as the command line prints them: relative to where qexp view started
    expect(await page.textContent('#store')).toBe('results/qexp.duckdb');
    expect(await page.textContent('main')).toContain('exp.yaml');
    expect(await page.textContent('main')).not.toContain(ws.path('exp.yaml'));
    const rows = await page.$$eval('tbody tr[data-stage]', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    expect(rows.map((r) => r[0]).sort()).toEqual(
      [
        'bm25',
        'bm25-f',
        'data',
        'data-f',
        'ev-bm25',
        'ev-bm25-f',
        'ev-rm3-f',
        'ev-student',
        'ev-teacher',
        'feedback',
        'idx',
        'pairs',
        'rm3-f',
        'run-student',
        'run-teacher',
        'student',
        'teacher-fs',
        'teacher-zs',
      ].sort(),
    );
    expect(rows.every((r) => r[2] === 'done')).toBe(true);
    const pairsRow = rows.find((r) => r[0] === 'pairs') as string[];
    expect(pairsRow[5]).toBe((await fp('pairs')).slice(0, 12));
    expect(pairsRow[4]).toMatch(/^\d+(\.\d+)? (ms|s)$/);
    // the other variant has its own pairs stage, and shares the rest
    await page.click('.variants a:has-text("pairs.min_delta=0.3")');
    await page.waitForSelector('h2:has-text("Stages of pairs.min_delta=0.3")');
    expect(await page.textContent('tr[data-stage="pairs"] td:nth-child(6)')).toBe((await fp('pairs', 'pairs.min_delta=0.3')).slice(0, 12));
    expect(await page.textContent('tr[data-stage="feedback"]')).toContain('shared with 1 other variant');
  });

  it("a pairs stage's page counts its pairs and draws their Δ as the stage wrote them", async () => {
    const art = await ws.sql(
      `SELECT path FROM artifacts WHERE fingerprint = '${await fp('pairs', 'pairs.min_delta=0.3')}' AND name = 'pairs'`,
    );
    const deltas = readFileSync(String(art[0]?.path), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).delta as number);
    expect(deltas.length).toBeGreaterThan(0);
    await page.click('tr[data-stage="pairs"] a');
    // the stage's own heading: the experiment page may still be showing, with a "Pairs" heading of its own
    await page.waitForSelector('h1:has-text("pairs [pairs.min_delta=0.3]")');
    await page.waitForSelector('h2:has-text("Pairs")');
    const stats = await page.$$eval('.summary .stat', (els) =>
      els.map((e) => [e.querySelector('.k')?.textContent, e.querySelector('.v')?.textContent]),
    );
    expect(stats[0]).toEqual(['pairs', String(deltas.length)]);
    // the histogram's rows: every pair in one bin, none shown above the largest Δ
    const bins = await page.$$eval('h3:text-is("Δ of the pairs") + table tbody tr', (trs) =>
      trs.map((tr) => {
        const [range, n] = [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '');
        const [from, to] = (range as string).split(' – ').map(Number);
        return { from: from as number, to: to as number, n: Number(n) };
      }),
    );
    expect(bins.reduce((t, b) => t + b.n, 0)).toBe(deltas.length);
    for (const b of bins) expect(b.n).toBe(deltas.filter((d) => d >= b.from && (d < b.to || (b === bins.at(-1) && d <= b.to))).length);
    expect(bins.at(-1)?.n).toBeGreaterThan(0);
    expect(Math.max(...deltas)).toBeLessThanOrEqual(bins.at(-1)?.to as number);
    await page.goBack();
  });

  it('a query page shows each expansion as text (markup never runs), its nDCG@10 and Δ, and the pairs', async () => {
    await page.click('nav.tabs a:has-text("Queries")');
    await page.click('tr[data-qid="q0"] a >> nth=0');
    await page.waitForSelector('.card[data-stage="teacher-zs"] .exp');
    expect(await page.textContent('h1.query-text')).toBe('w0a w0b');
    // the expansion is the model's text, character for character, and nothing in it became an element
    const text = await page.textContent('.card[data-stage="teacher-zs"] .exp[data-sample="0"] pre.expansion');
    expect(text).toBe(`${XSS} ${Array(8).fill('w0c w0d').join(' ')}`);
    expect(await page.$$eval('main img, main script', (els) => els.length)).toBe(0);
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__xss)).toBeUndefined();
    // every generate stage, in the order the file declares them
    expect(await page.$$eval('.card[data-stage] .head .title', (els) => els.map((e) => e.textContent))).toEqual([
      'teacher-zs',
      'teacher-fs',
      'student',
      'pairs [pairs.min_delta=0.05]',
      'pairs [pairs.min_delta=0.3]',
    ]);
    // feedback values as the store has them
    const fb = await ws.sql(
      `SELECT sample, value, baseline FROM feedback WHERE fingerprint = '${await fp('feedback')}' AND qid = 'q0' AND pool = 'teacher-zs' ORDER BY sample`,
    );
    expect(fb).toHaveLength(2);
    for (const r of fb) {
      const box = `.card[data-stage="teacher-zs"] .exp[data-sample="${r.sample}"]`;
      expect(await page.textContent(`${box} .value`)).toBe(Number(r.value).toFixed(4));
      const gain = Number(r.value) - Number(r.baseline);
      expect(await page.textContent(`${box} .gain`)).toContain(`${gain > 0 ? '+' : gain < 0 ? '−' : '±'}${Math.abs(gain).toFixed(4)}`);
    }
    expect(await page.textContent('b.alone')).toBe(Number(fb[0]?.baseline).toFixed(4));
    // the pairs and their Δ, from each pairs stage's output
    for (const [variant, i] of [
      ['pairs.min_delta=0.05', 1],
      ['pairs.min_delta=0.3', 2],
    ] as const) {
      const art = await ws.sql(`SELECT path FROM artifacts WHERE fingerprint = '${await fp('pairs', variant)}' AND name = 'pairs'`);
      const pairs = readFileSync(String(art[0]?.path), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((p) => p.qid === 'q0');
      const card = `.card.pairs >> nth=${i - 1}`;
      const deltas = await page.locator(card).locator('.dv').allTextContents();
      expect(deltas).toEqual(pairs.map((p) => p.delta.toFixed(4)));
      expect(deltas.length).toBeGreaterThan(0);
      expect(await page.locator(card).locator('.chosen pre').first().textContent()).toBe(pairs[0].chosen.text);
    }
    // the report rows' values on this query, with what each row's run searched with
    const reportRows = await page.$$eval('tr[data-row]', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].slice(0, 3).map((td) => td.textContent)),
    );
    const evTeacher = await ws.sql(
      `SELECT value FROM metrics WHERE fingerprint = '${await fp('ev-teacher')}' AND measure = 'nDCG@10' AND qid = 'q0'`,
    );
    expect(reportRows).toEqual([
      ['BM25', '–', expect.any(String)],
      ['Teacher', 'teacher-zs · first 2 samples', Number(evTeacher[0]?.value).toFixed(4)],
      ['Student', 'student · first sample', expect.any(String)],
    ]);
    // the next query is one click away
    await page.click('a:has-text("next query")');
    await page.waitForSelector('h1.query-text:has-text("w1a w1b")');
  });

  it('compares two report rows per query: counts, sorting, a filter, both expansions side by side', async () => {
    await openView(page, `${view.url}#/e/viewtoy/compare`);
    await page.waitForSelector('table tr[data-qid]');
    await page.selectOption('select[name=B]', { label: 'Student' });
    await page.locator('p.muted.small', { hasText: 'B = Student' }).waitFor();
    await page.selectOption('select[name=A]', { label: 'BM25' });
    await page.selectOption('select[name=B]', { label: 'Teacher' });
    await page.locator('p.muted.small', { hasText: 'A = BM25; B = Teacher' }).waitFor();
    const per = async (stage: string) =>
      new Map(
        (
          await ws.sql(`SELECT qid, value FROM metrics WHERE fingerprint = '${await fp(stage)}' AND measure = 'nDCG@10' AND qid <> 'all'`)
        ).map((r) => [String(r.qid), Number(r.value)]),
      );
    const a = await per('ev-bm25');
    const b = await per('ev-teacher');
    const d = [...a.keys()].map((q) => (b.get(q) as number) - (a.get(q) as number));
    const stats = await page.$$eval('.summary .stat', (els) =>
      els.map((e) => [e.querySelector('.k')?.textContent, e.querySelector('.v')?.textContent]),
    );
    expect(Object.fromEntries(stats.slice(0, 3))).toEqual({
      'B better': String(d.filter((x) => x > 0).length),
      tied: String(d.filter((x) => x === 0).length),
      'B worse': String(d.filter((x) => x < 0).length),
    });
    expect(d.filter((x) => x > 0).length).toBeGreaterThan(0);
    // sorted by B − A, largest first; one click sorts it the other way
    const shown = async () =>
      (await page.locator('tbody tr[data-qid] td.delta').allTextContents()).map((t) => Number(t.replace('−', '-').replace('±', '')));
    expect(await shown()).toEqual([...d].sort((x, y) => y - x).map((x) => Number(x.toFixed(4))));
    await page.click('th:has-text("B − A")');
    await page.waitForSelector('th.sorted.asc:has-text("B − A")');
    expect(await shown()).toEqual([...d].sort((x, y) => x - y).map((x) => Number(x.toFixed(4))));
    // only the queries where B is better
    await page.selectOption('select[name=outcome]', 'better');
    await expect.poll(() => page.locator('tbody tr[data-qid]').count()).toBe(d.filter((x) => x > 0).length);
    // q0: BM25 used no expansion, the teacher its zero-shot pool; both texts side by side
    await page.click('tbody tr[data-qid="q0"]');
    await page.waitForSelector('tr.detail .side-B .card[data-stage="teacher-zs"]');
    expect(await page.textContent('tr.detail .side-A')).toContain("This row's run used no generated expansion");
    // the teacher's run searched with the query ×5 and both samples (its own formulation over the experiment's)
    expect(await page.textContent('tr.detail .side-B p.formulation')).toBe(
      "The row's run searched with the query ×5 and the first 2 samples (query2doc); each value beside an expansion is its own feedback.",
    );
    expect(await page.getAttribute('tr.detail .side-B .exp[data-sample="0"]', 'class')).toBe('exp used');
    expect(await page.getAttribute('tr.detail .side-B .exp[data-sample="1"]', 'class')).toBe('exp used');
    // the student's run: the experiment's formulation, the first sample only
    const student = await api<{ b: { formulation: unknown } }>('experiments/viewtoy/compare/q0?a=0&b=2&dataset=toy&measure=nDCG@10');
    expect(student.body.b.formulation).toEqual({ mode: 'query2doc', repeatQuery: 5, concat: 1 });
    expect(await page.textContent('tr.detail .side-B .exp[data-sample="0"] pre')).toBe(`${XSS} ${Array(8).fill('w0c w0d').join(' ')}`);
    expect(await page.textContent('tr.detail .side-B h3')).toContain(`nDCG@10 ${(b.get('q0') as number).toFixed(4)}`);
    // the open query is in the address: a link to this view opens it again
    expect(page.url()).toMatch(/open=q0/);
    expect(await page.evaluate(() => (globalThis as Record<string, unknown>).__xss)).toBeUndefined();
  });

  it('filters the comparison by measure and by dataset: the values are those of the measure and dataset chosen', async () => {
    // a compare page of another address (B better only: 8 of the 12 queries) on screen, and the
    // next page's answer held back until the test lets it go: meanwhile the old page must take no
    // input (its controls would build the next address from their own parameters), and `openView`
    // must not return
    await openView(page, `${view.url}#/e/viewtoy/compare?a=0&b=1&outcome=better`);
    expect(await page.locator('tbody tr[data-qid]').count()).toBeLessThan(12);
    const COMPARE_API = /\/api\/experiments\/viewtoy\/compare\?/;
    let release = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    let asked = () => {};
    const requested = new Promise<void>((r) => {
      asked = r;
    });
    await page.route(COMPARE_API, async (route) => {
      asked();
      await held;
      await route.continue();
    });
    let opened = false;
    const opening = openView(page, `${view.url}#/e/viewtoy/compare?a=0&b=1`).then(() => {
      opened = true;
    });
    await requested;
    expect(await page.$eval('main', (m) => (m as unknown as { inert: boolean }).inert)).toBe(true);
    expect(await page.locator('tbody tr[data-qid]').count()).toBeLessThan(12);
    expect(opened).toBe(false);
    release();
    await opening;
    await page.unroute(COMPARE_API);
    expect(await page.$eval('main', (m) => (m as unknown as { inert: boolean }).inert)).toBe(false);
    await page.waitForSelector('table tr[data-qid]');
    const perQuery = async (stage: string, measure: string) =>
      new Map(
        (
          await ws.sql(
            `SELECT qid, value FROM metrics WHERE fingerprint = '${await fp(stage)}' AND measure = '${measure}' AND qid <> 'all'`,
          )
        ).map((r) => [String(r.qid), Number(r.value)]),
      );
    const shown = async () =>
      new Map(
        await page.$$eval('tbody tr[data-qid]', (trs) =>
          trs.map((tr) => [
            tr.getAttribute('data-qid') as string,
            [Number(tr.querySelector('td.a')?.textContent), Number(tr.querySelector('td.b')?.textContent)] as const,
          ]),
        ),
      );
    const expectShown = async (a: Map<string, number>, b: Map<string, number>) => {
      // the caption can change before the rows do: wait (on a loaded machine, long) for the rows
      // to show these values, then compare them, so that a timeout still shows what differs
      const close = (x: number, y: number | undefined) => y !== undefined && Math.abs(x - y) < 5e-5;
      await expect
        .poll(
          async () => {
            const rows = await shown();
            return rows.size === a.size && [...rows].every(([qid, [va, vb]]) => close(va, a.get(qid)) && close(vb, b.get(qid)));
          },
          { timeout: 60_000, interval: 100 },
        )
        .toBe(true)
        .catch(() => {});
      const rows = await shown();
      expect([...rows.keys()].sort()).toEqual([...a.keys()].sort());
      for (const [qid, [va, vb]] of rows) {
        expect(va).toBeCloseTo(a.get(qid) as number, 4);
        expect(vb).toBeCloseTo(b.get(qid) as number, 4);
      }
    };
    // Teacher and BM25 have runs on both datasets, with two measures on toy and one on flipped
    expect(await page.$$eval('select[name=dataset] option', (os) => os.map((o) => o.textContent))).toEqual(['toy', 'flipped']);
    expect(await page.$$eval('select[name=measure] option', (os) => os.map((o) => o.textContent))).toEqual(['nDCG@10', 'AP@100']);
    await page.selectOption('select[name=measure]', 'AP@100');
    await page.locator('p.muted.small', { hasText: 'AP@100 on toy' }).waitFor();
    const apA = await perQuery('ev-bm25', 'AP@100');
    const apB = await perQuery('ev-teacher', 'AP@100');
    await expectShown(apA, apB);
    await page.selectOption('select[name=dataset]', 'flipped');
    await page.locator('p.muted.small', { hasText: 'nDCG@10 on flipped' }).waitFor();
    expect(await page.$$eval('select[name=measure] option', (os) => os.map((o) => o.textContent))).toEqual(['nDCG@10']);
    const fA = await perQuery('ev-bm25-f', 'nDCG@10');
    const fB = await perQuery('ev-rm3-f', 'nDCG@10');
    await expectShown(fA, fB);
    // the datasets judge differently: the filter did change what is compared
    const toyA = await perQuery('ev-bm25', 'nDCG@10');
    expect([...fA].some(([q, v]) => Math.abs(v - (toyA.get(q) as number)) > 0.01)).toBe(true);
    // a row with no run on flipped leaves only the dataset both have
    await page.selectOption('select[name=B]', { label: 'Student' });
    await page.locator('p.muted.small', { hasText: 'B = Student' }).waitFor();
    expect(await page.$$eval('select[name=dataset] option', (os) => os.map((o) => o.textContent))).toEqual(['toy']);
  });

  it("shows each generate stage's ledger: tokens, cost, latency, failed attempts; an unknown price reads –", async () => {
    await openView(page, `${view.url}#/e/viewtoy/llm`);
    await page.waitForSelector('tr[data-stage="student"]');
    const cells = async (stage: string) => page.$$eval(`tr[data-stage="${stage}"] td`, (tds) => tds.map((t) => t.textContent ?? ''));
    const ledger = async (stage: string) =>
      (
        await ws.sql(
          `SELECT count(*) AS n, sum(prompt_tokens) AS p, sum(completion_tokens) AS c, sum(cost_usd) AS usd FROM llm_requests
           WHERE key IN (SELECT request_key FROM generations WHERE fingerprint = '${await fp(stage)}')`,
        )
      )[0] as Record<string, number>;
    const errs = async (stage: string) =>
      Number((await ws.sql(`SELECT count(*) AS n FROM llm_errors WHERE fingerprint = '${await fp(stage)}'`))[0]?.n);
    const student = await cells('student');
    const l = await ledger('student');
    expect(student[3]).toBe(String(l.n));
    expect(student[5]).toBe(Number(l.p).toLocaleString('en-US'));
    expect(student[6]).toBe(Number(l.c).toLocaleString('en-US'));
    expect(Number(l.usd)).toBeGreaterThan(0);
    expect(student[8]).toBe(`$${Number(l.usd) < 0.01 ? Number(l.usd).toPrecision(2) : Number(l.usd).toFixed(2)}`);
    // latency: the nearest-rank median and 95th percentile of the ledger's answers
    const lat = (
      await ws.sql(
        `SELECT latency_ms AS ms FROM llm_requests WHERE key IN (SELECT request_key FROM generations WHERE fingerprint = '${await fp('student')}') ORDER BY ms`,
      )
    ).map((r) => Number(r.ms));
    const rank = (p: number) => lat[Math.ceil((p / 100) * lat.length) - 1] as number;
    expect(lat.length).toBe(Number(l.n));
    expect(student[10]).toBe(`${Math.round(rank(50))} ms`);
    expect(student[11]).toBe(`${Math.round(rank(95))} ms`);
    expect(await errs('student')).toBe(1);
    expect(student[13]).toBe('1');
    const fs = await cells('teacher-fs');
    expect(fs[8]).toBe('–');
    expect(fs[13]).toBe(String(await errs('teacher-fs')));
    expect(await page.textContent('ul.reasons')).toContain('teacher-fs: no price declared (models.big.price): cost unknown');
    // the summary never states a total the ledger cannot give: the priced stages' sum, and how many have no price
    const rows = await page.$$eval('tr[data-stage]', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((t) => t.textContent ?? '')),
    );
    const unpriced = rows.filter((r) => r[8] === '–').length;
    expect(unpriced).toBeGreaterThan(0);
    expect(unpriced).toBeLessThan(rows.length);
    expect(await page.textContent('p.muted')).toMatch(
      new RegExp(`cost of the priced ones \\$[0-9.]+ \\(${unpriced} without a price: unknown\\)`),
    );
    // the stage page lists the failed attempt
    await page.click('tr[data-stage="student"] a');
    await page.waitForSelector('#llm-errors tbody tr');
    expect(await page.textContent('#llm-errors tbody tr')).toMatch(/server.*500.*retried/);
    expect(errors).toEqual([]);
  });
});

describe('qexp view: what it never does', () => {
  it('never sends a secret: not the API key, not one a model echoed into an expansion', async () => {
    const texts: string[] = [];
    const get = async (path: string) => {
      const r = await api(path);
      expect(r.status, path).toBe(200);
      texts.push(r.text);
      return r.body;
    };
    const exp = (await get('experiments/viewtoy')) as { stages: { fingerprint: string }[]; rows: unknown[] };
    await get('experiments');
    await get('experiments/viewtoy/llm');
    for (const s of new Set(exp.stages.map((x) => x.fingerprint))) {
      await get(`experiments/viewtoy/stages/${s}`);
      await get(`experiments/viewtoy/stages/${s}/errors`);
    }
    const list = (await get('experiments/viewtoy/queries?limit=500')) as { items: { qid: string }[] };
    for (const q of list.items) {
      await get(`experiments/viewtoy/queries/${q.qid}`);
      await get(`experiments/viewtoy/compare/${q.qid}?a=0&b=1&dataset=toy&measure=nDCG@10`);
    }
    await get('experiments/viewtoy/compare?a=0&b=2&dataset=toy&measure=AP@100');
    const all = texts.join('\n');
    expect(all).toContain('[redacted]');
    for (let i = 0; i + 8 <= KEY.length; i++) expect(all).not.toContain(KEY.slice(i, i + 8));
  });

  it("shows stages that changed as stale, with the plan's reasons, once the file changes", async () => {
    ws.write(
      'exp.yaml',
      VIEW_EXPERIMENT.replace(
        'bm25: {kind: retrieve, index: idx, topics: data, hits: 100}',
        'bm25: {kind: retrieve, index: idx, topics: data, hits: 50}',
      ).replace('ablations:', '  ev-bm25-r: {kind: evaluate, run: bm25, qrels: data, measures: [R@50]}\nablations:'),
    );
    const view2 = await api<{ stages: { variant: string; stage: string; state: string; reasons: string[] }[] }>('experiments/viewtoy');
    const row = (stage: string) => view2.body.stages.find((s) => s.stage === stage && s.variant === 'pairs.min_delta=0.05');
    expect(row('bm25')).toMatchObject({ state: 'stale', reasons: ['stages.bm25.hits: 100 → 50'] });
    expect(row('ev-bm25')).toMatchObject({ state: 'stale', reasons: ['input bm25 changed'] });
    expect(row('feedback')?.state).toBe('done');
    // a new stage has never run, and names the input it waits for
    expect(row('ev-bm25-r')).toMatchObject({ state: 'pending', reasons: ['never run', 'waits for bm25 (stale)'] });
    ws.write('exp.yaml', VIEW_EXPERIMENT);
  });

  it('writes nothing to the store', () => {
    expect(sha(STORE)).toBe(storeSha);
    expect(existsSync(`${STORE}.wal`)).toBe(false);
  });
});
