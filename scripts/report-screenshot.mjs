#!/usr/bin/env node
// Screenshots an HTML report in headless Chromium and checks that the picture is not blank:
//   node scripts/report-screenshot.mjs results/reports/quickstart/report.html [out.png] [--width W] [--height H]
// The page is drawn in a W×H window (default 1200×6000) and the blank space below it cut off.
// Prints the PNG's path, its size, and the share of inked pixels; exits 1 on a blank page.
// Chromium: $CHROMIUM, else chromium / chromium-browser / google-chrome on the PATH (Debian: apt-get install chromium).
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { PNG } from 'pngjs';

/** The first Chromium that answers --version, or null. */
export function findChromium() {
  for (const c of [process.env.CHROMIUM, 'chromium', 'chromium-browser', 'google-chrome'].filter(Boolean)) {
    try {
      execFileSync(c, ['--version'], { stdio: 'ignore' });
      return c;
    } catch {}
  }
  return null;
}

/**
 * Screenshots `html` into `png` and returns what the page shows: its DOM after load and the share
 * of non-white pixels; with `trim`, the white rows below the last inked one are cut off (a long
 * page is drawn in a tall window).
 */
export function screenshot(html, png, { width = 1200, height = 1600, trim = false } = {}) {
  const chromium = findChromium();
  if (!chromium) throw new Error('no Chromium found: install it (Debian: apt-get install chromium) or set CHROMIUM');
  const url = pathToFileURL(resolve(html)).href;
  const flags = ['--headless=new', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', `--window-size=${width},${height}`];
  execFileSync(chromium, [...flags, `--screenshot=${resolve(png)}`, url], { stdio: 'ignore', timeout: 60_000 });
  const dom = execFileSync(chromium, [...flags, '--dump-dom', url], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
  let img = PNG.sync.read(readFileSync(png));
  let inked = 0;
  let last = 0;
  for (let i = 0; i < img.data.length; i += 4) {
    if (img.data[i] < 200 || img.data[i + 1] < 200 || img.data[i + 2] < 200) {
      inked++;
      last = Math.floor(i / 4 / img.width);
    }
  }
  if (trim && last + 40 < img.height) {
    const cut = new PNG({ width: img.width, height: last + 40 });
    img.data.copy(cut.data, 0, 0, cut.width * cut.height * 4);
    writeFileSync(png, PNG.sync.write(cut));
    img = cut;
  }
  return { dom, width: img.width, height: img.height, inked: inked / (img.width * img.height) };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { width: { type: 'string' }, height: { type: 'string' } } });
  const [html, out = 'report.png'] = positionals;
  if (!html) {
    console.error('usage: node scripts/report-screenshot.mjs REPORT.html [OUT.png] [--width W] [--height H]');
    process.exit(2);
  }
  const r = screenshot(html, out, { width: Number(values.width ?? 1200), height: Number(values.height ?? 6000), trim: true });
  const rows = (r.dom.match(/<tr>/g) ?? []).length;
  console.log(`${out}: ${r.width}×${r.height}, ${(100 * r.inked).toFixed(1)}% inked, ${rows} table rows in the rendered page`);
  if (r.inked < 0.005 || !r.dom.includes('<table id="results">')) {
    console.error('the page looks blank: no results table, or almost no ink');
    process.exit(1);
  }
}
