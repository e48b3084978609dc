import { copyFileSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, screenshot } from '../../scripts/report-screenshot.mjs';
import { Workspace } from '../helpers/workspace.js';

const FAKE = resolve(dirname(fileURLToPath(import.meta.url)), 'fake-trainer.py');

/**
 * Twelve queries, each with three relevant documents (`wIc`, `wId`, `wIe`, of different lengths)
 * that lack the query's second word, and three non-relevant ones that have it. Pool `a` names
 * 3, 2, 1 or 0 of the missing words, pool `b` 0, 1 or 2: the retrieval feedback of the two
 * differs by query, so min_delta keeps more or fewer pairs.
 */
function writeData(ws: Workspace): void {
  const n = 12;
  const W = ['c', 'd', 'e'];
  const queries: string[] = [];
  const docs: string[] = [];
  const qrels: string[] = [];
  for (let i = 0; i < n; i++) {
    queries.push(`q${i}\tw${i}a w${i}b`);
    for (let k = 0; k < 3; k++) {
      const pad = Array.from({ length: 1 + 4 * k + (i % 3) }, (_, j) => `pad${j}`).join(' ');
      docs.push(`r${i}${k}\tw${i}a w${i}${W[k]} ${pad}`);
      qrels.push(`q${i} 0 r${i}${k} 1`);
      docs.push(`x${i}${k}\tw${i}a w${i}b other${k}`);
    }
  }
  const words = (i: number, k: number) =>
    Array(6)
      .fill(
        W.slice(0, k)
          .map((w) => `w${i}${w}`)
          .join(' '),
      )
      .join(' ');
  const pool = (f: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => `${JSON.stringify({ qid: `q${i}`, text: f(i) })}\n`).join('');
  ws.write('data/queries.tsv', `${queries.join('\n')}\n`);
  ws.write('data/corpus.tsv', `${docs.join('\n')}\n`);
  ws.write('data/qrels.txt', `${qrels.join('\n')}\n`);
  ws.write(
    'a.jsonl',
    pool((i) => words(i, [3, 2, 1, 0][i % 4] as number) || `w${i}a`),
  );
  ws.write(
    'b.jsonl',
    pool((i) => words(i, [0, 1, 2][i % 3] as number) || `w${(i + 1) % n}c`),
  );
}

const launcher = `{kind: local, command: ${FAKE}, timeout_s: 120}`;
const BASE = `
seed: 3
datasets:
  toy: {queries: data/queries.tsv, qrels: data/qrels.txt, corpus: data/corpus.tsv}
models:
  a: {provider: replay, file: a.jsonl}
  b: {provider: replay, file: b.jsonl}
  student: {provider: local, from: dpo, command: ${FAKE}}
prompts:
  p: {messages: [{role: user, content: "Write a passage that answers: {{query}}"}]}
stages:
  data: {kind: dataset, dataset: toy}
  idx: {kind: index, corpus: data}
  gen-a: {kind: generate, model: a, prompt: p, queries: data}
  gen-b: {kind: generate, model: b, prompt: p, queries: data}
  fb: {kind: feedback, index: idx, qrels: data, pool: [gen-a, gen-b]}
  pairs: {kind: pairs, feedback: fb}
  bm25: {kind: retrieve, index: idx, topics: data, hits: 100}
  run-teacher: {kind: retrieve, index: idx, topics: data, expansions: gen-a, hits: 100}
  ev-bm25: {kind: evaluate, run: bm25, qrels: data, measures: [nDCG@10, AP@100]}
  ev-teacher: {kind: evaluate, run: run-teacher, qrels: data, measures: [nDCG@10, AP@100]}
`;

