import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryNeeds, readIndexMeta } from '../../src/retrieval/index/read-index.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

const words = ['apple', 'banana', 'cherry', 'damson', 'elder', 'fig', 'grape', 'hazel', 'ice', 'juniper', 'kiwi', 'lime'];
const docs = Array.from({ length: 3000 }, (_, i) => ({
  id: `p${(i * 7919) % 10007}`,
  contents: Array.from({ length: 5 + (i % 23) }, (_, j) => words[(i * (j + 1) + j * j) % words.length]).join(' '),
}));

describe('index files', () => {
  it('splits postings and term vectors into several files past --max-file-bytes, and searches them the same', async () => {
    ws.write('c.jsonl', `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
    ws.write(
      't.tsv',
      Array.from({ length: 30 }, (_, i) => `q${i}\t${words[i % 12]} ${words[(i * 5) % 12]} ${words[(i * 7) % 12]}`).join('\n'),
    );
    const one = await ws.qexp(['index', 'c.jsonl', '--out', 'one', '--analyzer', 'whitespace']);
    const many = await ws.qexp([
      'index',
      'c.jsonl',
      '--out',
      'many',
      '--analyzer',
      'whitespace',
      '--threads',
      '2',
      '--max-file-bytes',
      '4096',
    ]);
    expect(one.exitCode, one.all).toBe(0);
    expect(many.exitCode, many.all).toBe(0);
    const a = readIndexMeta(ws.path('one'));
    const b = readIndexMeta(ws.path('many'));
    expect(a.postingsFiles).toBe(1);
    expect(b.postingsFiles).toBeGreaterThan(1);
    expect(b.vectorFiles.length).toBeGreaterThan(1);
    // terms.bin: (df, cf, file, offset in words, length in words) per term
    const dict = new Uint32Array(new Uint8Array(readFileSync(ws.path('many/terms.bin'))).buffer);
    const termsIn = new Array<number>(b.postingsFiles).fill(0);
    for (let r = 0; r < dict.length; r += 5) termsIn[dict[r + 2] as number] = (termsIn[dict[r + 2] as number] as number) + 1;
    for (let i = 0; i < b.postingsFiles; i++) {
      // a file passes the limit only when it holds a single term larger than the limit
      const size = readFileSync(ws.path(`many/postings-${i}.bin`)).length;
      expect(size % 4).toBe(0);
      if ((termsIn[i] as number) > 1) expect(size).toBeLessThanOrEqual(4096);
    }
    const sum = (dir: string, prefix: string) =>
      readdirSync(ws.path(dir))
        .filter((f) => f.startsWith(prefix))
        .reduce((n, f) => n + readFileSync(ws.path(`${dir}/${f}`)).length, 0);
    expect(sum('many', 'postings-')).toBe(sum('one', 'postings-'));
    expect(sum('many', 'docvectors-')).toBe(sum('one', 'docvectors-'));
    for (const extra of [[], ['--rm3']]) {
      const r1 = await ws.qexp(['search', '--index', 'one', '--topics', 't.tsv', '--output', 'one.run', '--hits', '50', ...extra]);
      const r2 = await ws.qexp(['search', '--index', 'many', '--topics', 't.tsv', '--output', 'many.run', '--hits', '50', ...extra]);
      expect(r1.exitCode, r1.all).toBe(0);
      expect(r2.exitCode, r2.all).toBe(0);
      const run = readFileSync(ws.path('one.run'), 'utf8');
      expect(run.split('\n').length).toBeGreaterThan(1000);
      expect(readFileSync(ws.path('many.run'), 'utf8')).toBe(run);
    }
  });

  it('refuses a corpus with an id twice, naming it and both documents, and leaves nothing behind', async () => {
    const dup = [...docs.slice(0, 10), { id: docs[3]?.id, contents: 'again' }];
    ws.write('dup.jsonl', `${dup.map((d) => JSON.stringify(d)).join('\n')}\n`);
    const r = await ws.qexp(['index', 'dup.jsonl', '--out', 'dup']);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toContain(`dup.jsonl: document id ${docs[3]?.id} appears twice (documents 4 and 11 in corpus order)`);
    expect(readdirSync(ws.dir).filter((f) => f.startsWith('dup'))).toEqual(['dup.jsonl']);
  });

  it('stops at a bad record met after batches went to both indexing threads, naming its line, and leaves nothing behind', async () => {
    // batches of 4,000: by line 17,001 this thread has read four and handed out or indexed them
    const lines = Array.from({ length: 20_000 }, (_, i) => `q${i}\t${words[i % 12]} ${words[(i * 7) % 12]} ${words[(i * 5) % 11]}`);
    lines[17_000] = 'a line without a tab';
    ws.write('bad.tsv', `${lines.join('\n')}\n`);
    const r = await ws.qexp(['index', 'bad.tsv', '--out', 'bad', '--analyzer', 'whitespace', '--threads', '2']);
    expect(r.exitCode, r.all).toBe(2);
    expect(r.stderr).toContain("bad.tsv:17001: expected 'id<TAB>text'");
    expect(readdirSync(ws.dir).filter((f) => f.startsWith('bad'))).toEqual(['bad.tsv']);
  });

  it('asks for a rebuild of an index written in an older format', async () => {
    const meta = JSON.parse(readFileSync(ws.path('one/meta.json'), 'utf8'));
    // as version 2 wrote it: without a checksum
    writeFileSync(ws.path('one/meta.json'), JSON.stringify({ ...meta, version: 2, crc32: undefined }));
    const r = await ws.qexp(['search', '--index', 'one', '--topics', 't.tsv', '--output', 'x.run']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/one: index format version 2; this qexp reads versions 3 and 4: rebuild it with qexp index/);
  });

  it('builds without term vectors (--no-vectors): the same postings and runs, smaller, and RM3 refused with the reason', async () => {
    ws.write('c.jsonl', `${docs.map((d) => JSON.stringify(d)).join('\n')}\n`);
    ws.write('t.tsv', Array.from({ length: 30 }, (_, i) => `q${i}\t${words[i % 12]} ${words[(i * 5) % 12]}`).join('\n'));
    const full = await ws.qexp(['index', 'c.jsonl', '--out', 'full', '--analyzer', 'whitespace', '--threads', '2']);
    const slim = await ws.qexp(['index', 'c.jsonl', '--out', 'slim', '--analyzer', 'whitespace', '--threads', '2', '--no-vectors']);
    expect(full.exitCode, full.all).toBe(0);
    expect(slim.exitCode, slim.all).toBe(0);
    expect(slim.stdout).toContain('no term vectors) → slim');
    expect(full.stdout).not.toContain('no term vectors');
    const meta = readIndexMeta(ws.path('slim'));
    expect(meta).toMatchObject({ version: 4, vectors: false, vectorFiles: [] });
    expect(readIndexMeta(ws.path('full'))).toMatchObject({ version: 3 });
    expect('vectors' in readIndexMeta(ws.path('full'))).toBe(false);
    expect(readdirSync(ws.path('slim')).filter((f) => f.startsWith('docvectors'))).toEqual([]);
    for (const f of ['postings-0.bin', 'terms.bin', 'terms.txt', 'norms.bin', 'docorder.bin', 'docids.txt'])
      expect(Buffer.compare(readFileSync(ws.path(`slim/${f}`)), readFileSync(ws.path(`full/${f}`))), f).toBe(0);
    const verify = await ws.qexp(['index', '--verify', 'slim']);
    expect(verify.exitCode, verify.all).toBe(0);
    // in memory and with its postings on disk under a memory budget, the same run as the full index's
    const runOf = async (index: string, extra: string[] = []) => {
      const r = await ws.qexp(['search', '--index', index, '--topics', 't.tsv', '--output', `${index}.run`, '--hits', '40', ...extra]);
      expect(r.exitCode, r.all).toBe(0);
      return readFileSync(ws.path(`${index}.run`), 'utf8');
    };
    const run = await runOf('full');
    expect(run.split('\n').length).toBeGreaterThan(1000);
    expect(await runOf('slim')).toBe(run);
    // a budget that leaves half the postings out (two search threads): they are read on demand
    const needs = memoryNeeds(meta, false, 2);
    const budget = needs.index + needs.search + needs.docids + Math.floor(needs.postings / 2);
    expect(await runOf('slim', ['--memory-budget', String(budget), '--threads', '2'])).toBe(run);
    const rm3 = await ws.qexp(['search', '--index', 'slim', '--topics', 't.tsv', '--output', 'rm3.run', '--rm3']);
    expect(rm3.exitCode).toBe(2);
    expect(rm3.stderr).toContain(
      '--rm3: slim has no term vectors (it was built with `vectors: false` or `qexp index --no-vectors`), and RM3 reads them: rebuild the index with them (the default)',
    );
    expect(readdirSync(ws.dir)).not.toContain('rm3.run');
  });

  it('calls an index damaged whose version and record of term vectors disagree', async () => {
    const meta = JSON.parse(readFileSync(ws.path('slim/meta.json'), 'utf8'));
    const { crc32: _, ...rest } = meta;
    for (const [version, vectors] of [
      [3, false],
      [4, undefined],
    ] as const) {
      const edited = { ...rest, version, vectors };
      writeFileSync(ws.path('slim/meta.json'), JSON.stringify({ ...edited, crc32: crc32(JSON.stringify(edited)) }));
      const r = await ws.qexp(['index', '--verify', 'slim']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain(`its version (${version}) and its record of term vectors disagree`);
    }
  });
});
