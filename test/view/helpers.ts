import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { writeToyCollection } from '../helpers/toy-collection.js';
import type { Workspace } from '../helpers/workspace.js';

/** Debian's Chromium, which `.ci/run` installs; the browser tests are skipped (with this message) without it. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const NO_CHROMIUM = existsSync(CHROMIUM) ? null : `no Chromium at ${CHROMIUM} (apt-get install chromium): browser tests skipped`;

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  });
}

/** Untrusted model output: markup that would run if the page ever parsed an expansion as HTML. */
export const XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">';

/**
 * The toy collection (12 queries), a replay teacher pool with two samples (q0's first one
 * carrying markup, q2's second one a secret a model echoed), an LLM teacher pool without a price
 * and an LLM student with one, both from a Chat Completions server on 127.0.0.1; feedback, pairs
 * at two min_delta values (two variants), three evaluated runs as report rows; a second dataset
 * (the same queries judged otherwise) where two of the rows have a run too.
 */
export function writeViewExperiment(ws: Workspace, secret: string): void {
  writeToyCollection(
    ws,
    12,
    (i) => (i < 8 ? Array(8).fill(`w${i}c w${i}d`).join(' ') : `w${(i + 1) % 12}c unrelated`),
    (i) => `w${(i + 3) % 12}c w${(i + 3) % 12}d off topic`,
  );
  const good = ws.path('good.jsonl');
  const bad = ws.path('bad.jsonl');
  const lines = (p: string) => readFileSync(p, 'utf8').trim().split('\n');
  const zs = lines(good).flatMap((g, i) => {
    const first = JSON.parse(g) as { qid: string; text: string };
    if (i === 0) first.text = `${XSS} ${first.text}`;
    const second = JSON.parse(lines(bad)[i] as string) as { qid: string; text: string };
    if (i === 2) second.text = `the key is ${secret} ${second.text}`;
    return [JSON.stringify(first), JSON.stringify(second)];
  });
  ws.write('zs.jsonl', `${zs.join('\n')}\n`);
  // a second dataset: the same queries and corpus, judged the other way round (the documents that repeat the query are relevant)
  const flipped = readFileSync(ws.path('data/corpus.tsv'), 'utf8')
    .split('\n')
    .map((l) => l.split('\t')[0] as string)
    .filter((id) => id.startsWith('x')) // x{query}{k}
    .map((id) => `q${id.slice(1, -1)} 0 ${id} 1`);
  ws.write('data/qrels-flipped.txt', `${flipped.join('\n')}\n`);
  ws.write('exp.yaml', VIEW_EXPERIMENT);
}

export const VIEW_EXPERIMENT = `name: viewtoy
description: "Toy: two teacher pools, a student, feedback, pairs by min_delta"
seed: 3
datasets:
  toy: {queries: data/queries.tsv, qrels: data/qrels.txt, corpus: data/corpus.tsv}
  flipped: {queries: data/queries.tsv, qrels: data/qrels-flipped.txt, corpus: data/corpus.tsv}
models:
  zs: {provider: replay, file: zs.jsonl}
  big: {provider: openai, base_url: "\${env:VIEW_LLM_URL}", model: big-model, api_key_env: VIEW_TEST_KEY, max_retries: 3, timeout_s: 20}
  student: {provider: openai, base_url: "\${env:VIEW_LLM_URL}", model: test-model, api_key_env: VIEW_TEST_KEY, max_retries: 3, timeout_s: 20, price: {input_per_million: 100, output_per_million: 200}}
prompts:
  p: {messages: [{role: user, content: "Write a passage that answers: {{query}}"}]}
  fs: {messages: [{role: user, content: "Few-shot, answer: {{query}}"}]}
stages:
  data: {kind: dataset, dataset: toy}
  idx: {kind: index, corpus: data}
  teacher-zs: {kind: generate, model: zs, prompt: p, queries: data, samples: 2}
  teacher-fs: {kind: generate, model: big, prompt: fs, queries: data}
  student: {kind: generate, model: student, prompt: p, queries: data}
  feedback: {kind: feedback, index: idx, qrels: data, pool: [teacher-zs, teacher-fs, student]}
  pairs: {kind: pairs, feedback: feedback, min_delta: 0.1}
  bm25: {kind: retrieve, index: idx, topics: data, hits: 100}
  run-teacher: {kind: retrieve, index: idx, topics: data, expansions: teacher-zs, hits: 100, formulation: {concat: 2}}
  run-student: {kind: retrieve, index: idx, topics: data, expansions: student, hits: 100}
  ev-bm25: {kind: evaluate, run: bm25, qrels: data, measures: [nDCG@10, AP@100]}
  ev-teacher: {kind: evaluate, run: run-teacher, qrels: data, measures: [nDCG@10, AP@100]}
  ev-student: {kind: evaluate, run: run-student, qrels: data, measures: [nDCG@10, AP@100]}
  data-f: {kind: dataset, dataset: flipped}
  bm25-f: {kind: retrieve, index: idx, topics: data-f, hits: 100}
  rm3-f: {kind: retrieve, index: idx, topics: data-f, hits: 100, rm3: true}
  ev-bm25-f: {kind: evaluate, run: bm25-f, qrels: data-f, measures: [nDCG@10]}
  ev-rm3-f: {kind: evaluate, run: rm3-f, qrels: data-f, measures: [nDCG@10]}
ablations:
  axes:
    pairs.min_delta: [0.05, 0.3]
report:
  rows: {BM25: [ev-bm25, ev-bm25-f], Teacher: [ev-teacher, ev-rm3-f], Student: ev-student}
  baseline: BM25
`;

/** A raw GET with the Host header given (fetch would set its own). */
export function rawGet(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Starts `qexp view ARGS` and resolves with its URL once it prints it. */
export async function startView(
  ws: Workspace,
  args: string[],
  env: Record<string, string>,
): Promise<{ url: string; proc: ReturnType<Workspace['spawn']>; output: () => string }> {
  const proc = ws.spawn(['view', ...args], env);
  let out = '';
  proc.all?.on('data', (c: Buffer) => {
    out += c.toString('utf8');
  });
  const url = await new Promise<string>((resolve, reject) => {
    const check = () => {
      const m = /qexp view: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1] as string);
    };
    proc.all?.on('data', check);
    proc.then((r) => reject(new Error(`qexp view exited ${r.exitCode} before printing its URL:\n${r.all}`)));
  });
  return { url, proc, output: () => out };
}

/**
 * Goes to a view address and waits until the page shows it: a page of the same kind already on
 * screen (the compare table of another address) would otherwise answer selectors, and its
 * controls would build the next address from its own parameters, while the new page loads.
 */
export async function openView(page: Page, url: string): Promise<void> {
  await page.goto(url);
  const hash = new URL(url).hash;
  type Body = { dataset: Record<string, string | undefined> };
  await page.waitForFunction(
    (h) => {
      const body = (globalThis as unknown as { document: { body: Body } }).document.body;
      return body.dataset.state === 'ready' && body.dataset.hash === h;
    },
    hash,
    { timeout: 60_000, polling: 100 },
  );
}
