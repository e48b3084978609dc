#!/usr/bin/env node
// Screenshots the main pages of `qexp view` in headless Chromium (playwright-core):
//   node scripts/view-screenshots.mjs experiments/quickstart.yaml docs/view [--a ROW --b ROW] [--store PATH] [--pages stages,llm]
// Starts `qexp view FILE` on a free port over the experiment's store (run it first), visits the
// stages, a pairs stage, the query list, the query with the largest pair Δ, two rows compared with
// the query where B gains most open, the LLM ledger and a generate stage; writes view-*.png into the folder and prints each one's size.
// Chromium: $CHROMIUM, else /usr/bin/chromium (Debian: apt-get install chromium).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    store: { type: 'string' },
    a: { type: 'string', default: '0' },
    b: { type: 'string' },
    width: { type: 'string', default: '1280' },
    pages: { type: 'string', default: 'stages,pairs-stage,queries,query,compare,llm,generate-stage' },
  },
});
const [file, outDir] = positionals;
if (!file || !outDir) {
  console.error('usage: node scripts/view-screenshots.mjs EXPERIMENT.yaml OUT_DIR [--a ROW] [--b ROW] [--store PATH]');
  process.exit(2);
}
mkdirSync(outDir, { recursive: true });

const cli = new URL('../dist/cli/main.js', import.meta.url).pathname;
const view = spawn(process.execPath, [cli, 'view', file, ...(opt.store ? ['--store', opt.store] : [])], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let out = '';
  view.stdout.on('data', (c) => {
    out += c;
    const m = /qexp view: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
    if (m) resolve(m[1]);
  });
  view.on('exit', (code) => reject(new Error(`qexp view exited ${code} before printing its URL`)));
});

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: Number(opt.width), height: 900 }, deviceScaleFactor: 1 });
  const api = async (path) => (await fetch(new URL(`api/${path}`, url))).json();
  const exp = (await api('experiments')).items.find(() => true);
  if (!exp) throw new Error('the store holds no experiment: run it first');
  const name = encodeURIComponent(exp.name);
  const detail = await api(`experiments/${name}`);

  /** Opens a page, waits until it has rendered, and screenshots it (at most `maxHeight` tall). */
  const pages = opt.pages.split(',');
  const shot = async (hash, png, ready, maxHeight = 1400, click = null) => {
    if (!pages.includes(png.replace(/^view-|\.png$/g, ''))) return;
    await page.goto(`${url}#/e/${name}${hash}`);
    await page.waitForSelector('body[data-state=ready]');
    if (click) await page.click(click);
    if (ready) await page.waitForSelector(ready);
    const height = Math.min(maxHeight, await page.evaluate(() => Math.ceil(document.querySelector('main').getBoundingClientRect().bottom)));
    const path = join(outDir, png);
    await page.screenshot({ path, fullPage: true, clip: { x: 0, y: 0, width: Number(opt.width), height } });
    console.log(`${path}: ${opt.width}×${height}`);
  };

  await shot('', 'view-stages.png', 'tr[data-stage]');
  const pairs = detail.stages.find((s) => s.kind === 'pairs' && s.state === 'done');
  if (pairs) await shot(`/stage/${pairs.fingerprint}`, 'view-pairs-stage.png', 'h2');
  await shot('/queries', 'view-queries.png', 'tr[data-qid]');
  const top = (await api(`experiments/${name}/queries?sort=maxDelta&order=desc&limit=1`)).items[0];
  if (top) await shot(`/q/${encodeURIComponent(top.qid)}`, 'view-query.png', '.card', 2200);
  const b = opt.b ?? String(Math.min(detail.rows.length - 1, 2));
  // the query where B gains most, opened: both rows' expansions side by side
  if (detail.rows.length >= 2) await shot(`/compare?a=${opt.a}&b=${b}`, 'view-compare.png', 'tr.detail .compare-side', 1500, 'tbody tr[data-qid]');
  await shot('/llm', 'view-llm.png', 'main table, main .note, main p');
  const gen = detail.stages.find((s) => s.kind === 'generate' && s.state === 'done');
  if (gen) await shot(`/stage/${gen.fingerprint}`, 'view-generate-stage.png', 'h2');
} finally {
  await browser.close();
  view.kill('SIGINT');
}
