import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { HookSpec, hooks as hooksType } from '../../src/hooks/hook-runtime.js';
import { Workspace } from '../helpers/workspace.js';

// the runtime starts its interpreter in a worker thread from the compiled file (npm test builds first)
const { hooks } = (await import(`${'../../dist/hooks/hook-runtime.js'}`)) as { hooks: typeof hooksType };

const hook = (name: string, python: string, fn = 'f', timeoutMs = 1000): HookSpec => ({
  name,
  source: python,
  function: fn,
  timeoutMs,
  where: 'exp.yaml:9:3',
});

describe('Python hooks in Pyodide', () => {
  it('calls a function on each argument list, dicts as dicts', async () => {
    expect(
      await hooks().call(hook('up', 'def f(text, query):\n    return text.upper() + "|" + query'), [
        ['ab', 'q1'],
        ['c', 'q2'],
      ]),
    ).toEqual(['AB|q1', 'C|q2']);
    expect(
      await hooks().call(hook('keep', 'def keep(p):\n    return p["delta"] > 0.1 and p["chosen"]["pool"] == "a"', 'keep'), [
        [{ delta: 0.2, chosen: { pool: 'a' } }],
        [{ delta: 0.2, chosen: { pool: 'b' } }],
      ]),
    ).toEqual([true, false]);
  });

  it('stops a call that loops forever at its time limit, and works again after', async () => {
    const t0 = Date.now();
    await expect(hooks().call(hook('spin', 'def f(x):\n    while True:\n        x += 1', 'f', 300), [[1]])).rejects.toThrow(
      'hook spin (exp.yaml:9:3) ran past its time limit of 300 ms and was stopped',
    );
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await hooks().call(hook('ok', 'def f(x):\n    return x * 2'), [[21]])).toEqual([42]);
  });

  it('refuses files, the host and the network with a clear error', async () => {
    const cases: [string, RegExp][] = [
      ['def f(x):\n    return open("/etc/passwd").read()', /PermissionError: qexp hooks cannot open or list files/],
      ['def f(x):\n    import os\n    return os.listdir("/")', /PermissionError: qexp hooks cannot open or list files/],
      [
        'def f(x):\n    import js\n    return js.process.pid',
        /qexp hooks cannot import js: a hook has no network, no files and no access to the host process/,
      ],
      ['def f(x):\n    import urllib.request\n    return 1', /qexp hooks cannot import urllib\.request/],
      ['def f(x):\n    import importlib\n    return importlib.import_module("socket")', /qexp hooks cannot import socket/],
    ];
    for (const [src, err] of cases)
      await expect(hooks().call(hook(`bad${cases.findIndex((c) => c[0] === src)}`, src), [[1]])).rejects.toThrow(err);
  });

  it('shows the Python traceback and where the hook is declared', async () => {
    const e = await hooks()
      .call(hook('div', 'def f(x):\n    return helper(x)\n\ndef helper(x):\n    return 1 / x'), [[0]])
      .catch((err: Error) => err);
    expect((e as Error).message).toMatch(/^hook div \(exp\.yaml:9:3\) raised an error:/);
    expect((e as Error).message).toMatch(/line 5, in helper/);
    expect((e as Error).message).toMatch(/ZeroDivisionError: division by zero/);
    await expect(hooks().call(hook('none', 'def g(x):\n    return x', 'f'), [[1]])).rejects.toThrow(/defines no function f/);
  });
});

describe('a postprocess hook in a generate stage', () => {
  const ws = new Workspace();
  afterAll(() => ws.remove());
  it('rewrites every generation, and its edit re-runs the stage', async () => {
    ws.write('q.tsv', 'q1\tfirst query\nq2\tsecond query\n');
    ws.write('rec.tsv', 'q1\tThe   first answer\nq2\tThe second answer\n');
    const doc = () =>
      JSON.stringify({
        name: 'pp',
        datasets: { q: { queries: 'q.tsv' } },
        models: { rec: { provider: 'replay', file: 'rec.tsv' } },
        prompts: { zs: { messages: [{ role: 'user', content: '{{query}}' }] } },
        hooks: { tidy: { file: 'tidy.py', function: 'postprocess' } },
        stages: {
          data: { kind: 'dataset', dataset: 'q' },
          gen: { kind: 'generate', model: 'rec', prompt: 'zs', queries: 'data', postprocess_hook: 'tidy' },
        },
      });
    ws.write('tidy.py', 'def postprocess(text, query):\n    return text.lower() + " [" + query + "]"\n');
    ws.write('exp.yaml', doc());
    const r = await ws.qexp(['run', 'exp.yaml', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const dir = ws.path('results/artifacts');
    const file = readdirSync(dir)
      .map((d) => join(dir, d, 'generations.jsonl'))
      .find((f) => existsSync(f)) as string;
    expect(readFileSync(file, 'utf8')).toContain('"text":"the first answer [first query]"');
    const plan = await ws.qexp(['plan', 'exp.yaml']);
    expect(plan.stdout).toMatch(/^\s*done\s+gen\b/m);
    ws.write('tidy.py', 'def postprocess(text, query):\n    return text.upper()\n');
    const again = await ws.qexp(['plan', 'exp.yaml']);
    expect(again.stdout).toMatch(/^\s*stale\s+gen\b[^\n]*\n\s*- file tidy\.py changed/m);
    expect(again.stdout).toMatch(/^\s*done\s+data\b/m);
  });
});
