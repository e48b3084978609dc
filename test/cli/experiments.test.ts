import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startChatServer } from '../helpers/chat-server.mjs';
import { MIRROR } from '../helpers/mirror.js';
import { CLI, Workspace } from '../helpers/workspace.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ws = new Workspace();
afterAll(() => ws.remove());
cpSync(join(repo, 'experiments'), ws.path('experiments'), { recursive: true });
cpSync(join(repo, 'schemas'), ws.path('schemas'), { recursive: true });

/** Every experiment file users copy, in subfolders too (experiments/paper/); regressions/ holds expected figures, not experiments. */
function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? (e.name === 'regressions' ? [] : yamlFiles(join(dir, e.name))) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : [],
  );
}
const files = yamlFiles(ws.path('experiments')).map((f) => relative(ws.dir, f));

describe('experiments/ shipped with qexp', () => {
  it.each(files)('%s validates and plans', async (f) => {
    // the paper's experiments name API keys and GPUs they do not need to validate or plan
    const v = await ws.qexp(['validate', f]);
    expect(v.exitCode, v.all).toBe(0);
    const p = await ws.qexp(['plan', f]);
    expect(p.exitCode, p.all).toBe(0);
  });

  it('the shell-stage example runs, then finds nothing to do', async () => {
    const first = await ws.qexp(['run', 'experiments/toy-shell.yaml']);
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stdout).toMatch(/ran 6 of 6 unit\(s\) of work/);
    const second = await ws.qexp(['run', 'experiments/toy-shell.yaml']);
    expect(second.stdout).toMatch(/nothing to run: all 12 stages of 4 variants are up to date/);
  });
});

describe('the built CLI', () => {
  it('is executable: `npx qexp`, the README command, runs the bin file itself', () => {
    expect(statSync(CLI).mode & 0o111).toBe(0o111);
    expect(readFileSync(CLI, 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
  });
});

describe.skipIf(!MIRROR)('the quickstart (CACM from the mirror)', () => {
  it('runs offline and exits 0 on its report (no GPU needed); again: nothing runs; the gate passes', async () => {
    const first = await ws.qexp(['run', 'experiments/quickstart.yaml']);
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stdout).toMatch(/ran 20 of 20 unit\(s\) of work \(longest/);
    // the table: the four systems, BM25+RM3 significantly better than BM25 in MAP as in the literature
    for (const row of ['BM25', 'BM25+RM3', 'RM3 terms (query2doc)', 'Top-document sentences (query2doc)'])
      expect(first.stdout).toContain(`| ${row} | `);
    expect(first.stdout).toMatch(/\| BM25\+RM3 \| [^|]+ \| \*\*0\.36\d\d\*\*†/);
    // it ends on its report
    expect(first.stdout.trimEnd()).toMatch(/\nreport: results\/reports\/quickstart\/report\.md, .*report\.html.*$/);
    const html = readFileSync(ws.path('results/reports/quickstart/report.html'), 'utf8');
    expect(html).toContain('<table id="results">');
    expect(html).toContain('Preference pairs against pairs.min_delta');
    // pairs fall as min_delta rises
    const curves = JSON.parse(readFileSync(ws.path('results/reports/quickstart/report.json'), 'utf8')).curves.pairs[0].points;
    expect(curves.map((p: { x: number }) => p.x)).toEqual([0.05, 0.1, 0.2]);
    expect(curves[0].y).toBeGreaterThan(curves[1].y);
    expect(curves[1].y).toBeGreaterThan(curves[2].y);
    expect(existsSync(ws.path('results/train'))).toBe(false);

    const second = await ws.qexp(['run', 'experiments/quickstart.yaml']);
    expect(second.exitCode).toBe(0);
    expect(second.stdout).toMatch(/nothing to run: all 48 stages of 3 variants are up to date \(20 units of work cached\)/);
    expect(second.stdout).toContain('| BM25 | ');

    // the committed baseline matches what this machine computes
    const gate = await ws.qexp(['gate', 'experiments/quickstart.yaml']);
    expect(gate.exitCode, gate.all).toBe(0);
    expect(gate.stdout).toMatch(/all 3 gates pass/);
  });

  it('gpu-smoke.yaml adds the train stages: the SFT job is written for a GPU machine and run exits 3', async () => {
    const r = await ws.qexp(['run', 'experiments/gpu-smoke.yaml']);
    expect(r.exitCode, r.all).toBe(3);
    // the quickstart's stages are shared: only the two train stages are new
    expect(r.stdout).toMatch(/running 2 unit\(s\) of work, 16 up to date/);
    expect(r.stdout).toMatch(/ran 0 of 2 unit\(s\) of work, 1 waiting, 1 skipped/);
    expect(r.stderr).toMatch(/waiting: sft\n {2}stage sft waits for a manual training run: run 'bash .*run\.sh' on a GPU machine/);
    const jobs = readdirSync(ws.path('results/train'));
    expect(jobs).toHaveLength(1);
    expect(existsSync(ws.path(`results/train/${jobs[0]}/job.json`))).toBe(true);
  });
});

describe.skipIf(!MIRROR)('cacm-llm.yaml against an OpenAI-compatible server on 127.0.0.1', () => {
  it('generates both pools, reports them with their cost, and gates against a baseline it wrote', async () => {
    const server = await startChatServer({ latencyMs: 2 });
    try {
      const env = { QEXP_LLM_BASE_URL: server.url, QEXP_LLM_MODEL: 'test-model', QEXP_LLM_API_KEY: 'sk-local-test' };
      const r = await ws.qexp(['run', 'experiments/cacm-llm.yaml'], env);
      expect(r.exitCode, r.all).toBe(0);
      // 64 queries × 2 samples × 2 prompts, every few-shot prompt with exemplars
      expect(server.log).toHaveLength(256);
      expect(server.log.filter((q) => q.prompt.includes('Question:') && q.prompt.split('Question:').length === 5)).toHaveLength(128);
      expect(r.stdout).toMatch(/\| run \| nDCG@10 \| AP@1000 \| R@1000 \| % teacher \| tokens\/query \| \$\/1k queries \| p50 ms \|/);
      // the model declares no price: its dollars are unknown (–, never a bold 0.000), its tokens are known
      expect(r.stdout).toMatch(/\| LLM few-shot \| [^|]+ \| [^|]+ \| [^|]+ \| 100\.0 \| [\d.]+ \| – \| (\*\*)?[\d.]+(\*\*)? \|/);
      expect(r.stdout).toContain('– $/1k queries: price unknown, no price declared for llm: LLM zero-shot, LLM few-shot.');
      let gate = await ws.qexp(['gate', 'experiments/cacm-llm.yaml'], env);
      expect(gate.exitCode).toBe(2);
      expect(gate.stderr).toMatch(/baseline .*cacm-llm\.json does not exist: write it with 'qexp baseline update FILE'/);
      expect((await ws.qexp(['baseline', 'update', 'experiments/cacm-llm.yaml'], env)).exitCode).toBe(0);
      gate = await ws.qexp(['gate', 'experiments/cacm-llm.yaml'], env);
      expect(gate.exitCode, gate.all).toBe(0);
      // the key never reaches the report or the baseline
      for (const f of ['results/reports/cacm-llm/report.md', 'results/reports/cacm-llm/report.html', 'experiments/baselines/cacm-llm.json'])
        expect(readFileSync(ws.path(f), 'utf8')).not.toContain('sk-local-test');
    } finally {
      await server.close();
    }
  });
});