// DPO's pair threshold against its beta: the student and the DPO curves depend on both
const TRAINED = `name: abl${BASE}
  sftd: {kind: sft-data, feedback: fb, prompt: p, selection: best-per-query, validation: 0.25}
  dpod: {kind: dpo-data, pairs: pairs, prompt: p, validation: 0.25}
  sft: {kind: train, method: sft, base: tiny/base, data: sftd, trainer: {max_steps: 20, logging_steps: 1}, launcher: ${launcher}}
  dpo: {kind: train, method: dpo, base: {from: sft}, data: dpod, trainer: {max_steps: 20, logging_steps: 1}, launcher: ${launcher}}
  student: {kind: generate, model: student, prompt: p, queries: data}
  run-student: {kind: retrieve, index: idx, topics: data, expansions: student, hits: 100}
  ev-student: {kind: evaluate, run: run-student, qrels: data, measures: [nDCG@10, AP@100]}
ablations:
  axes:
    pairs.min_delta: [0.05, 0.2, 0.35]
    dpo.trainer.beta: [0.1, 0.5]
report:
  title: "DPO: pair threshold and beta"
  rows: {BM25: ev-bm25, Teacher: ev-teacher, Student: ev-student}
  baseline: BM25
  teacher: Teacher
  student: Student
  formats: [md, html, json]
`;

// the issue's two axes: the pairs depend on both (the feedback retrieves with k1)
const PAIRS = `name: pairs-k1${BASE}
ablations:
  axes:
    pairs.min_delta: [0.05, 0.2, 0.35]
    retrieval.bm25.k1: [0.9, 1.5]
report:
  rows: {BM25: ev-bm25, Teacher: ev-teacher}
  student: Teacher
  formats: [json, html]
`;

const ws = new Workspace();
afterAll(() => ws.remove());

const figures = (html: string) => {
  const { document } = parseHTML(html);
  return [...document.querySelectorAll('body > figure, .grid > figure')].map((f) => ({
    caption: f.querySelector('figcaption')?.textContent ?? '',
    // the chart (a legend's swatches are small svgs too)
    svg: f.querySelector('svg[class]'),
    legend: [...f.querySelectorAll('[class$="-swatch"]')].map((s) => s.textContent?.trim()),
    html: f.outerHTML,
  }));
};

