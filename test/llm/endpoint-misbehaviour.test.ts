import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Behaviour, type ChatRequest, startChatServer } from '../helpers/chat-server.mjs';
import { Workspace } from '../helpers/workspace.js';
import { ENV, experiment, generations, queries } from './gen-fixture.js';

const queryOf = (r: ChatRequest) => r.prompt.replace(/^.*?: /, '');

describe('an endpoint that misbehaves', () => {
  it('timeout_s is a deadline per attempt: a body dripped a byte every 300 ms for 30 s is abandoned after 1 s', async () => {
    const ws = new Workspace();
    const server = await startChatServer({
      behave: (r) => (queryOf(r) === 'query number 1' ? 'drip' : 'ok'),
      dripMs: 300,
      dripForMs: 30_000,
    });
    try {
      ws.write('queries.tsv', queries(3));
      ws.write('exp.yaml', experiment(server.url, { timeout_s: 1, max_retries: 1 }));
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      // an idle timeout never fires on the drip, whose answer then arrives whole after 30 s: the run would succeed
      expect(r.exitCode, r.all).toBe(1);
      expect(server.log.filter((q) => queryOf(q) === 'query number 1')).toHaveLength(2);
      const errors = await ws.sql('SELECT kind, attempt, final, message FROM llm_errors ORDER BY attempt');
      expect(errors.map((e) => [e.kind, e.attempt, e.final])).toEqual([
        ['timeout', 1, false],
        ['timeout', 2, true],
      ]);
      expect(String(errors[0]?.message)).toMatch(/no complete answer within timeout_s \(1 s\)/);
      expect(Number((await ws.sql('SELECT count(*) AS n FROM llm_requests'))[0]?.n)).toBe(2);
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('a choice without message, or with null or non-string content, is malformed: retried, logged, never cached', async () => {
    const ws = new Workspace();
    const faults: Record<string, Behaviour> = {
      'query number 1': 'no-message',
      'query number 2': 'null-content',
      'query number 3': 'number-content',
      'query number 4': 'array-content',
    };
    const server = await startChatServer({ behave: (r) => (r.repeat === 0 ? faults[queryOf(r)] : undefined) ?? 'ok' });
    try {
      ws.write('queries.tsv', queries(6));
      ws.write('exp.yaml', experiment(server.url, { max_retries: 2 }));
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(r.exitCode, r.all).toBe(0);
      expect(server.log).toHaveLength(6 + 4);
      const gens = await generations(ws);
      expect(gens.map((g) => g.qid)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);
      for (const g of gens) expect(g.text).toMatch(/^A passage about query number \d/);
      const errors = await ws.sql('SELECT kind, final, message FROM llm_errors ORDER BY message');
      expect(errors.map((e) => [e.kind, e.final])).toEqual(Array.from({ length: 4 }, () => ['malformed', false]));
      expect(errors.map((e) => String(e.message))).toEqual([
        expect.stringMatching(/choice 0 has content of type array, not text/),
        expect.stringMatching(/choice 0 has content of type number, not text/),
        expect.stringMatching(/choice 0 has no content \(null\)/),
        expect.stringMatching(/choice 0 has no message/),
      ]);
      const stored = await ws.sql('SELECT texts FROM llm_requests');
      expect(stored).toHaveLength(6);
      for (const s of stored) expect(JSON.parse(String(s.texts))[0]).toMatch(/^A passage about/);
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('a content filter or a refusal is an error of its own kind: logged, not retried, not an expansion', async () => {
    const ws = new Workspace();
    const server = await startChatServer({
      behave: (r) => ({ 'query number 1': 'content-filter', 'query number 2': 'refusal' })[queryOf(r)] as Behaviour | undefined,
    });
    try {
      ws.write('queries.tsv', queries(8));
      ws.write('exp.yaml', experiment(server.url, { max_retries: 3, max_error_rate: 0.3 }));
      const r = await ws.qexp(['run', 'exp.yaml', '--progress', 'plain'], ENV);
      expect(r.exitCode, r.all).toBe(0);
      // the run says so, and the stage's log says which and where to look
      expect(r.all).toMatch(/8\/8 requests .*· 2 failed/);
      const [stage] = await ws.sql(`SELECT log_path FROM stages WHERE stage = 'gen'`);
      expect(readFileSync(String(stage?.log_path), 'utf8')).toMatch(/warning: 2 of 8 requests failed \(within max_error_rate 0\.3\)/);
      expect(server.log).toHaveLength(8);
      const gens = await generations(ws);
      expect(gens.map((g) => g.qid)).toEqual(['q0', 'q3', 'q4', 'q5', 'q6', 'q7']);
      const errors = await ws.sql('SELECT kind, final, message FROM llm_errors ORDER BY message');
      expect(errors.map((e) => [e.kind, e.final])).toEqual([
        ['refused', true],
        ['refused', true],
      ]);
      expect(errors.map((e) => String(e.message))).toEqual([
        expect.stringMatching(/the endpoint's content filter stopped choice 0 \(finish_reason content_filter\)/),
        expect.stringMatching(/the model refused: I cannot help with that\./),
      ]);
      expect(Number((await ws.sql('SELECT count(*) AS n FROM llm_requests'))[0]?.n)).toBe(6);
    } finally {
      await server.close();
      ws.remove();
    }
  });
});
