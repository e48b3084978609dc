import { readFileSync, writeFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { startChatServer } from '../helpers/chat-server.mjs';
import { Workspace } from '../helpers/workspace.js';
import { ENV, experiment, generations, queries } from './gen-fixture.js';

/** Runs statements on the workspace's store as another program (or an older qexp) could. */
async function tamper(ws: Workspace, ...sql: string[]): Promise<void> {
  const db = await DuckDBInstance.create(ws.path('results/qexp.duckdb'));
  const conn = await db.connect();
  try {
    for (const s of sql) await conn.run(s);
  } finally {
    conn.closeSync();
    db.closeSync();
  }
}

const count = async (ws: Workspace) => Number((await ws.sql('SELECT count(*) AS n FROM llm_requests'))[0]?.n);

describe('a ledger no run can be stuck with', () => {
  it('more choices than n are dropped with a warning: samples 2 × n=1 against 4 choices gives 2 generations, and reruns work', async () => {
    const ws = new Workspace();
    const server = await startChatServer({ behave: () => 'extra-choices' });
    try {
      ws.write('queries.tsv', queries(3));
      ws.write('exp.yaml', experiment(server.url, { sampling: { seed: 1 } }, { samples: 2 }));
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(r.exitCode, r.all).toBe(0);
      const gens = await generations(ws);
      expect(gens.map((g) => `${g.qid}/${g.sample}`)).toEqual(['q0/0', 'q0/1', 'q1/0', 'q1/1', 'q2/0', 'q2/1']);
      expect(gens.every((g) => g.text.endsWith('(choice 0).'))).toBe(true);
      const [stage] = await ws.sql(`SELECT log_path FROM stages WHERE stage = 'gen'`);
      expect(readFileSync(String(stage?.log_path), 'utf8')).toMatch(
        /warning: 6 answer\(s\) had more choices than the n=1 asked for; the first 1 of each were kept and 18 dropped/,
      );
      for (const row of await ws.sql('SELECT texts FROM llm_requests')) expect(JSON.parse(String(row.texts))).toHaveLength(1);
      const again = await ws.qexp(['run', 'exp.yaml', '--force', 'gen'], ENV);
      expect(again.exitCode, again.all).toBe(0);
      expect(server.log).toHaveLength(6);
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('answers an older qexp stored wrong are asked again; `ledger ls --bad` shows them, `ledger show` and `ledger rm` act on them', async () => {
    const ws = new Workspace();
    const server = await startChatServer();
    try {
      ws.write('queries.tsv', queries(4));
      ws.write('exp.yaml', experiment(server.url));
      expect((await ws.qexp(['run', 'exp.yaml'], ENV)).exitCode).toBe(0);
      const keys = (await ws.sql(`SELECT request_key AS k FROM generations ORDER BY qid`)).map((r) => String(r.k));
      // what the adversarial tests left: four choices for n=1, texts that are not text, an impossible count
      await tamper(
        ws,
        `UPDATE llm_requests SET texts = '["a","b","c","d"]', finish_reasons = '["stop","stop","stop","stop"]' WHERE key = '${keys[1]}'`,
        `UPDATE llm_requests SET texts = '[123,null]', finish_reasons = '[null,null]' WHERE key = '${keys[2]}'`,
        `UPDATE llm_requests SET completion_tokens = -5 WHERE key = '${keys[3]}'`,
      );
      const ls = await ws.json<{ key: string; problem: string | null }[]>(['ledger', 'ls', '--bad']);
      expect(ls.code, ls.stderr).toBe(0);
      expect(ls.data.map((a) => [a.key, a.problem])).toEqual(
        [
          [keys[1], '4 texts for a request that asks for n=1'],
          [keys[2], 'texts[0] is a number, not text'],
          [keys[3], 'completionTokens is not a token count (an integer from 0 to 2^31-1)'],
        ].sort(),
      );
      const plain = await ws.qexp(['ledger', 'ls']);
      expect(plain.stdout).toMatch(/4 answer\(s\), 3 bad/);
      const show = await ws.json<{ key: string; texts: unknown[]; problem: string }[]>([
        'ledger',
        'show',
        (keys[2] as string).slice(0, 10),
      ]);
      expect(show.data).toMatchObject([{ key: keys[2], texts: [123, null], problem: 'texts[0] is a number, not text' }]);
      expect((await ws.qexp(['ledger', 'show', 'abcdef0123'])).exitCode).toBe(2);

      // a forced run asks for the three again, and stores good answers in their place
      const r = await ws.qexp(['run', 'exp.yaml', '--force', 'gen'], ENV);
      expect(r.exitCode, r.all).toBe(0);
      expect(server.log).toHaveLength(7);
      expect((await generations(ws)).map((g) => g.text)).toEqual([0, 1, 2, 3].map((i) => `A passage about query number ${i} (choice 0).`));
      const [stage] = await ws.sql(`SELECT log_path FROM stages WHERE stage = 'gen'`);
      expect(readFileSync(String(stage?.log_path), 'utf8')).toMatch(
        /warning: 3 stored answer\(s\) are damaged and were deleted, to be asked again/,
      );
      expect((await ws.json<unknown[]>(['ledger', 'ls', '--bad'])).data).toEqual([]);

      // rm: by key prefix, by filter; a dry run deletes nothing; no selection is refused
      expect((await ws.qexp(['ledger', 'rm'])).exitCode).toBe(2);
      expect((await ws.qexp(['ledger', 'rm', 'not-hex'])).exitCode).toBe(2);
      const dry = await ws.json<{ matched: number; deleted: number }>(['ledger', 'rm', '--model', 'test-model', '--dry-run']);
      expect(dry.data).toMatchObject({ matched: 4, deleted: 0 });
      const one = await ws.json<{ deleted: number; keys: string[] }>(['ledger', 'rm', (keys[0] as string).slice(0, 8)]);
      expect(one.data).toMatchObject({ deleted: 1, keys: [keys[0]] });
      expect(await count(ws)).toBe(3);
      const byStage = await ws.json<{ deleted: number }>(['ledger', 'rm', '--stage', 'gen']);
      expect(byStage.data.deleted).toBe(3);
      expect(await count(ws)).toBe(0);
      expect((await ws.qexp(['ledger', 'rm', '--stage', 'nope'])).exitCode).toBe(2);
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('an import is checked line by line against the requests it answers: file:line, exit 2, nothing imported', async () => {
    const ws = new Workspace();
    const reviewer = new Workspace();
    const server = await startChatServer();
    try {
      ws.write('queries.tsv', queries(3));
      ws.write('exp.yaml', experiment(server.url));
      expect((await ws.qexp(['run', 'exp.yaml'], ENV)).exitCode).toBe(0);
      expect((await ws.qexp(['ledger', 'export', 'ledger.jsonl'])).exitCode).toBe(0);
      const lines = readFileSync(ws.path('ledger.jsonl'), 'utf8').trim().split('\n');
      const edit = (i: number, change: Record<string, unknown>) =>
        lines.map((l, j) => (j === i ? JSON.stringify({ ...JSON.parse(l), ...change }) : l)).join('\n');
      reviewer.write('queries.tsv', queries(3));
      reviewer.write('exp.yaml', experiment(server.url));
      (await reviewer.qexp(['ledger', 'import', ws.path('ledger.jsonl')])).exitCode; // creates the store
      await tamper(reviewer, 'DELETE FROM llm_requests');
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ texts: [123, null], finishReasons: [null, null] }, /bad\.jsonl:2: texts\[0\] is a number, not text/],
        [
          { texts: ['1', '2', '3', '4', '5'], finishReasons: ['stop', 'stop', 'stop', 'stop', 'stop'] },
          /bad\.jsonl:2: 5 texts for a request that asks for n=1/,
        ],
        [{ promptTokens: 'lots' }, /bad\.jsonl:2: promptTokens is not a token count/],
        [{ completionTokens: 99999999999 }, /bad\.jsonl:2: completionTokens is not a token count/],
      ];
      for (const [change, message] of cases) {
        writeFileSync(reviewer.path('bad.jsonl'), `${edit(1, change)}\n`);
        const r = await reviewer.qexp(['ledger', 'import', 'bad.jsonl']);
        expect(r.exitCode, r.all).toBe(2);
        expect(r.stderr).toMatch(message);
        expect(r.stderr).not.toMatch(/internal error|at .*\.js:\d+/);
        expect(await count(reviewer)).toBe(0);
      }
      writeFileSync(reviewer.path('good.jsonl'), `${lines.join('\n')}\n`);
      expect((await reviewer.qexp(['ledger', 'import', 'good.jsonl'])).stdout).toMatch(/imported 3 new answers/);
      const replayed = await reviewer.qexp(['run', 'exp.yaml']);
      expect(replayed.exitCode, replayed.all).toBe(0);
      expect(server.log).toHaveLength(3);
    } finally {
      await server.close();
      ws.remove();
      reviewer.remove();
    }
  });
});
