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
    await expect(bad('changed.jsonl', changed)).rejects.toThrow(/changed\.jsonl:3: the key does not match .*: the file was changed/);
    await expect(bad('ok.jsonl', JSON.stringify(answer('b')))).resolves.toHaveLength(2);
  });
});
