import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/diagnostics.js';
import { buildDag } from '../../src/dag/build-dag.js';
import { loadExperiment } from '../../src/dag/load-experiment.js';
import type { ModelDecl } from '../../src/llm/providers/provider.js';
import { getProvider, providerNames } from '../../src/llm/providers/registry.js';
import { positionOf, Workspace } from '../helpers/workspace.js';

// The generate stage knows no provider by name: whatever the registry lists gets its checks
// reported, its identity fingerprinted and its runtime kept apart, through the stage.

const ws = new Workspace();
afterAll(() => ws.remove());
ws.write('data/q.tsv', 'q1\tone\n');
ws.write('data/corpus.tsv', 'd1\tthe text\n');
ws.write('rec.jsonl', '{"qid": "q1", "text": "x"}\n');
ws.write('rec2.jsonl', '{"qid": "q1", "text": "y"}\n');

/** A valid model of each provider, a setting that changes its answers, and one that only changes speed (if it has any). */
const CASES: Record<string, { model: string; answers: [string, string]; speed?: [string, string] }> = {
  openai: {
    model: '{provider: openai, model: m, base_url: "http://127.0.0.1:9/v1"}',
    answers: ['model: m', 'model: m2'],
    speed: ['}', ', concurrency: 3}'],
  },
  replay: { model: '{provider: replay, file: rec.jsonl}', answers: ['rec.jsonl', 'rec2.jsonl'] },
  local: { model: '{provider: local, path: org/model}', answers: ['org/model', 'org/other'], speed: ['}', ', batch_size: 4}'] },
  prf: { model: '{provider: prf, index: idx, corpus: data}', answers: ['corpus: data}', 'corpus: data, fb_terms: 3}'] },
};

function experiment(model: string): string {
  return `name: providers
datasets:
  toy: {queries: data/q.tsv, corpus: data/corpus.tsv}
models:
  m: ${model}
prompts:
  p: {messages: [{role: user, content: "{{query}}"}]}
stages:
  data: {kind: dataset, dataset: toy}
  idx: {kind: index, corpus: data}
  gen: {kind: generate, model: m, prompt: p, queries: data}
`;
}

async function generateNode(model: string) {
  const file = ws.write('exp.yaml', experiment(model));
  const dag = await buildDag(loadExperiment(file));
  const node = [...dag.nodes.values()].find((n) => n.stage === 'gen');
  if (!node) throw new Error('no generate stage');
  return node;
}

function diagnostics(model: string): { line: number; message: string; path: string }[] {
  const file = ws.write('exp.yaml', experiment(model));
  try {
    loadExperiment(file);
  } catch (err) {
    if (err instanceof ConfigError) return err.diagnostics.map((d) => ({ line: d.pos.line, message: d.message, path: d.path }));
    throw err;
  }
  return [];
}

describe('the generate stage with each registered provider', () => {
  it('has a case for every provider', () => {
    expect(Object.keys(CASES).sort()).toEqual(providerNames().sort());
  });

  it("fingerprints the provider's identity and keeps its runtime out of the fingerprint", async () => {
    for (const [name, c] of Object.entries(CASES)) {
      const base = await generateNode(c.model);
      expect((base.resolved.uses['models.m'] as { provider: string }).provider).toBe(name);
      const other = await generateNode(c.model.replace(...c.answers));
      expect(other.fingerprint, `${name}: ${c.answers[1]}`).not.toBe(base.fingerprint);
      if (c.speed) {
        const faster = await generateNode(c.model.replace(...c.speed));
        expect(faster.fingerprint, `${name}: ${c.speed[1]}`).toBe(base.fingerprint);
        expect(faster.resolved.runtime, `${name}: the runtime reaches the stage`).not.toEqual(base.resolved.runtime);
      }
    }
  });

  it("reports each provider's own checks where the model is written", () => {
    for (const name of providerNames()) {
      const expected = getProvider(name).check({ provider: name } as ModelDecl);
      if (expected.length === 0) continue;
      const text = experiment(`{provider: ${name}}`);
      const line = positionOf(text, `{provider: ${name}}`).line;
      const got = diagnostics(`{provider: ${name}}`);
      for (const p of expected) expect(got, name).toContainEqual({ line, message: p.message, path: ['models', 'm', ...p.key].join('.') });
    }
  });

  it('runs after the stages the model reads, and says when one is of the wrong kind', async () => {
    const node = await generateNode(CASES.prf?.model as string);
    expect(Object.keys(node.inputs).sort()).toEqual(['data', 'idx']);
    const model = '{provider: prf, index: data, corpus: data}';
    expect(diagnostics(model)).toContainEqual({
      line: positionOf(experiment(model), 'index: data').line,
      message: "a 'prf' model's 'index' is an index stage (the index it searches); 'data' is dataset",
      path: 'models.m.index',
    });
  });
});
