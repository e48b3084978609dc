import { readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { Workspace, waitFor } from '../helpers/workspace.js';
import { launchChromium, NO_CHROMIUM, startView } from './helpers.js';

const ws = new Workspace();
afterAll(() => ws.remove());

const shell = (name: string, word: string) => `name: ${name}
description: the ${name} experiment
stages:
  make: {kind: shell, command: "echo ${word} > {{outs.x}}", outs: {x: null}}
  use: {kind: shell, from: make, command: "cat {{inputs.make.x}} > {{outs.y}}", outs: {y: null}}
`;

const json = async <T = Record<string, unknown>>(url: string) => {
  const res = await fetch(url);
  return { status: res.status, body: (await res.json()) as T };
};

beforeAll(async () => {
  ws.write('a.yaml', shell('alpha', 'one'));
  ws.write('b.yaml', shell('beta', 'two'));
  for (const f of ['a.yaml', 'b.yaml']) expect((await ws.qexp(['run', f])).exitCode).toBe(0);
  // beta's file is gone: the viewer shows what the store recorded of it
  rmSync(ws.path('b.yaml'));
}, 120_000);

describe('qexp view without a file', () => {
  it("lists every experiment of the store; one whose file is gone shows the store's records and says why", async () => {
    const v = await startView(ws, [], {});
    try {
      const list = await json<{ items: { name: string; states: Record<string, number>; problem: string | null }[] }>(
        `${v.url}api/experiments`,
      );
      expect(list.body.items.map((e) => [e.name, e.states.done])).toEqual([
        ['alpha', 2],
        ['beta', 2],
      ]);
      expect(list.body.items[0]?.problem).toBeNull();
      expect(list.body.items[1]?.problem).toMatch(/b\.yaml could not be read .*: the store's records only, without the plan/);
      const beta = await json<{ stages: { stage: string; state: string; kind: string }[] }>(`${v.url}api/experiments/beta`);
      expect(beta.body.stages.map((s) => [s.stage, s.kind, s.state]).sort()).toEqual([
        ['make', 'shell', 'done'],
        ['use', 'shell', 'done'],
      ]);
    } finally {
      v.proc.kill('SIGINT');
      await v.proc;
    }
  });

  it('says when there is no store to show', async () => {
    const r = await ws.qexp(['view', '--store', 'nowhere/q.duckdb']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/no store at .*nowhere\/q\.duckdb; pass --store PATH or an experiment file/);
  });
});

describe('qexp view options', () => {
  it('--open hands the URL to $BROWSER', async () => {
    ws.write('browser.sh', `#!/bin/sh\necho "$1" > "${ws.path('opened.txt')}"\n`);
    const { chmodSync } = await import('node:fs');
    chmodSync(ws.path('browser.sh'), 0o755);
    const v = await startView(ws, ['a.yaml', '--open'], { BROWSER: ws.path('browser.sh') });
    try {
      await waitFor(
        () => {
          try {
            return readFileSync(ws.path('opened.txt'), 'utf8').trim() === v.url;
          } catch {
            return false;
          }
        },
        30_000,
        'the browser command',
      );
    } finally {
      v.proc.kill('SIGINT');
      await v.proc;
    }
  });

  it('--port N listens there, and a port in use is an error that says what to do', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await ws.qexp(['view', 'a.yaml', '--port', String(port)]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`cannot listen on 127.0.0.1:${port} (in use); pick another --port, or leave it out for a free one`);
    } finally {
      blocker.close();
    }
    const bad = await ws.qexp(['view', 'a.yaml', '--port', 'http']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--port <n>' argument 'http' is invalid\. give a port number from 0 to 65535/);
  });
});

// Until the store publishes a snapshot for readers, a store that `qexp run` holds cannot be read:
// the viewer says so, and keeps showing what it read before.
describe('qexp view while another process holds the store', () => {
  it('answers 503 naming the holder when it has read nothing yet, and marks older data stale after', async () => {
    const v = await startView(ws, ['a.yaml'], {});
    let held: Store | undefined;
    try {
      const first = await json<{ store: { stale: string | null }; stages: unknown[] }>(`${v.url}api/experiments/alpha`);
      expect(first.status).toBe(200);
      expect(first.body.store.stale).toBeNull();
      held = await Store.open(ws.path('results/qexp.duckdb'));
      await held.saveExperiment('gamma', ws.path('c.yaml'), undefined, {}, []);
      const during = await json<{ store: { stale: string | null }; stages: unknown[] }>(`${v.url}api/experiments/alpha`);
      expect(during.status).toBe(200);
      expect(during.body.store.stale).toMatch(new RegExp(`in use by process ${process.pid}.*showing what it held when last read`));
      expect(during.body.stages).toEqual(first.body.stages);

      const fresh = await startView(ws, ['a.yaml'], {});
      try {
        const r = await json<{ error: string }>(`${fresh.url}api/experiments/alpha`);
        expect(r.status).toBe(503);
        expect(r.body.error).toMatch(new RegExp(`is in use by process ${process.pid}`));
      } finally {
        fresh.proc.kill('SIGINT');
        await fresh.proc;
      }
      held.close();
      held = undefined;
      const after = await json<{ store: { stale: string | null } }>(`${v.url}api/experiments/alpha`);
      expect(after.body.store.stale).toBeNull();
    } finally {
      held?.close();
      v.proc.kill('SIGINT');
      await v.proc;
    }
  });

  it.skipIf(NO_CHROMIUM)('the page shows the stale banner', async () => {
    const v = await startView(ws, ['a.yaml'], {});
    let browser: Browser | undefined;
    let held: Store | undefined;
    try {
      browser = await launchChromium();
      const page = await browser.newPage();
      await page.goto(v.url);
      await page.waitForSelector('tr[data-stage="use"]');
      expect(await page.isHidden('#banner')).toBe(true);
      held = await Store.open(ws.path('results/qexp.duckdb'));
      await held.saveExperiment('delta', ws.path('d.yaml'), undefined, {}, []);
      await page.reload();
      await page.waitForSelector('#banner:not([hidden])');
      expect(await page.textContent('#banner')).toMatch(/in use by process \d+.*showing what it held when last read/);
      expect(await page.locator('tr[data-stage="use"]').count()).toBe(1);
    } finally {
      held?.close();
      await browser?.close();
      v.proc.kill('SIGINT');
      await v.proc;
    }
  });
});
