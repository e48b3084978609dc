import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/diagnostics.js';
import { loadExperiment } from '../../src/dag/load-experiment.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

ws.write('c.tsv', 'd1\thello world\n');
ws.write('q.tsv', '1\thello\n');
ws.write('qrels.txt', '1 0 d1 1\n');

const HEAD = `name: fam
datasets:
  a: {queries: q.tsv, corpus: c.tsv, qrels: qrels.txt}
  b: {queries: q.tsv, corpus: c.tsv, qrels: qrels.txt}
`;

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.path}: ${d.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const load = (body: string) => loadExperiment(ws.write(`f-${Math.random().toString(36).slice(2)}.yaml`, HEAD + body));

describe('stage families', () => {
  it('make one stage per combination, named by the template, with {axis} filled in every field (typed when whole)', () => {
    const exp = load(`stages:
  data:
    matrix: {ds: [a, b]}
    name: "{ds}"
    kind: dataset
    dataset: "{ds}"
  index:
    matrix: {ds: [a, b]}
    kind: index
    corpus: "{ds}"
  run:
    matrix:
      k1: [0.9, 1.2]
      ds: [{name: a, hits: 10}, {name: b, hits: 20}]
    kind: retrieve
    index: index-{ds}
    topics: "{ds}.queries"
    k1: "{k1}"
    hits: "{ds.hits}"
    run_tag: bm25-{k1}-{ds}
`);
    const stages = exp.doc.stages;
    expect(Object.keys(stages)).toEqual(['a', 'b', 'index-a', 'index-b', 'run-0_9-a', 'run-0_9-b', 'run-1_2-a', 'run-1_2-b']);
    expect(stages['run-1_2-b']).toMatchObject({
      kind: 'retrieve',
      index: 'index-b',
      topics: 'b.queries',
      k1: 1.2,
      hits: 20,
      run_tag: 'bm25-1.2-b',
    });
    expect(exp.families.map((f) => [f.name, f.members.map((m) => m.name)])).toEqual([
      ['data', ['a', 'b']],
      ['index', ['index-a', 'index-b']],
      ['run', ['run-0_9-a', 'run-0_9-b', 'run-1_2-a', 'run-1_2-b']],
    ]);
    // `0.9` cannot be part of a stage name: it reads `0_9` there, and stays 0.9 in the values
  });

  it('per-member overrides and exclusions, and references to a whole family or to one member', () => {
    const exp = load(
      `stages:
  data: {matrix: {ds: [a, b]}, name: "{ds}", kind: dataset, dataset: "{ds}"}
  index: {matrix: {ds: [a, b]}, kind: index, corpus: "{ds}"}
  gen:
    matrix: {ds: [a, b], n: [x, y]}
    kind: shell
    command: echo {ds} {n} > {{outs.generations}}
    outs: {generations: null}
    exclude: [{ds: b, n: y}]
    overrides:
      - when: {n: y}
        env: {MODE: slow}
  fb: {kind: feedback, index: index-a, qrels: a, pool: [gen]}
  ev: {kind: shell, command: "true", from: gen}
report:
  rows: {R: ["ev"]}
`.replace('report:\n  rows: {R: ["ev"]}\n', ''),
    );
    const s = exp.doc.stages;
    expect(Object.keys(s).filter((n) => n.startsWith('gen-'))).toEqual(['gen-a-x', 'gen-a-y', 'gen-b-x']);
    expect(s['gen-a-y']).toMatchObject({ command: 'echo a y > {{outs.generations}}', env: { MODE: 'slow' } });
    expect(s['gen-a-x']?.env).toBeUndefined();
    expect(s.fb?.pool).toEqual(['gen-a-x', 'gen-a-y', 'gen-b-x']);
    expect(s.ev?.from).toEqual(['gen-a-x', 'gen-a-y', 'gen-b-x']);
  });

  it('report rows name a family or a pattern; ablation axes and -S on a family reach every member', () => {
    const exp = loadExperiment(
      ws.write(
        'rows.yaml',
        `${HEAD}stages:
  data: {matrix: {ds: [a, b]}, name: "{ds}", kind: dataset, dataset: "{ds}"}
  index: {matrix: {ds: [a, b]}, kind: index, corpus: "{ds}"}
  run: {matrix: {sys: [x, y], ds: [a, b]}, kind: retrieve, index: "index-{ds}", topics: "{ds}"}
  ev: {matrix: {sys: [x, y], ds: [a, b]}, kind: evaluate, run: "run-{sys}-{ds}", qrels: "{ds}", measures: [P@1]}
report:
  rows: {X: ev-x-*, All: ev}
ablations:
  axes:
    run.hits: [10, 20]
`,
      ),
      { set: ['index.norms=exact'] },
    );
    expect((exp.doc.report as { rows: Record<string, string[]> }).rows).toEqual({
      X: ['ev-x-a', 'ev-x-b'],
      All: ['ev-x-a', 'ev-x-b', 'ev-y-a', 'ev-y-b'],
    });
    expect(exp.variants.map((v) => v.name)).toEqual(['run.hits=10', 'run.hits=20']);
    const v = exp.variants[1]?.doc.stages;
    expect(['run-x-a', 'run-x-b', 'run-y-a', 'run-y-b'].map((n) => v?.[n]?.hits)).toEqual([20, 20, 20, 20]);
    expect(exp.doc.stages['index-b']?.norms).toBe('exact');
  });

  it('errors point at the family, name the member, and say what to do', () => {
    const msgs = problems(() =>
      load(`stages:
  data: {matrix: {ds: [a, b]}, name: "{ds}", kind: dataset, dataset: "{ds}"}
  index:
    matrix: {ds: [a, b]}
    kind: index
    corpus: "{ds}"
    norms: fast
  run:
    matrix: {ds: [a, b]}
    kind: retrieve
    index: index
    topics: "{ds}"
  bad:
    matrix: {ds: [a, b]}
    name: bad
    kind: index
    corpus: a
  odd:
    matrix: {ds: [a, b]}
    kind: index
    corpus: a
    overrides: [{when: {dss: a}, norms: exact}]
`),
    );
    expect(msgs).toEqual([
      // the family's line, each member named
      "11:12 stages.index-a.norms: stages.index-a.norms is 'fast'; expected one of 'lucene', 'exact'",
      "11:12 stages.index-b.norms: stages.index-b.norms is 'fast'; expected one of 'lucene', 'exact'",
      // once for the family's line, not once per member, and no "unknown stage" after it
      "15:12 stages.run-a.index: 'index' is a family of 2 stages: name one of them (index-a, index-b)",
      "19:11 stages.bad.name: the name template 'bad' does not use axis 'ds': members would share a name",
      "26:25 stages.odd.overrides[0].when.dss: no axis 'dss' in matrix; did you mean 'ds'?",
    ]);
  });
});