describe('plots of a two-axis ablation (pairs.min_delta × dpo.trainer.beta), through the store', () => {
  let html: string;
  let json: Record<string, unknown> & { curves: { measure: { name: string; flat?: boolean; points: { x: number; y: number }[] }[] } };
  beforeAll(async () => {
    writeData(ws);
    ws.write('abl.yaml', TRAINED);
    const run = await ws.qexp(['run', 'abl.yaml']);
    expect(run.exitCode, run.all).toBe(0);
    html = readFileSync(ws.path('results/reports/abl/report.html'), 'utf8');
    json = JSON.parse(readFileSync(ws.path('results/reports/abl/report.json'), 'utf8'));
  });

  it('the student against min_delta: a line per beta, BM25 and the teacher as flat references', () => {
    const curves = json.curves.measure;
    expect(curves.map((c) => c.name)).toEqual(['BM25', 'Teacher', 'Student [dpo.trainer.beta=0.1]', 'Student [dpo.trainer.beta=0.5]']);
    expect(curves.filter((c) => c.flat).map((c) => c.name)).toEqual(['BM25', 'Teacher']);
    for (const c of curves) expect(c.points.map((p) => p.x)).toEqual([0.05, 0.2, 0.35]);
    const chart = figures(html).find((f) => f.caption === 'nDCG@10 on toy against pairs.min_delta');
    // BM25 is far below the students: drawn, it would flatten their differences; the note names it
    const bm25 = curves.find((c) => c.name === 'BM25')?.points[0]?.y as number;
    const students = curves.filter((c) => c.name.startsWith('Student')).flatMap((c) => c.points.map((p) => p.y));
    expect(Math.min(...students) - bm25).toBeGreaterThan(0.1);
    expect(chart?.legend).toEqual(['Teacher', 'Student [beta=0.1]', 'Student [beta=0.5]']);
    expect(chart?.html).toContain(`Off the scale: BM25 (${bm25.toFixed(4)}, below).`);
    const ticks = [...(chart?.svg?.querySelectorAll('g[aria-label="y-axis tick label"] text') ?? [])].map((t) =>
      Number(t.textContent?.replace('−', '-')),
    );
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    expect(Math.min(...ticks)).toBeGreaterThan(bm25);
  });

  it('one chart per training quantity with a line per run, named by its settings, never by fingerprint', () => {
    const training = figures(html).filter((f) => /^(sft|dpo): /.test(f.caption));
    expect(training.map((f) => f.caption)).toEqual([
      'sft: loss',
      'sft: learning rate',
      'dpo: loss',
      'dpo: rewards',
      'dpo: reward accuracy (chosen above rejected)',
      'dpo: learning rate',
    ]);
    const runs = [
      'min_delta=0.05, beta=0.1',
      'min_delta=0.05, beta=0.5',
      'min_delta=0.2, beta=0.1',
      'min_delta=0.2, beta=0.5',
      'min_delta=0.35, beta=0.1',
      'min_delta=0.35, beta=0.5',
    ];
    const loss = training.find((f) => f.caption === 'dpo: loss');
    expect(loss?.legend).toEqual(runs);
    // a line per run (the evaluation losses are dots)
    expect(loss?.svg?.querySelectorAll('g[aria-label="line"] path')).toHaveLength(6);
    // one sft run for every min_delta and beta: its loss and evaluation loss, told apart
    expect(training[0]?.legend).toEqual(['training', 'evaluation']);
    for (const f of training) expect(f.html).not.toMatch(/\b[0-9a-f]{8}\b/);
  });

  it('rewards: chosen, rejected and margin side by side on one labelled scale, with a legend of the runs', () => {
    const rewards = figures(html).find((f) => f.caption === 'dpo: rewards');
    expect(rewards?.legend).toHaveLength(6);
    const text = [...(rewards?.svg?.querySelectorAll('text') ?? [])].map((t) => t.textContent);
    for (const facet of ['chosen', 'rejected', 'margin']) expect(text).toContain(facet);
    expect(text.some((t) => /reward/.test(t ?? ''))).toBe(true);
    expect(rewards?.svg?.querySelectorAll('g[aria-label="line"] path')).toHaveLength(18);
  });

  it('a chart of one series has no legend (the pairs depend on min_delta alone here)', () => {
    const pairs = figures(html).find((f) => f.caption === 'Preference pairs against pairs.min_delta');
    expect(pairs?.svg?.querySelectorAll('g[aria-label="line"] path')).toHaveLength(1);
    expect(pairs?.legend).toEqual([]);
  });

  it('a flat series (the learning rate) gets readable ticks, not one tick with every digit', () => {
    const lr = figures(html).find((f) => f.caption === 'dpo: learning rate');
    const ticks = [...(lr?.svg?.querySelectorAll('g[aria-label="y-axis tick label"] text') ?? [])].map((t) => t.textContent ?? '');
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    for (const t of ticks) expect(t.replace(/[^0-9]/g, '').length).toBeLessThanOrEqual(3);
    // the same schedule in every run: one line, no legend
    expect(lr?.legend).toEqual([]);
    expect(lr?.html).toContain('The same in every run.');
  });

  it('per query, every student row against the teacher (small multiples on one scale)', () => {
    const perQuery = figures(html).filter((f) => / − Teacher$/.test(f.caption));
    expect(perQuery.map((f) => f.caption)).toEqual(
      (json.rows as { label: string }[]).filter((r) => r.label.startsWith('Student')).map((r) => `${r.label} − Teacher`),
    );
    expect(perQuery).toHaveLength(6);
    for (const f of perQuery) expect(f.html).toMatch(/\d+ wins, \d+ ties, \d+ losses \(nDCG@10 on toy, 12 queries\)/);
  });

  it('text in every chart and legend is at least 12 px', () => {
    const { document } = parseHTML(html);
    const svgs = [...document.querySelectorAll('svg[class]')];
    expect(svgs.length).toBeGreaterThan(10);
    for (const el of [...svgs, ...document.querySelectorAll('[class$="-swatches"]')]) {
      const size = /font-size:\s*(\d+(?:\.\d+)?)px/.exec(el.getAttribute('style') ?? '')?.[1];
      expect(Number(size), el.outerHTML.slice(0, 120)).toBeGreaterThanOrEqual(12);
    }
    // nothing inside sets a smaller size
    expect(html).not.toMatch(/font-size="(\d|1[01])"|font-size:\s*(\d|1[01])px/);
  });

  it.skipIf(!findChromium())('headless Chromium draws the whole page (and keeps a copy where QEXP_REPORT_SCREENSHOTS says)', () => {
    const shot = screenshot(ws.path('results/reports/abl/report.html'), ws.path('abl.png'), { height: 6000, trim: true });
    expect((shot.dom.match(/<svg/g) ?? []).length).toBeGreaterThan(10);
    expect(shot.height).toBeGreaterThan(2000);
    expect(shot.height).toBeLessThan(6000);
    expect(shot.inked).toBeGreaterThan(0.01);
    const keep = process.env.QEXP_REPORT_SCREENSHOTS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      copyFileSync(ws.path('abl.png'), join(keep, 'report-ablation.png'));
    }
  });
  it('a pair count whose summary file is gone is listed as not drawn, with the file and what to do; the report still exits 0', async () => {
    const rows = await ws.sql(
      `SELECT DISTINCT a.path FROM artifacts a JOIN variant_stages v ON v.fingerprint = a.fingerprint WHERE v.stage = 'pairs' AND a.name = 'summary'`,
    );
    const path = String(rows[0]?.path);
    renameSync(path, `${path}.away`);
    try {
      const r = await ws.qexp(['report', 'abl.yaml', '--format', 'json']);
      expect(r.exitCode, r.all).toBe(0);
      const notDrawn: string[] = JSON.parse(String(r.stdout)).not_drawn;
      expect(notDrawn.find((n) => n.includes(path))).toMatch(
        /^Pair count of pairs \[pairs.min_delta=[\d.]+\]: its summary .* cannot be read \(ENOENT\); re-run it \(qexp run FILE --force pairs\)\.$/,
      );
    } finally {
      renameSync(`${path}.away`, path);
    }
  });
});

