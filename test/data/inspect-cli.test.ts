import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

describe('qexp data inspect and malformed data in a dataset stage', () => {
  it('counts well-formed files and stops at a malformed line with file:line and exit 2', async () => {
    ws.write('topics.tsv', '1\tone\n2\ttwo\n');
    ws.write('qrels.txt', '1 0 a 1\n1 0 b 0\n2 0 c 2\n');
    ws.write('run.trec', '1 Q0 a 1 2.5 t\n');
    // --as applies to every file: a topics file read as a run is malformed
    const wrong = await ws.qexp(['data', 'inspect', 'topics.tsv', '--as', 'run']);
    expect(wrong.exitCode).toBe(2);
    expect(wrong.stderr).toBe("topics.tsv:1: expected 6 columns 'qid Q0 docid rank score tag', got 2");
    const good = await ws.json<{ files: { kind: string; records: number; queries?: number; relevant?: number }[] }>([
      'data',
      'inspect',
      'topics.tsv',
      'qrels.txt',
    ]);
    expect(good.data.files.map((f) => [f.kind, f.records, f.queries, f.relevant])).toEqual([
      ['topics', 2, 2, undefined],
      ['qrels', 3, 2, 2],
    ]);
    ws.write('topics.bad.tsv', '1\tone\nno tab here\n');
    const t = await ws.qexp(['data', 'inspect', 'topics.bad.tsv']);
    expect(t.exitCode).toBe(2);
    expect(t.stderr).toBe(`topics.bad.tsv:2: expected 'qid<TAB>query text', got "no tab here"`);
    ws.write('run.bad', '1 Q0 a 1 2.5\n');
    const r = await ws.qexp(['data', 'inspect', 'run.bad', '--as', 'run']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("run.bad:1: expected 6 columns 'qid Q0 docid rank score tag', got 5");
  });

  it('a dataset stage fails on a malformed qrels line, naming it, and records nothing as done', async () => {
    ws.write('bad-qrels.txt', '1 0 a 1\n1 0 b zero\n');
    ws.write(
      'exp.yaml',
      'name: badqrels\ndatasets:\n  d: {queries: topics.tsv, qrels: bad-qrels.txt}\nstages:\n  data: {kind: dataset, dataset: d}\n',
    );
    const r = await ws.qexp(['run', 'exp.yaml']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/failed: data\n {2}.*bad-qrels\.txt:2: grade must be an integer, got 'zero'/);
    const plan = await ws.json<{ stages: { status: string }[] }>(['plan', 'exp.yaml']);
    expect(plan.data.stages[0]?.status).toBe('pending');
  });
});
