import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { writeToyCollection } from '../helpers/toy-collection.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

writeToyCollection(
  ws,
  6,
  (i) => `w${i}c w${i}d`,
  () => 'nothing',
);
ws.write(
  'exp.yaml',
  `name: integrity
datasets:
  toy: {queries: data/queries.tsv, qrels: data/qrels.txt, corpus: data/corpus.tsv}
stages:
  data: {kind: dataset, dataset: toy}
  index: {kind: index, corpus: data}
  bm25: {kind: retrieve, index: index, topics: data, hits: 5}
  ev: {kind: evaluate, run: bm25, qrels: data, measures: [nDCG@10]}
`,
);

type Planned = { stage: string; status: string; reasons: string[] };
const plan = async (...extra: string[]) => (await ws.json<{ stages: Planned[] }>(['plan', 'exp.yaml', ...extra])).data.stages;
const ndcg = async () => (await ws.sql("SELECT value FROM metrics WHERE qid = 'all'"))[0]?.value;

/** The artifact folder of the one stage whose outputs hold `name`. */
function artifactOf(name: string): string {
  const root = ws.path('results/artifacts');
  for (const d of readdirSync(root)) if (readdirSync(join(root, d)).includes(name)) return join(root, d, name);
  throw new Error(`no artifact ${name}`);
}

describe('stored artifacts are checked before they are used', () => {
  it('a run file edited in place, size kept, makes its stage stale, and a run restores the true figures', async () => {
    expect((await ws.qexp(['run', 'exp.yaml'])).exitCode).toBe(0);
    const before = await ndcg();
    const run = artifactOf('run.trec');
    const lines = readFileSync(run, 'utf8').split('\n');
    // swap the documents of the first two lines: same bytes, other ranking
    const a = lines[0]?.split(' ') as string[];
    const b = lines[1]?.split(' ') as string[];
    [a[2], b[2]] = [b[2] as string, a[2] as string];
    lines[0] = a.join(' ');
    lines[1] = b.join(' ');
    writeFileSync(run, lines.join('\n'));
    const stages = await plan();
    const bm25 = stages.find((s) => s.stage === 'bm25');
    expect(bm25?.status).toBe('stale');
    expect(bm25?.reasons.join('\n')).toMatch(/output run was modified since it was written \(.*run\.trec: same size, other content\)/);
    expect(stages.find((s) => s.stage === 'ev')?.status).toBe('done');
    const r = await ws.qexp(['run', 'exp.yaml']);
    expect(r.exitCode, r.all).toBe(0);
    expect(await ndcg()).toBe(before);
    expect((await plan()).every((s) => s.status === 'done')).toBe(true);
  });

  it('a damaged or deleted file of an index folder makes the index stale (not done, then a crash)', async () => {
    const terms = artifactOf('index');
    const file = join(terms, readdirSync(terms).find((f) => f.startsWith('terms')) as string);
    const bytes = readFileSync(file);
    const at = Math.floor(bytes.length / 2);
    bytes[at] = (bytes[at] as number) ^ 0xff;
    writeFileSync(file, bytes);
    expect((await plan()).find((s) => s.stage === 'index')?.reasons.join('\n')).toMatch(/output index was modified/);
    expect((await ws.qexp(['run', 'exp.yaml'])).exitCode).toBe(0);
    rmSync(join(artifactOf('index'), readdirSync(artifactOf('index')).find((f) => f.startsWith('norms')) as string));
    expect((await plan()).find((s) => s.stage === 'index')?.status).toBe('stale');
    expect((await ws.qexp(['run', 'exp.yaml'])).exitCode).toBe(0);
  });

  it('--verify finds an edit that kept both size and modification time', async () => {
    const run = artifactOf('run.trec');
    const text = readFileSync(run, 'utf8');
    const ns = statSync(run, { bigint: true }).mtimeNs;
    writeFileSync(run, text.replace(/ 1 /, ' 9 ').replace(/ 2 /, ' 1 ').replace(/ 9 /, ' 2 '));
    // the modification time put back to the nanosecond (Node's utimes would round it)
    await execa('touch', ['-m', '-d', `@${ns / 1_000_000_000n}.${String(ns % 1_000_000_000n).padStart(9, '0')}`, run]);
    expect(statSync(run, { bigint: true }).mtimeNs).toBe(ns);
    expect((await plan()).find((s) => s.stage === 'bm25')?.status).toBe('done');
    expect((await plan('--verify')).find((s) => s.stage === 'bm25')?.status).toBe('stale');
  });
});
