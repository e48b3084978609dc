import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/diagnostics.js';
import { loadExperiment } from '../../src/dag/load-experiment.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

const problems = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.diagnostics.map((d) => `${d.pos.file}:${d.pos.col} ${d.message}`);
    throw err;
  }
  throw new Error('expected a ConfigError');
};

const file = ws.write(
  'exp.yaml',
  `name: s
retrieval: {bm25: {k1: 0.9}}
stages:
  a: {kind: shell, command: x, params: [retrieval.bm25.k1]}
  p: {kind: pairs, feedback: f}
  f: {kind: shell, command: y, outs: {feedback: null}}
`,
);

describe('qexp run|plan FILE -S path=value', () => {
  it('sets values over the file, typed as YAML, a stage name standing for stages.NAME', () => {
    const exp = loadExperiment(file, { set: ['retrieval.bm25.k1=1.2', 'p.min_delta=0.25', 'a.env={MODE: fast}', 'seed=7'] });
    expect(exp.doc.retrieval.bm25.k1).toBe(1.2);
    expect(exp.doc.stages.p?.min_delta).toBe(0.25);
    expect(exp.doc.stages.a?.env).toEqual({ MODE: 'fast' });
    expect(exp.doc.seed).toBe(7);
    expect(exp.settings).toEqual(['retrieval.bm25.k1=1.2', 'p.min_delta=0.25', 'a.env={MODE: fast}', 'seed=7']);
  });

  it('validates the values like the file, and points at the -S that is wrong', () => {
    expect(problems(() => loadExperiment(file, { set: ['retrieval.bm25.k1=high', 'stagez.a.x=1', 'nokey', 'name=x'] }))).toEqual([
      "-S name=x:1 'name' cannot be set from the command line",
      '-S nokey:1 write -S PATH=VALUE, PATH a dotted key path such as retrieval.bm25.k1 or STAGE.KEY',
      "-S retrieval.bm25.k1=high:19 retrieval.bm25.k1 must be a number, got string 'high'",
      "-S stagez.a.x=1:1 'stagez' is neither a section nor a stage; did you mean 'stages'?",
    ]);
  });

  it('changes what a plan shows, and the run records the settings it ran with', async () => {
    const r1 = await ws.json(['plan', file, '-S', 'retrieval.bm25.k1=1.2']);
    expect(r1.code).toBe(0);
    expect((r1.data as { settings: string[] }).settings).toEqual(['retrieval.bm25.k1=1.2']);
    const text = await ws.qexp(['plan', file, '-S', 'retrieval.bm25.k1=1.2']);
    expect(text.stdout).toContain('settings from the command line: -S retrieval.bm25.k1=1.2');
    const bad = await ws.qexp(['plan', file, '-S', 'retrieval.bm25.k1=x']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('-S retrieval.bm25.k1=x:1:19: error: retrieval.bm25.k1 must be a number');
  });
});
