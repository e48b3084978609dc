import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { writeToyCollection } from '../helpers/toy-collection.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());
writeToyCollection(
  ws,
  4,
  (i) => `w${i}c w${i}d`,
  () => 'nothing',
);

const base = {
  name: 'safe',
  datasets: { toy: { queries: 'data/queries.tsv', qrels: 'data/qrels.txt', corpus: 'data/corpus.tsv' } },
  prompts: { p: { messages: [{ role: 'user', content: '{{query}}' }] } },
  models: {
    replayed: { provider: 'replay', file: 'good.jsonl' },
    api: { provider: 'openai', model: 'm', base_url: 'http://127.0.0.1:9/v1', api_key_env: 'SAFE_TEST_KEY' },
    served: { provider: 'openai', model: 'm', serve: { command: 'touch served-was-started && sleep 60', port: 8917 } },
    offline: { provider: 'local', path: 'some/model', command: 'python3' },
  },
  stages: {
    data: { kind: 'dataset', dataset: 'toy' },
    idx: { kind: 'index', corpus: 'data' },
    gen: { kind: 'generate', model: 'replayed', prompt: 'p', queries: 'data' },
    run: { kind: 'retrieve', index: 'idx', topics: 'data', expansions: 'gen' },
    ev: { kind: 'evaluate', run: 'run', qrels: 'data', measures: ['nDCG@10'] },
  } as Record<string, unknown>,
};
const write = (name: string, stages: Record<string, unknown> = {}) =>
  ws.write(name, JSON.stringify({ ...base, stages: { ...base.stages, ...stages } }));

describe("qexp run --safe: a reviewer re-runs someone else's experiment", () => {
  it('refuses, before anything runs, every stage that would run a command, and names each', async () => {
    const f = write('cmds.yaml', {
      sh: { kind: 'shell', command: 'touch pwned', outs: { x: null } },
      served: { kind: 'generate', model: 'served', prompt: 'p', queries: 'data' },
      offline: { kind: 'generate', model: 'offline', prompt: 'p', queries: 'data' },
    });
    const r = await ws.qexp(['run', f, '--safe']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('qexp: --safe: 3 stage(s) would run commands on this machine; nothing was run:');
    expect(r.stderr).toContain('stage sh (shell) would run: touch pwned');
    expect(r.stderr).toContain('stage served (generate) would run: touch served-was-started && sleep 60');
    expect(r.stderr).toContain('stage offline (generate) would run: python3 trainers/generate.py');
    expect(existsSync(ws.path('pwned'))).toBe(false);
    expect(existsSync(ws.path('served-was-started'))).toBe(false);
    expect(existsSync(ws.path('results/artifacts'))).toBe(false);
  });

  it('runs an experiment whose stages run no command, and lists the LLM endpoints it may reach', async () => {
    const ok = await ws.qexp(['run', write('ok.yaml'), '--safe']);
    expect(ok.exitCode, ok.all).toBe(0);
    expect(ok.stderr).toContain('qexp: --safe: no stage runs a command; hooks run in their sandbox');
    const api = write('api.yaml', { gen: { kind: 'generate', model: 'api', prompt: 'p', queries: 'data' } });
    const dry = await ws.qexp(['run', api, '--safe', '--dry-run']);
    expect(dry.stderr).toContain('http://127.0.0.1:9/v1 (the LLM endpoint of model api; sends the value of $SAFE_TEST_KEY)');
  });

  it('qexp plan shows which stages run commands and which addresses they reach', async () => {
    const f = write('plan.yaml', {
      sh: { kind: 'shell', command: 'echo hi > {{outs.x}}', outs: { x: null } },
      gen: { kind: 'generate', model: 'api', prompt: 'p', queries: 'data' },
    });
    const text = (await ws.qexp(['plan', f])).stdout;
    expect(text).toMatch(/sh .*\n(.*\n)*?\s+runs: echo hi > \{\{outs\.x\}\}/);
    expect(text).toMatch(/reaches: http:\/\/127\.0\.0\.1:9\/v1 \(with \$SAFE_TEST_KEY\)/);
    const json = await ws.json<{ stages: { stage: string; effects: { commands: string[] } }[] }>(['plan', f]);
    expect(json.data.stages.find((s) => s.stage === 'sh')?.effects.commands).toEqual(['echo hi > {{outs.x}}']);
    expect(json.data.stages.find((s) => s.stage === 'ev')?.effects).toEqual({ commands: [], network: [] });
  });
});
