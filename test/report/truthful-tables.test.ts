import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseHTML } from 'linkedom';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatServer, startChatServer } from '../helpers/chat-server.mjs';
import { writeToyCollection } from '../helpers/toy-collection.js';
import { Workspace } from '../helpers/workspace.js';

const FAKE = resolve(dirname(fileURLToPath(import.meta.url)), 'fake-trainer.py');

/** Whether a command runs here (pdflatex and pdftotext for the LaTeX check). */
const has = (cmd: string) => {
  try {
    execFileSync(cmd, ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
};

// Three LLM rows: an API model with a declared price, one without, and a model run on this
// machine; the LLM rows' evaluate stages compute one of the two measures the report shows (with
// no report.measures, the columns are every measure of the rows' stages); the title and the row
// labels carry every LaTeX special character.
const EXPERIMENT = `
name: truth
seed: 3
datasets:
  toy: {queries: data/queries.tsv, qrels: data/qrels.txt, corpus: data/corpus.tsv}
models:
  priced: {provider: openai, base_url: "\${env:URL}", model: m1, api_key_env: KEY, price: {input_per_million: 2, output_per_million: 8}}
  unpriced: {provider: openai, base_url: "\${env:URL}", model: m2, api_key_env: KEY}
  mine: {provider: local, path: local-model, command: ${FAKE}}
prompts:
  p: {messages: [{role: user, content: "Write a passage that answers: {{query}}"}]}
stages:
  data: {kind: dataset, dataset: toy}
  idx: {kind: index, corpus: data}
  bm25: {kind: retrieve, index: idx, topics: data, hits: 100}
  gen-priced: {kind: generate, model: priced, prompt: p, queries: data}
  gen-unpriced: {kind: generate, model: unpriced, prompt: p, queries: data}
  gen-mine: {kind: generate, model: mine, prompt: p, queries: data}
  run-priced: {kind: retrieve, index: idx, topics: data, expansions: gen-priced, hits: 100}
  run-unpriced: {kind: retrieve, index: idx, topics: data, expansions: gen-unpriced, hits: 100}
  run-mine: {kind: retrieve, index: idx, topics: data, expansions: gen-mine, hits: 100}
  ev-bm25: {kind: evaluate, run: bm25, qrels: data, measures: [nDCG@10, AP@100]}
  ev-priced: {kind: evaluate, run: run-priced, qrels: data, measures: [nDCG@10]}
  ev-unpriced: {kind: evaluate, run: run-unpriced, qrels: data, measures: [nDCG@10]}
  ev-mine: {kind: evaluate, run: run-mine, qrels: data, measures: [nDCG@10]}
report:
  title: "Costs: 50% of $x_{1} ~ ^#2 & more"
  rows:
    "BM25_base & #1": ev-bm25
    "Priced {x} 100%": ev-priced
    Unpriced: ev-unpriced
    "Mine ~/model^2 \\\\ path": ev-mine
  baseline: "BM25_base & #1"
  formats: [md, csv, latex, json, html]
`;

type Stats = { prompt_tokens: number; completion_tokens: number; queries: number };
const statsOf = (v: unknown): Stats => (typeof v === 'string' ? JSON.parse(v) : v) as Stats;

const ws = new Workspace();
let server: ChatServer;
let env: Record<string, string>;
afterAll(async () => {
  await server?.close();
  ws.remove();
});

const report = async (format: string, extra: string[] = []) => {
  const r = await ws.qexp(['report', 'exp.yaml', '--format', format, ...extra], env);
  expect(r.exitCode, r.all).toBe(0);
  return String(r.stdout);
};
/** The cells of a Markdown table row by its label. */
const mdRow = (md: string, label: string) =>
  md
    .split('\n')
    .find((l) => l.startsWith(`| ${label} |`))
    ?.split(' | ')
    .slice(1)
    .map((c) => c.replace(/ \|$/, ''));

describe('report tables tell the truth in every format', () => {
  beforeAll(async () => {
    writeToyCollection(
      ws,
      8,
      (i) => `w${i}c w${i}d`,
      (i) => `w${(i + 1) % 8}c`,
    );
    ws.write('local-model/qexp-done.json', JSON.stringify({ examples: 8, beta: 0.5 }));
    ws.write('exp.yaml', EXPERIMENT);
    server = await startChatServer({ latencyMs: 1 });
    env = { URL: server.url, KEY: 'sk-test' };
    const run = await ws.qexp(['run', 'exp.yaml'], env);
    expect(run.exitCode, run.all).toBe(0);
  });

  it('Markdown: an unknown price reads – with its reason, never 0 or best; a local model reads 0 and says why', async () => {
    const md = await report('md');
    expect(md).toMatch(/\| run \| nDCG@10 \| AP@100 \| tokens\/query \| \$\/1k queries \| p50 ms \|/);
    const unpriced = mdRow(md, 'Unpriced') as string[];
    expect(unpriced[3]).toBe('–');
    expect(unpriced[3]).not.toContain('**');
    // tokens are known whatever the price
    expect(Number(unpriced[2])).toBeGreaterThan(0);
    expect(mdRow(md, 'Mine ~/model^2 \\ path')?.[3]).toBe('0.000');
    expect(md).toContain(
      '$/1k queries: price unknown, no price declared for unpriced: Unpriced. Declare models.NAME.price to count it (0 for a model you run yourself).',
    );
    expect(md).toMatch(/0\.000 \$\/1k queries: mine runs on this machine, no price per token, not ranked: Mine/);
    // the priced row: its tokens at the declared price
    const stats = await ws.sql(
      `SELECT s.stats FROM generation_stats s JOIN variant_stages v ON v.fingerprint = s.fingerprint WHERE v.stage = 'gen-priced'`,
    );
    const st = statsOf(stats[0]?.stats);
    const dollars = (1000 * (st.prompt_tokens * 2 + st.completion_tokens * 8)) / 1e6 / st.queries;
    expect(mdRow(md, 'Priced {x} 100%')?.[3]).toBe(dollars.toFixed(3));
  });

  it('Markdown: a measure a row does not compute reads – and the legend says which stage does not compute it', async () => {
    const md = await report('md');
    expect(mdRow(md, 'Priced {x} 100%')?.[1]).toBe('–');
    expect(md).toContain("– not computed by the row's evaluate stage: AP@100 (ev-priced), AP@100 (ev-unpriced), AP@100 (ev-mine).");
    expect(md).toMatch(/– cost: no LLM requests behind the row .*: BM25_base & #1\./);
    expect(md).toContain('Dataset: toy.');
  });

  it('CSV: unknown and not computed are empty fields, a local model 0', async () => {
    const lines = (await report('csv')).trim().split('\n');
    const head = lines[0]?.split(',') as string[];
    const row = (label: string) => lines.find((l) => l.startsWith(label))?.split(',') as string[];
    const cost = head.indexOf('$/1k queries');
    const ap = head.indexOf('toy:AP@100');
    expect(cost).toBeGreaterThan(0);
    expect(row('Unpriced')[cost]).toBe('');
    expect(row('Unpriced')[ap]).toBe('');
    expect(Number(row('Mine')[cost])).toBe(0);
    expect(Number(row('Priced')[cost])).toBeGreaterThan(0);
  });

  it('JSON: unknown is null with why, never best', async () => {
    const json = JSON.parse(await report('json'));
    const cost = json.columns.findIndex((c: { measure: string }) => c.measure === 'cost_per_1k_usd');
    const ap = json.columns.findIndex((c: { measure: string }) => c.measure === 'AP@100');
    const unpriced = json.rows.find((r: { label: string }) => r.label === 'Unpriced');
    expect(unpriced.price).toBe('unknown');
    expect(unpriced.cells[cost]).toMatchObject({ value: null, best: false });
    expect(unpriced.cells[cost].why).toMatch(/price unknown, no price declared for unpriced/);
    expect(unpriced.cells[ap].why).toMatch(/not computed by the row's evaluate stage: AP@100 \(ev-unpriced\)/);
    expect(json.message).toBeNull();
  });

  it('LaTeX: every special character escaped, p as math, unknown as --', async () => {
    const tex = await report('latex');
    expect(tex).toContain('\\caption{Costs: 50\\% of \\$x\\_\\{1\\} \\textasciitilde{} \\textasciicircum{}\\#2 \\& more.');
    expect(tex).toContain('BM25\\_base \\& \\#1 & ');
    expect(tex).toContain('Priced \\{x\\} 100\\% & ');
    expect(tex).toContain('Mine \\textasciitilde{}/model\\textasciicircum{}2 \\textbackslash{} path & ');
    expect(tex).toContain('$p<0.05$');
    expect(tex).not.toMatch(/p < 0\.05/);
    expect(tex).toContain('\\$/1k queries');
    const unpriced = tex.split('\n').find((l) => l.startsWith('Unpriced &')) as string;
    expect(unpriced.split(' & ')[4]).toBe('--');
    expect(unpriced).not.toContain('\\textbf');
  });

  it.skipIf(!has('pdflatex') || !has('pdftotext'))('LaTeX: the table compiles under pdflatex and prints what it says', async () => {
    const tex = await report('latex');
    ws.write('paper/paper.tex', `\\documentclass{article}\n\\usepackage{booktabs}\n\\begin{document}\n${tex}\\end{document}\n`);
    execFileSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'paper.tex'], { cwd: ws.path('paper'), stdio: 'ignore' });
    const text = execFileSync('pdftotext', [ws.path('paper/paper.pdf'), '-'], { encoding: 'utf8' });
    // OT1 draws \_ as a rule (a space in the text) and ~ ^ as accents
    expect(text).toMatch(/BM25.base & #1/);
    expect(text).toContain('Priced {x} 100%');
    expect(text).toMatch(/Mine [~˜]\/model[\^ˆ]2 \\ path/);
    expect(text).toMatch(/p\s*<\s*0\.05/);
    // OT1 prints a raw < as ¡ and > as ¿
    expect(text).not.toMatch(/[¡¿]/);
  });

  it('HTML: the dataset line, – with its reason on hover, no legend for a single series', async () => {
    const html = await report('html');
    const { document } = parseHTML(html);
    expect(document.body.textContent).toContain('Dataset: toy.');
    const row = [...document.querySelectorAll('#results tr')].find((tr) => tr.querySelector('th')?.textContent === 'Unpriced');
    const cells = [...(row?.querySelectorAll('td') ?? [])];
    expect(cells[3]?.textContent).toBe('–');
    expect(cells[3]?.getAttribute('title')).toMatch(/price unknown, no price declared for unpriced/);
    expect(cells[1]?.getAttribute('title')).toMatch(/not computed by the row's evaluate stage/);
    expect(cells[3]?.querySelector('b')).toBeNull();
  });

  it('a gate on an unknown cost is an error that says what to declare; the baseline leaves it out', async () => {
    ws.write(
      'gated.yaml',
      `${EXPERIMENT}gates:\n  baseline: base.json\n  checks:\n    - {run: Unpriced, measure: cost_per_1k_usd, max: 1}\n`,
    );
    const g = await ws.qexp(['gate', 'gated.yaml'], env);
    expect(g.exitCode, g.all).toBe(2);
    expect(g.stderr).toMatch(/cost_per_1k_usd of Unpriced is unknown: no price is declared for unpriced; declare models.NAME.price/);
    expect((await ws.qexp(['baseline', 'update', 'gated.yaml'], env)).exitCode).toBe(0);
    const base = JSON.parse(readFileSync(ws.path('base.json'), 'utf8'));
    expect(base.values.Unpriced.cost).not.toHaveProperty('cost_per_1k_usd');
    expect(base.values.Unpriced.cost.tokens_per_query).toBeGreaterThan(0);
  });

  it('a price declared after the run prices the stored tokens (the price is no part of the fingerprint)', async () => {
    ws.write(
      'later.yaml',
      EXPERIMENT.replace(
        'model: m2, api_key_env: KEY}',
        'model: m2, api_key_env: KEY, price: {input_per_million: 1, output_per_million: 1}}',
      ),
    );
    const r = await ws.qexp(['report', 'later.yaml'], env);
    expect(r.exitCode, r.all).toBe(0);
    const stats = await ws.sql(
      `SELECT s.stats FROM generation_stats s JOIN variant_stages v ON v.fingerprint = s.fingerprint WHERE v.stage = 'gen-unpriced'`,
    );
    const st = statsOf(stats[0]?.stats);
    expect(mdRow(String(r.stdout), 'Unpriced')?.[3]?.replace(/\*/g, '')).toBe(
      ((1000 * (st.prompt_tokens + st.completion_tokens)) / 1e6 / st.queries).toFixed(3),
    );
  });
});

describe('an empty report (nothing evaluated yet) says so in every format', () => {
  beforeAll(async () => {
    // a store where only the dataset stage has run
    const r = await ws.qexp(['run', 'exp.yaml', '--until', 'data', '--store', 'empty/q.duckdb'], env);
    expect(r.exitCode, r.all).toBe(0);
  });
  const empty = ['--store', 'empty/q.duckdb'];

  it('Markdown: a message, not a table of nothing', async () => {
    const md = await report('md', empty);
    expect(md).not.toContain('| run |');
    expect(md).toMatch(
      /^## Costs: 50% of \$x_\{1\} ~ \^#2 & more\n\nNo results yet: the evaluate stages behind this report have not run \(ev-bm25, ev-priced, ev-unpriced, ev-mine\)\. Run the experiment first/,
    );
  });

  it('CSV: the columns the experiment declares, a row per report row, no values', async () => {
    const lines = (await report('csv', empty)).trim().split('\n');
    expect(lines[0]).toBe('run,toy:nDCG@10,toy:AP@100');
    expect(lines.slice(1)).toEqual(['BM25_base & #1,,', 'Priced {x} 100%,,', 'Unpriced,,', 'Mine ~/model^2 \\ path,,']);
  });

  it('LaTeX: a comment, no table', async () => {
    const tex = await report('latex', empty);
    expect(tex.trim().split('\n')).toHaveLength(1);
    expect(tex).toMatch(/^% Costs: .*No results yet/);
    expect(tex).not.toContain('\\begin{tabular}');
  });

  it('JSON: the message, and every cell null with why', async () => {
    const json = JSON.parse(await report('json', empty));
    expect(json.message).toMatch(/^No results yet/);
    expect(json.rows[0].cells[0]).toMatchObject({ value: null, why: 'not run yet: ev-bm25' });
  });

  it('HTML: the message instead of the table', async () => {
    const { document } = parseHTML(await report('html', empty));
    expect(document.querySelector('#results')).toBeNull();
    expect(document.querySelector('.empty')?.textContent).toMatch(/^No results yet/);
  });
});
