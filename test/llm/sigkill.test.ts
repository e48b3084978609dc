import { describe, expect, it } from 'vitest';
import { startChatServer } from '../helpers/chat-server.mjs';
import { Workspace, waitFor } from '../helpers/workspace.js';
import { ENV, experiment, generations, queries } from './gen-fixture.js';

const CONCURRENCY = 8;
const QUERIES = 600;

describe('a SIGKILL during generate', () => {
  it('loses at most the requests in flight: every answer the server had sent is stored, and the rerun asks only for the rest', async () => {
    const ws = new Workspace();
    // the first run can never finish on its own (requests after the 400th hang, with a long
    // timeout), so the kill always lands while it runs, however slowly this machine polls
    let firstRun = true;
    const server = await startChatServer({ latencyMs: 5, behave: () => (firstRun && server.log.length > 400 ? 'hang' : 'ok') });
    try {
      ws.write('queries.tsv', queries(QUERIES));
      ws.write('exp.yaml', experiment(server.url, { concurrency: CONCURRENCY, timeout_s: 600 }));
      const child = ws.spawn(['run', 'exp.yaml'], ENV);
      await waitFor(() => server.answered >= 150 || child.exitCode !== null, 120_000, '150 answers');
      child.kill('SIGKILL');
      const killed = await child;
      expect(killed.signal, killed.all).toBe('SIGKILL');
      firstRun = false;
      // what the server had sent in full by the time the process died, against what the store has
      const sentPrompts = new Set(server.log.filter((q) => q.answered).map((q) => q.prompt));
      const sent = sentPrompts.size;
      expect(sent).toBe(server.answered);
      // the next command to open the store takes in what was received but not yet in DuckDB
      const ls = await ws.qexp(['ledger', 'ls', '--json']);
      expect(ls.exitCode, ls.all).toBe(0);
      const stored = JSON.parse(ls.stdout) as { key: string }[];
      if (process.env.SHOW_FIGURES) console.log(`${sent} sent, ${stored.length} stored`);
      expect(sent - stored.length, `${sent} sent, ${stored.length} stored`).toBeLessThanOrEqual(CONCURRENCY);
      expect(stored.length).toBeLessThanOrEqual(sent);
      const storedPrompts = new Set(
        (await ws.sql('SELECT body FROM llm_requests')).map((r) => JSON.parse(String(r.body)).messages[0].content),
      );
      const before = server.log.length;
      const again = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(again.exitCode, again.all).toBe(0);
      const resent = server.log.slice(before);
      // each request not stored is asked once, and none that is
      expect(resent.length).toBe(QUERIES - stored.length);
      expect(new Set(resent.map((q) => q.prompt)).size).toBe(resent.length);
      expect(resent.filter((q) => storedPrompts.has(q.prompt))).toEqual([]);
      // of the answers the server had sent in full, only those still in flight at the kill are asked again
      expect(resent.filter((q) => sentPrompts.has(q.prompt)).length).toBeLessThanOrEqual(CONCURRENCY);
      expect((await generations(ws)).length).toBe(QUERIES);
    } finally {
      await server.close();
      ws.remove();
    }
  });
});
