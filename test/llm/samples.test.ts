import { describe, expect, it } from 'vitest';
import { startChatServer } from '../helpers/chat-server.mjs';
import { Workspace } from '../helpers/workspace.js';
import { ENV, experiment, generations, queries } from './gen-fixture.js';

describe('samples are distinct draws', () => {
  it('samples: 3 without a seed sends three requests per query, under three keys, and gets three different texts', async () => {
    const ws = new Workspace();
    // the server samples as a real one does: a request without a seed gets a text of its own
    const server = await startChatServer({ draws: true });
    try {
      ws.write('queries.tsv', queries(4));
      ws.write('exp.yaml', experiment(server.url, { sampling: { temperature: 1 } }, { samples: 3 }));
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(r.exitCode, r.all).toBe(0);
      expect(server.log).toHaveLength(12);
      // what was sent is the request the user declared: the draw's number is the ledger's, not the endpoint's
      for (const q of server.log) expect(Object.keys(q.body).sort()).toEqual(['messages', 'model', 'temperature']);
      const gens = await generations(ws);
      expect(gens.map((g) => `${g.qid}/${g.sample}`)).toEqual(['q0', 'q1', 'q2', 'q3'].flatMap((q) => [0, 1, 2].map((s) => `${q}/${s}`)));
      for (const q of ['q0', 'q1', 'q2', 'q3']) expect(new Set(gens.filter((g) => g.qid === q).map((g) => g.text)).size).toBe(3);
      const keys = await ws.sql('SELECT count(DISTINCT request_key) AS n FROM generations');
      expect(Number(keys[0]?.n)).toBe(12);
      expect(Number((await ws.sql('SELECT count(*) AS n FROM llm_requests'))[0]?.n)).toBe(12);
      // and every draw is answered from the ledger the next time
      const again = await ws.qexp(['run', 'exp.yaml', '--force', 'gen'], ENV);
      expect(again.exitCode, again.all).toBe(0);
      expect(server.log).toHaveLength(12);
      expect(await generations(ws)).toEqual(gens);
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('with a seed, each sample is asked with its own seed (seed + i), as before', async () => {
    const ws = new Workspace();
    const server = await startChatServer({ draws: true });
    try {
      ws.write('queries.tsv', queries(2));
      ws.write('exp.yaml', experiment(server.url, { sampling: { temperature: 1, seed: 7 } }, { samples: 3 }));
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(r.exitCode, r.all).toBe(0);
      expect(server.log.map((q) => q.body.seed).sort()).toEqual([7, 7, 8, 8, 9, 9]);
      expect(server.log.every((q) => !('qexp_draw' in q.body))).toBe(true);
      expect(Number((await ws.sql('SELECT count(DISTINCT request_key) AS n FROM generations'))[0]?.n)).toBe(6);
    } finally {
      await server.close();
      ws.remove();
    }
  });
});