describe('pair counts of a two-axis ablation (pairs.min_delta × retrieval.bm25.k1)', () => {
  beforeAll(() => {
    ws.write('pairs.yaml', PAIRS);
  });

  it('a plot that cannot be drawn yet says why; a point per min_delta and k1 once all have run, nothing dropped', async () => {
    // one k1 setting first: its pairs for every min_delta; the other's not run yet
    const some = ['--variant', 'pairs.min_delta=0.05,retrieval.bm25.k1=0.9', '--variant', 'pairs.min_delta=0.2,retrieval.bm25.k1=0.9'];
    // a store of its own: the experiment above made some of these pairs (k1 0.9 is the default)
    const store = ['--store', 'pk/q.duckdb'];
    const first = await ws.qexp(['run', 'pairs.yaml', ...some, ...store]);
    expect(first.exitCode, first.all).toBe(0);
    let html = readFileSync(ws.path('pk/reports/pairs-k1/report.html'), 'utf8');
    const notDrawn = parseHTML(html).document.querySelector('.not-drawn')?.textContent ?? '';
    expect(notDrawn).toContain(
      'Pair counts not run yet: pairs [pairs.min_delta=0.05, retrieval.bm25.k1=1.5], pairs [pairs.min_delta=0.2, retrieval.bm25.k1=1.5], pairs [pairs.min_delta=0.35, retrieval.bm25.k1=0.9], pairs [pairs.min_delta=0.35, retrieval.bm25.k1=1.5].',
    );
    expect(notDrawn).toContain("No measure against pairs.min_delta: no row's result depends on it.");
    expect(notDrawn).toContain('No per-query wins and losses: they compare the student with report.teacher, which is not set.');

    const all = await ws.qexp(['run', 'pairs.yaml', ...store]);
    expect(all.exitCode, all.all).toBe(0);
    const json = JSON.parse(readFileSync(ws.path('pk/reports/pairs-k1/report.json'), 'utf8'));
    expect(json.curves.pairs.map((s: { name: string; points: { x: number }[] }) => [s.name, s.points.map((p) => p.x)])).toEqual([
      ['pairs [retrieval.bm25.k1=0.9]', [0.05, 0.2, 0.35]],
      ['pairs [retrieval.bm25.k1=1.5]', [0.05, 0.2, 0.35]],
    ]);
    const counts = json.curves.pairs[0].points.map((p: { y: number }) => p.y);
    expect(counts[0]).toBeGreaterThan(counts[2]);
    html = readFileSync(ws.path('pk/reports/pairs-k1/report.html'), 'utf8');
    const chart = figures(html).find((f) => f.caption === 'Preference pairs against pairs.min_delta');
    expect(chart?.legend).toEqual(['k1=0.9', 'k1=1.5']);
    expect(chart?.svg?.querySelectorAll('g[aria-label="line"] path')).toHaveLength(2);
  });
});
