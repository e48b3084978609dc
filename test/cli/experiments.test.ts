import { cpSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/workspace.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ws = new Workspace();
afterAll(() => ws.remove());
cpSync(join(repo, 'experiments'), ws.path('experiments'), { recursive: true });
cpSync(join(repo, 'schemas'), ws.path('schemas'), { recursive: true });
const files = readdirSync(ws.path('experiments')).filter((f) => f.endsWith('.yaml'));

describe('experiments/ shipped with qexp', () => {
  it.each(files)('%s validates and plans', async (f) => {
    expect((await ws.qexp(['validate', `experiments/${f}`])).exitCode).toBe(0);
    expect((await ws.qexp(['plan', `experiments/${f}`])).exitCode).toBe(0);
  });

  it('the quickstart runs, then finds nothing to do', async () => {
    const first = await ws.qexp(['run', 'experiments/quickstart.yaml']);
    expect(first.exitCode, first.all).toBe(0);
    expect(first.stdout).toMatch(/ran 6 of 6 unit\(s\) of work/);
    const second = await ws.qexp(['run', 'experiments/quickstart.yaml']);
    expect(second.stdout).toMatch(/nothing to run: all 12 stages of 4 variants are up to date/);
  });
});
