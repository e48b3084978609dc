import { afterAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { positionOf, Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

ws.write('data/qrels.txt', 'q1 0 d1 2\nq1 0 d2 1\nq1 0 d3 0\nq2 0 e1 1\nq2 0 e2 2\n');
ws.write('data/topics.tsv', 'q1\tfirst\nq2\tsecond\n');
ws.write('fixtures/run.txt', 'q1 Q0 d2 1 3 sys\nq1 Q0 d3 2 2 sys\nq1 Q0 d1 3 1 sys\nq2 Q0 e2 1 5 sys\nq2 Q0 x9 2 4 sys\n');

const experiment = `name: evaluation
datasets:
  toy: {queries: data/topics.tsv, qrels: data/qrels.txt}
stages:
  data: {kind: dataset, dataset: toy}
  system:
    kind: shell
    deps: [fixtures/run.txt]
    command: cp fixtures/run.txt {{outs.run}}
    outs: {run: null}
  eval:
    kind: evaluate
    run: system
    qrels: data
    measures: [nDCG@10, AP(rel=2)@1000, P@2, RR, NumRelRet, NDCG@10, RR(rel=2)@10]
`;

describe('evaluate stage', () => {
  it('stores per-query and aggregate values equal to qexp eval on the same files', async () => {
    ws.write('exp.yaml', experiment);
    const r = await ws.qexp(['run', 'exp.yaml']);
    expect(r.exitCode, r.all).toBe(0);
    const store = await Store.open(ws.path('results/qexp.duckdb'));
    const stages = await store.allStages();
    const fp = stages.find((s) => s.stage === 'eval')?.fingerprint as string;
    const rows = await store.metrics(fp);
    store.close();
    const value = (qid: string, m: string) => rows.find((x) => x.qid === qid && x.measure === m)?.value;
    expect(rows.every((x) => x.run === 'system' && x.dataset === 'toy')).toBe(true);

    // the same measures through the trec_eval-compatible CLI
    const cli = await ws.json<{ per_query: Record<string, Record<string, number>>; all: Record<string, number> }>([
      'eval',
      'data/qrels.txt',
      'fixtures/run.txt',
      '-q',
      '-m',
      'ndcg_cut.10',
      '-m',
      'P.2',
      '-m',
      'recip_rank',
      '-m',
      'num_rel_ret',
    ]);
    const ap2 = await ws.json<{ per_query: Record<string, Record<string, number>>; all: Record<string, number> }>([
      'eval',
      'data/qrels.txt',
      'fixtures/run.txt',
      '-q',
      '-l',
      '2',
      '-m',
      'map_cut.1000',
    ]);
    for (const q of ['q1', 'q2']) {
      expect(value(q, 'nDCG@10')).toBe(cli.data.per_query[q]?.ndcg_cut_10);
      expect(value(q, 'P@2')).toBe(cli.data.per_query[q]?.P_2);
      expect(value(q, 'RR')).toBe(cli.data.per_query[q]?.recip_rank);
      expect(value(q, 'AP(rel=2)@1000')).toBe(ap2.data.per_query[q]?.map_cut_1000);
    }
    expect(value('all', 'nDCG@10')).toBe(cli.data.all.ndcg_cut_10);
    expect(value('all', 'NumRelRet')).toBe(3); // q1: d2, d1; q2: e2
    // by hand: q1 ranks d2(1) d3(0) d1(2): rel=2 only d1 at rank 3 → AP = (1/3)/1; q2: e2(2) at rank 1 → 1
    expect(value('q1', 'AP(rel=2)@1000')).toBeCloseTo(1 / 3, 12);
    expect(value('q2', 'AP(rel=2)@1000')).toBe(1);
    // RR: first relevant (grade ≥ 1) of q1 is d2 at rank 1
    expect(value('q1', 'RR')).toBe(1);
    // the alias is the same measure; RR(rel=2)@10: q1's d1 (grade 2) at rank 3, q2's e2 at rank 1
    expect(value('q1', 'NDCG@10')).toBe(value('q1', 'nDCG@10'));
    expect(value('q1', 'RR(rel=2)@10')).toBe(1 / 3);
    expect(value('all', 'RR(rel=2)@10')).toBe((1 / 3 + 1) / 2);
  });

  it('reports unknown measures and outputs at their position', async () => {
    const text = experiment.replace('P@2, RR', 'P@2, NDCGG@10, RBP, P').replace('run: system', 'run: system.runs');
    ws.write('bad.yaml', text);
    const r = await ws.qexp(['validate', 'bad.yaml']);
    expect(r.exitCode).toBe(2);
    const at = (needle: string) => `bad.yaml:${positionOf(text, needle).line}:${positionOf(text, needle).col}: error: `;
    expect(r.stderr).toContain(`${at('NDCGG@10')}unknown measure 'NDCGG' in 'NDCGG@10'`);
    expect(r.stderr).toContain(`${at('RBP')}ir_measures' RBP is not implemented in qexp`);
    expect(r.stderr).toContain(`${at('P, NumRelRet')}'P' needs a cutoff, e.g. P@10`);
    expect(r.stderr).toContain(`${at('system.runs')}stage 'system' has no output 'runs'; did you mean 'run'?`);
  });
});
