import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { requestKey } from '../../src/llm/ledger-answer.js';
import { LedgerWriter } from '../../src/llm/ledger-writer.js';
import { Store } from '../../src/store/store.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const answer = (content: string) => {
  const body = { model: 'm', messages: [{ role: 'user', content }] };
  return {
    key: requestKey('e', body, 'v1'),
    endpoint: 'e',
    model: 'm',
    body,
    templateVersion: 'v1',
    texts: [`answer to ${content}`],
    finishReasons: ['stop'],
    promptTokens: 1,
    completionTokens: 2,
    tokensEstimated: false,
    latencyMs: 3,
    costUsd: 0,
    replica: 'r',
    fingerprint: null,
  };
};

describe('the ledger journal', () => {
  it('holds an answer from the moment it arrives until it is stored, and is empty after', async () => {
    const store = await Store.open(join(dir, 'a.duckdb'));
    const journal = `${store.path}.journal.jsonl`;
    try {
      const writer = new LedgerWriter(store);
      const a = answer('a');
      const stored = writer.write(a);
      // on disk before the write to DuckDB has even started
      expect(readFileSync(journal, 'utf8')).toBe(`${JSON.stringify(a)}\n`);
      await stored;
      expect(statSync(journal).size).toBe(0);
      expect((await store.answers([a.key])).get(a.key)).toEqual(a);
    } finally {
      store.close();
    }
    expect(existsSync(journal)).toBe(false);
  });

  it('is emptied only once the answers of every writer are stored (stages answer concurrently)', async () => {
    const store = await Store.open(join(dir, 'c.duckdb'));
    const journal = `${store.path}.journal.jsonl`;
    try {
      const [a, b] = [answer('a'), answer('b')];
      store.journal(a);
      store.journal(b);
      // one stage's batch is stored; the other's answer must stay journaled until it is too
      await store.recordAnswers([a]);
      store.journalStored(1);
      expect(readFileSync(journal, 'utf8')).toBe(`${JSON.stringify(a)}\n${JSON.stringify(b)}\n`);
      await store.recordAnswers([b]);
      store.journalStored(1);
      expect(statSync(journal).size).toBe(0);
    } finally {
      store.close();
    }
  });

  it('the next open stores what a killed process journaled: whole, sound lines; a cut last line is skipped', async () => {
    const path = join(dir, 'b.duckdb');
    (await Store.open(path)).close();
    const [a, b, c] = [answer('a'), answer('b'), answer('c')];
    const damaged = { ...c, texts: [5] };
    writeFileSync(
      `${path}.journal.jsonl`,
      `${JSON.stringify(a)}\n${JSON.stringify(damaged)}\n${JSON.stringify(b)}\n${JSON.stringify(c).slice(0, 40)}`,
    );
    // a read-only open leaves it for the next writer
    const ro = await Store.open(path, { readOnly: true });
    ro.close();
    expect(existsSync(`${path}.journal.jsonl`)).toBe(true);
    const store = await Store.open(path);
    try {
      expect((await store.ledger()).map((x) => x.key).sort()).toEqual([a.key, b.key].sort());
      expect(existsSync(`${path}.journal.jsonl`)).toBe(false);
    } finally {
      store.close();
    }
  });
});
