import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

describe('qexp index / search', () => {
  it('writes the same run on 1 and on 3 threads, in topic order, with the run tag', async () => {
    const words = ['apple', 'banana', 'cherry', 'damson', 'elder', 'fig', 'grape'];
    const docs = Array.from({ length: 300 }, (_, i) =>
      JSON.stringify({ id: `doc${i}`, contents: words.filter((_, j) => (i * (j + 3)) % 7 < 3).join(' ') }),
    );
    ws.write('c.jsonl', `${docs.join('\n')}\n`);
    ws.write('t.tsv', Array.from({ length: 40 }, (_, i) => `q${i}\t${words[i % 7]} ${words[(i * 3) % 7]}`).join('\n'));
    const indexed = await ws.qexp(['index', 'c.jsonl', '--out', 'idx']);
    expect(indexed.exitCode).toBe(0);
    // each step after the analysis is named as it starts, then timed as it ends
    expect(indexed.stderr).toMatch(/^ {2}merging postings…\n {2}merge: \d+\.\d s$/m);
    const one = await ws.qexp([
      'search',
      '--index',
      'idx',
      '--topics',
      't.tsv',
      '--output',
      'one.run',
      '--threads',
      '1',
      '--hits',
      '5',
      '--run-tag',
      'mine',
    ]);
    const three = await ws.qexp([
      'search',
      '--index',
      'idx',
      '--topics',
      't.tsv',
      '--output',
      'three.run',
      '--threads',
      '3',
      '--hits',
      '5',
      '--run-tag',
      'mine',
    ]);
    expect(one.exitCode, one.all).toBe(0);
    expect(three.exitCode, three.all).toBe(0);
    const a = readFileSync(ws.path('one.run'), 'utf8');
    expect(readFileSync(ws.path('three.run'), 'utf8')).toBe(a);
    const lines = a.trim().split('\n');
    expect(lines[0]).toMatch(/^q0 Q0 doc\d+ 1 \d+\.\d{6} mine$/);
    expect([...new Set(lines.map((l) => l.split(' ')[0]))]).toEqual(Array.from({ length: 40 }, (_, i) => `q${i}`));
  });

  it('reports a missing index and bad options clearly', async () => {
    const r = await ws.qexp(['search', '--index', 'nope', '--topics', 't.tsv', '--output', 'x.run']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/nope is not a qexp index \(no meta\.json\); build one with qexp index/);
    const b = await ws.qexp(['search', '--index', 'idx', '--topics', 't.tsv', '--output', 'x.run', '--b', '2']);
    expect(b.exitCode).toBe(2);
    expect(b.stderr).toMatch(/--b must be between 0 and 1/);
  });
});

describe('index build with bounded memory', () => {
  const ws2 = new Workspace();
  afterAll(() => ws2.remove());

  it('gives byte-identical index files whatever the number of spilled runs and analysis threads', async () => {
    const { readdirSync } = await import('node:fs');
    const docs = Array.from({ length: 2500 }, (_, i) =>
      JSON.stringify({
        id: `d${i}`,
        contents: `The ${i % 7 ? 'quick' : 'lazy'} brown fox's ${i % 13} jumps over ${i % 3 ? 'dogs' : 'cats'} number ${i}`,
      }),
    );
    ws2.write('c.jsonl', `${docs.join('\n')}\n`);
    const one = await ws2.qexp(['index', 'c.jsonl', '--out', 'one', '--threads', '1']);
    const many = await ws2.qexp(['index', 'c.jsonl', '--out', 'many', '--threads', '2', '--memory-postings', '500']);
    expect(one.exitCode, one.all).toBe(0);
    expect(many.exitCode, many.all).toBe(0);
    const files = readdirSync(ws2.path('one')).sort();
    expect(files).toEqual([
      'checksums.bin',
      'docids.txt',
      'docorder.bin',
      'docvectors-0.bin',
      'docvectors.offsets',
      'meta.json',
      'norms.bin',
      'postings-0.bin',
      'terms.bin',
      'terms.txt',
    ]);
    expect(readdirSync(ws2.path('many')).sort()).toEqual(files);
    for (const f of files) expect(readFileSync(ws2.path(`many/${f}`)).equals(readFileSync(ws2.path(`one/${f}`))), f).toBe(true);
  });
});
