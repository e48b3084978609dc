import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memoryNeeds, readIndexMeta } from '../../src/retrieval/index/read-index.js';
import { Workspace } from '../helpers/workspace.js';

// retrieval.memory_budget reaches the retrieve and feedback stages' searches, leaves fingerprints
// alone (the answers are the same) and is refused with the figure to give when too small.
const ws = new Workspace();
afterAll(() => ws.remove());

const words = Array.from({ length: 300 }, (_, i) => `w${i}`);
const corpus = Array.from(
  { length: 800 },
  (_, i) => `d${i}\t${Array.from({ length: 5 + (i % 13) }, (_, j) => words[(i * (j + 7) + j * j) % (j % 2 ? 300 : 30)]).join(' ')}`,
);
const queries = Array.from({ length: 12 }, (_, q) => `q${q}\t${words.slice(q * 3, q * 3 + 3).join(' ')}`);
const qrels = Array.from({ length: 12 }, (_, q) => `q${q} 0 d${q * 37} 1\nq${q} 0 d${q * 11 + 5} 2`);
const replay = Array.from({ length: 12 }, (_, q) =>
  JSON.stringify({ qid: `q${q}`, text: words.slice(100 + q * 5, 110 + q * 5).join(' ') }),
);

const experiment = JSON.stringify({
  name: 'budget',
  datasets: { toy: { queries: 'data/queries.tsv', qrels: 'data/qrels.txt', corpus: 'data/corpus.tsv' } },
  retrieval: { analyzer: 'whitespace', hits: 50 },
  models: { replay: { provider: 'replay', file: 'replay.jsonl' } },
  prompts: { zs: { messages: [{ role: 'user', content: '{{query}}' }] } },
  stages: {
    data: { kind: 'dataset', dataset: 'toy' },
    idx: { kind: 'index', corpus: 'data' },
    ret: { kind: 'retrieve', index: 'idx', topics: 'data', rm3: true },
    gen: { kind: 'generate', model: 'replay', prompt: 'zs', queries: 'data' },
    fb: { kind: 'feedback', index: 'idx', qrels: 'data', pool: ['gen'] },
  },
});

/** The files of the stored outputs of stages with these fingerprints, by path. */
function outputs(fingerprints: string[]): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(relative(ws.dir, p), readFileSync(p, 'utf8'));
    }
  };
  for (const fp of fingerprints) walk(ws.path(`results/artifacts/${fp}`));
  return out;
}

type Plan = { stages: { stage: string; status: string; fingerprint: string }[] };

type Run = { executed: { stage: string; outcome: string }[] };

describe('retrieval.memory_budget in the retrieve and feedback stages', () => {
  let before: Map<string, string>;
  let searched: string[];
  beforeAll(async () => {
    ws.write('data/corpus.tsv', `${corpus.join('\n')}\n`);
    ws.write('data/queries.tsv', `${queries.join('\n')}\n`);
    ws.write('data/qrels.txt', `${qrels.join('\n')}\n`);
    ws.write('replay.jsonl', `${replay.join('\n')}\n`);
    ws.write('e.yaml', experiment);
    const r = await ws.json<Run>(['run', 'e.yaml']);
    expect(r.code, r.stderr).toBe(0);
    const plan = await ws.json<Plan>(['plan', 'e.yaml']);
    searched = plan.data.stages.filter((s) => s.stage === 'ret' || s.stage === 'fb').map((s) => s.fingerprint);
    expect(searched).toHaveLength(2);
    before = outputs(searched);
    expect([...before.keys()].some((p) => p.endsWith('run.trec'))).toBe(true);
  });

  it('answers the same with postings on disk, under the same fingerprints', async () => {
    const plan0 = await ws.json<Plan>(['plan', 'e.yaml']);
    const idx = plan0.data.stages.find((s) => s.stage === 'idx')?.fingerprint as string;
    const meta = readIndexMeta(ws.path(`results/artifacts/${idx}/index`));
    // room for the dictionary, norms and search arrays, and a postings cache far smaller than the postings
    const n = memoryNeeds(meta, true, availableParallelism());
    const budget = n.index + n.search + 256 * availableParallelism();
    expect(budget).toBeLessThan(n.index + n.docids + n.postings + n.vectors + n.search);

    const set = ['-S', `retrieval.memory_budget=${budget}`];
    const plan = await ws.json<Plan>(['plan', 'e.yaml', ...set]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.data.stages.map((s) => s.status)).toEqual(plan.data.stages.map(() => 'done'));

    // a new store: the feedback stage scores every candidate again rather than resume
    rmSync(ws.path('results'), { recursive: true });
    const r = await ws.json<Run>(['run', 'e.yaml', ...set]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.data.executed.map((e) => e.stage)).toEqual(expect.arrayContaining(['ret', 'fb']));
    const after = outputs(searched);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [path, text] of before) expect(after.get(path), path).toBe(text);
  });

  it('refuses a budget below what must stay in memory, with the figure to give', async () => {
    const r = await ws.qexp(['run', 'e.yaml', '-S', 'retrieval.memory_budget=1K', '--force', 'ret']);
    expect(r.exitCode, r.all).not.toBe(0);
    expect(r.all).toMatch(/a memory budget of [\d.]+ MiB is too small for .*give at least [\d.]+ MiB/);
  });
});
