import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readPool, readRecorded } from '../../src/llm/recorded.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-recorded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('recorded generations and few-shot pools', () => {
  it('reads JSONL (with or without sample numbers), JSON lists and TSV', () => {
    expect(readRecorded(file('a.jsonl', '{"qid":"1","text":"a"}\n{"qid":"1","text":"b"}\n\n{"qid":2,"sample":1,"text":"c"}\n'))).toEqual(
      new Map([
        ['1', ['a', 'b']],
        ['2', [undefined, 'c']],
      ]),
    );
    expect(readRecorded(file('b.json', '[[1, "q", "x"], ["2", "q2", "y"]]'))).toEqual(
      new Map([
        ['1', ['x']],
        ['2', ['y']],
      ]),
    );
    expect(readRecorded(file('c.tsv', '\uFEFF7\tseven\r\n8\teight\r\n'))).toEqual(
      new Map([
        ['7', ['seven']],
        ['8', ['eight']],
      ]),
    );
    expect(readPool(file('p.tsv', 't1\tq one\tp one\nt2\tq two\tp\ttwo\n'))).toEqual([
      { id: 't1', query: 'q one', passage: 'p one' },
      { id: 't2', query: 'q two', passage: 'p\ttwo' },
    ]);
    expect(readPool(file('p.jsonl', '{"query":"q","passage":"p"}\n'))).toEqual([{ id: '1', query: 'q', passage: 'p' }]);
  });

  it('names the file and line of a bad record', () => {
    expect(() => readRecorded(file('bad.jsonl', '{"qid":"1","text":"a"}\n{"qid":"1"\n'))).toThrow(/bad\.jsonl:2: invalid JSON/);
    expect(() => readRecorded(file('dup.jsonl', '{"qid":"1","sample":0,"text":"a"}\n{"qid":"1","sample":0,"text":"b"}\n'))).toThrow(
      /dup\.jsonl:2: query 1 sample 0 appears twice/,
    );
    expect(() => readRecorded(file('notsv.txt', 'no tab here\n'))).toThrow(/notsv\.txt:1: expected 'qid<TAB>text'/);
    expect(() => readPool(file('short.tsv', 'a\tb\n'))).toThrow(/short\.tsv:1: expected 'id<TAB>query<TAB>passage'/);
    expect(() => readRecorded(file('list.json', '[["1", "q"]]'))).toThrow(/record 1: expected \[qid, query, text\]/);
  });
});
