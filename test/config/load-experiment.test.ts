import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/diagnostics.js';
import { loadExperiment } from '../../src/dag/load-experiment.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loading experiments', () => {
  it('fills schema defaults (Anserini BM25 and query2doc formulation)', () => {
    const f = ws.write('d.yaml', 'name: d\nstages:\n  a: {kind: shell, command: x}\n');
    const exp = loadExperiment(f);
    expect(exp.doc.retrieval).toEqual({
      analyzer: 'english',
      bm25: { k1: 0.9, b: 0.4 },
      hits: 1000,
      formulation: { mode: 'query2doc', repeat_query: 5, separator: ' ', concat: 1 },
    });
    expect(exp.doc.seed).toBe(0);
    expect(exp.variants.map((v) => v.name)).toEqual(['base']);
  });

  it('interpolates ${env:NAME} and ${env:NAME:-default}, typing whole-value references', () => {
    const f = ws.write(
      'env.yaml',
      'name: e\nretrieval:\n  bm25: {k1: "${env:QX_K1:-0.9}", b: "${env:QX_B}"}\nstages:\n  a: {kind: shell, command: "echo ${env:QX_WORD:-hello} $${env:LITERAL}"}\n',
    );
    const exp = loadExperiment(f, { env: { QX_B: '0.7' } });
    expect(exp.doc.retrieval.bm25).toEqual({ k1: 0.9, b: 0.7 });
    expect(exp.doc.stages.a?.command).toBe('echo hello ${env:LITERAL}');
    const msgs = problems(() => loadExperiment(f, { env: {} }));
    expect(msgs).toEqual([expect.stringMatching(/^3:\d+ environment variable QX_B is not set; export it, or give a default/)]);
  });

  it('composes extends: maps merge, scalars and lists are replaced, null removes; errors point into the right file', () => {
    ws.write(
      'exp/base.yaml',
      'name: base\ndatasets:\n  toy: {queries: ../data/q.tsv}\nretrieval: {bm25: {k1: 0.9, b: 0.4}}\nstages:\n  a: {kind: shell, command: x, deps: [../data/q.tsv]}\n  b: {kind: shell, from: a, command: y}\n',
    );
    ws.write('data/q.tsv', '1\tq\n');
    const child = ws.write(
      'exp/abl/child.yaml',
      'extends: ../base.yaml\nname: child\nretrieval: {bm25: {k1: 1.2}}\nstages:\n  b: null\n  c: {kind: shell, from: a, command: z}\n',
    );
    const exp = loadExperiment(child);
    expect(exp.doc.name).toBe('child');
    expect(exp.doc.retrieval.bm25).toEqual({ k1: 1.2, b: 0.4 });
    expect(Object.keys(exp.doc.stages).sort()).toEqual(['a', 'c']);
    // the dependency path written in base.yaml resolves against base.yaml's folder: no error
    const bad = ws.write('exp/abl/bad.yaml', 'extends: ../base.yaml\nstages:\n  a: {kind: shell, command: x, dep: []}\n');
    const err = (() => {
      try {
        loadExperiment(bad);
      } catch (e) {
        return e as ConfigError;
      }
    })();
    expect(err?.diagnostics.map((d) => [d.pos.file.endsWith('bad.yaml'), d.pos.line, d.message])).toEqual([
      [true, 3, "unknown key 'dep' in stages.a; did you mean 'deps'?"],
    ]);
  });

  it('detects extends cycles', () => {
    ws.write('x1.yaml', 'extends: x2.yaml\nname: x\nstages: {a: {kind: shell, command: x}}\n');
    const f = ws.write('x2.yaml', 'extends: x1.yaml\n');
    expect(problems(() => loadExperiment(f)).join('\n')).toMatch(/extends cycle: .*x2\.yaml → .*x1\.yaml → .*x2\.yaml/);
  });

  it('expands a 3×2 cartesian grid into 6 named variants, first axis slowest', () => {
    const f = ws.write(
      'grid.yaml',
      'name: g\nretrieval: {bm25: {k1: 0.9}}\nstages:\n  pairs: {kind: shell, command: x, env: {D: "0"}}\nablations:\n  axes:\n    pairs.env.D: ["0.05", "0.1", "0.2"]\n    retrieval.bm25.k1: [0.9, 1.2]\n',
    );
    const exp = loadExperiment(f);
    expect(exp.variants.map((v) => v.name)).toEqual([
      'pairs.env.D=0.05,retrieval.bm25.k1=0.9',
      'pairs.env.D=0.05,retrieval.bm25.k1=1.2',
      'pairs.env.D=0.1,retrieval.bm25.k1=0.9',
      'pairs.env.D=0.1,retrieval.bm25.k1=1.2',
      'pairs.env.D=0.2,retrieval.bm25.k1=0.9',
      'pairs.env.D=0.2,retrieval.bm25.k1=1.2',
    ]);
    expect(exp.variants[3]?.doc.retrieval.bm25.k1).toBe(1.2);
    const env = exp.variants[3]?.doc.stages.pairs?.env as Record<string, string> | undefined;
    expect(env?.D).toBe('0.1');
  });

  it('zips axes of equal length and rejects uneven ones', () => {
    const text =
      'name: z\nstages:\n  a: {kind: shell, command: x}\nablations:\n  mode: zip\n  axes:\n    retrieval.bm25.k1: [0.9, 1.2]\n    retrieval.bm25.b: [0.4, 0.7]\n';
    const exp = loadExperiment(ws.write('zip.yaml', text));
    expect(exp.variants.map((v) => v.name)).toEqual([
      'retrieval.bm25.k1=0.9,retrieval.bm25.b=0.4',
      'retrieval.bm25.k1=1.2,retrieval.bm25.b=0.7',
    ]);
    const uneven = ws.write('zip2.yaml', text.replace('[0.4, 0.7]', '[0.4]'));
    expect(problems(() => loadExperiment(uneven)).join('\n')).toMatch(/mode zip needs axes of equal length/);
  });

  it('validates each variant and points at the ablation value that breaks it', () => {
    const text =
      'name: v\nstages:\n  a: {kind: shell, command: x}\nablations:\n  axes:\n    retrieval.bm25.b: [0.4, 7]\n    stagez.a.command: [y]\n';
    const msgs = problems(() => loadExperiment(ws.write('vbad.yaml', text)));
    expect(msgs).toEqual([
      expect.stringMatching(/^7:5 ablation axis 'stagez\.a\.command': 'stagez' is neither a section nor a stage; did you mean 'stages'\?/),
    ]);
    const fixed = ws.write('vbad2.yaml', text.replace('    stagez.a.command: [y]\n', ''));
    expect(problems(() => loadExperiment(fixed))).toEqual([
      expect.stringMatching(/^6:29 variant retrieval\.bm25\.b=7: retrieval\.bm25\.b must be <= 1/),
    ]);
  });
});
