import { readFileSync, writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { exportLedger, LedgerFileError, readLedgerFile } from '../../src/store/ledger-file.js';
import { Store } from '../../src/store/store.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { sha256Text } from '../../src/util/hash.js';
import { scratch } from './fixtures/duckdb-files.js';

const tmp = scratch();
afterAll(() => tmp.remove());

const answer = (content: string) => {
  const a = {
    key: '',
    endpoint: 'http://127.0.0.1:1/v1',
    model: 'm',
    body: { messages: [{ role: 'user', content }] },
    templateVersion: 'v1',
    texts: [`answer to ${content}`],
    finishReasons: ['stop'],
    promptTokens: 1,
    completionTokens: 2,
    tokensEstimated: false,
    latencyMs: 3,
    costUsd: 0,
    replica: 'r',
    fingerprint: null as string | null,
  };
  a.key = sha256Text(canonicalJson({ endpoint: a.endpoint, body: a.body, template: a.templateVersion }));
  return a;
};

describe('ledger files', () => {
  it('exports the answers a stage used, and every answer; another store imports them, keeping what it has', async () => {
    const [a, b] = [answer('a'), answer('b')];
    const source = await Store.open(tmp.path('source.duckdb'));
    try {
      const fp = 'f'.repeat(64);
      await source.recordAnswers([a, b]);
      await source.markRunning({
        fingerprint: fp,
        kind: 'generate',
        kindVersion: 1,
        stage: 'g',
        runId: 'r',
        config: {},
        parts: {},
        logPath: '/l',
      });
      await source.replaceGenerations(fp, [{ qid: 'q', sample: 0, text: 'answer to a', requestKey: a.key }], {});
      await source.markDone(fp, [], 1);
      await source.bind([{ experiment: 'e', variant: 'default', stage: 'g', fingerprint: fp, parts: {} }]);
      expect(await exportLedger(source, tmp.path('g.jsonl'), 'g')).toBe(1);
      expect(await exportLedger(source, tmp.path('all.jsonl'))).toBe(2);
      expect(readFileSync(tmp.path('g.jsonl'), 'utf8')).toBe(`${JSON.stringify(a)}\n`);
      await expect(exportLedger(source, tmp.path('none.jsonl'), 'no-such-stage')).rejects.toThrow(
        new LedgerFileError(`no completed stage named no-such-stage in ${source.path}`),
      );
    } finally {
      source.close();
    }
    const read = await readLedgerFile(tmp.path('all.jsonl'));
    expect(read).toEqual([a, b].sort((x, y) => x.key.localeCompare(y.key)));
    const target = await Store.open(tmp.path('target.duckdb'));
    try {
      expect(
        await target.recordAnswers(
          read.filter((x) => x.key === a.key),
          true,
        ),
      ).toBe(1);
      expect(await target.recordAnswers(read, true)).toBe(1);
      expect(await target.ledger()).toEqual(read);
    } finally {
      target.close();
    }
  });

  it('a bad line is an error naming the file and line: not JSON, not an answer, or a key that does not match its request', async () => {
    const good = JSON.stringify(answer('a'));
    const bad = (name: string, line2: string) => {
      const path = tmp.path(name);
      writeFileSync(path, `${good}\n\n${line2}\n`);
      return readLedgerFile(path);
    };
    await expect(bad('json.jsonl', '{"key": "x",')).rejects.toThrow(/json\.jsonl:3: invalid JSON/);
    await expect(bad('shape.jsonl', '{"key": "x", "texts": "t"}')).rejects.toThrow(/shape\.jsonl:3: not a ledger answer/);
    const changed = JSON.stringify({ ...answer('a'), body: { messages: [{ role: 'user', content: 'changed' }] } });
    await expect(bad('changed.jsonl', changed)).rejects.toThrow(/changed\.jsonl:3: the key does not match .*: the answer was changed/);
    await expect(bad('ok.jsonl', JSON.stringify(answer('b')))).resolves.toHaveLength(2);
  });

  it('every field is checked against the request it answers, and nothing of a bad file is kept', async () => {
    const good = JSON.stringify(answer('a'));
    const line2 = (name: string, change: Record<string, unknown>) => {
      const path = tmp.path(name);
      writeFileSync(path, `${good}\n${JSON.stringify({ ...answer('b'), ...change })}\n`);
      return readLedgerFile(path);
    };
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ texts: [123, null] }, /:2: texts\[0\] is a number, not text/],
      [{ texts: ['x', null], finishReasons: ['stop', 'stop'] }, /:2: texts\[1\] is null, not text/],
      // five texts for a request that asks for one would become five samples
      [
        { texts: ['1', '2', '3', '4', '5'], finishReasons: ['stop', 'stop', 'stop', 'stop', 'stop'] },
        /:2: 5 texts for a request that asks for n=1/,
      ],
      [{ texts: [] }, /:2: texts is not a non-empty list/],
      [{ finishReasons: ['stop', 'stop'] }, /:2: finishReasons is not a list of 1 strings or nulls/],
      [{ promptTokens: 'many' }, /:2: promptTokens is not a token count/],
      [{ completionTokens: -1 }, /:2: completionTokens is not a token count/],
      [{ completionTokens: 1.5 }, /:2: completionTokens is not a token count/],
      [{ promptTokens: 1e12 }, /:2: promptTokens is not a token count/],
      [{ costUsd: -0.5 }, /:2: costUsd is not a finite number >= 0/],
      [{ latencyMs: null }, /:2: latencyMs is not a finite number >= 0/],
      [{ tokensEstimated: 'no' }, /:2: tokensEstimated is not true or false/],
      [{ fingerprint: 5 }, /:2: fingerprint is neither null nor a sha256/],
      [{ model: '' }, /:2: model is not a non-empty string/],
      [{ replica: undefined }, /:2: not a ledger answer: no replica/],
      [{ extra: 1 }, /:2: unknown field 'extra'/],
      [{ key: 'x' }, /:2: key is not a sha256/],
    ];
    for (const [i, [change, message]] of cases.entries())
      await expect(line2(`bad-${i}.jsonl`, change), JSON.stringify(change)).rejects.toThrow(message);
    // a body that asks for n=2 and names its model may have two texts, of that model
    const two = {
      ...answer('c'),
      body: { model: 'm', n: 2, messages: [{ role: 'user', content: 'c' }] },
      texts: ['x', 'y'],
      finishReasons: ['stop', null],
    };
    two.key = sha256Text(canonicalJson({ endpoint: two.endpoint, body: two.body, template: two.templateVersion }));
    writeFileSync(tmp.path('two.jsonl'), `${JSON.stringify(two)}\n`);
    await expect(readLedgerFile(tmp.path('two.jsonl'))).resolves.toHaveLength(1);
    writeFileSync(tmp.path('other-model.jsonl'), `${JSON.stringify({ ...two, model: 'other' })}\n`);
    await expect(readLedgerFile(tmp.path('other-model.jsonl'))).rejects.toThrow(/:1: model is not the model the body asks/);
    await expect(readLedgerFile(tmp.path('absent.jsonl'))).rejects.toThrow(/absent\.jsonl: no such file/);
  });
});
