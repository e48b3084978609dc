import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.js';
import { DataError } from '../../src/data/data-error.js';
import { readQrels } from '../../src/data/qrels.js';
import { readTopics } from '../../src/data/topics.js';
import { drain } from '../helpers/drain.js';
import { MIRROR } from '../helpers/mirror.js';
import { Workspace } from '../helpers/workspace.js';

const judged = async (path: string) => {
  const q = await readQrels(path);
  let n = 0;
  for (const docs of q.values()) n += docs.size;
  return { queries: q.size, judgments: n };
};

describe.skipIf(!MIRROR)('readers on the real datasets (QEXP_DATA_MIRROR)', () => {
  const d = (p: string) => `${MIRROR}/${p}`;

  it('loads every file with the counts its README gives', async () => {
    expect((await readTopics(d('trec-dl/topics.dl19-passage.txt'))).length).toBe(43);
    expect(await judged(d('trec-dl/qrels.dl19-passage.txt'))).toEqual({ queries: 43, judgments: 9260 });
    expect((await readTopics(d('trec-dl/topics.dl20.txt'))).length).toBe(200); // CRLF line ends
    expect((await judged(d('trec-dl/qrels.dl20-passage.txt'))).queries).toBe(54);
    expect((await readTopics(d('trec-dl/topics.dl21.txt'))).length).toBe(477);
    expect((await judged(d('trec-dl/qrels.dl21-passage.txt'))).queries).toBe(53);
    const miracl = await readTopics(d('miracl-zh/topics.miracl-v1.0-zh-dev.tsv'));
    expect(miracl.length).toBe(393);
    expect(miracl[0]?.qid).toMatch(/#0$/);
    expect((await judged(d('miracl-zh/qrels.miracl-v1.0-zh-dev.tsv'))).queries).toBe(393);
    const cacm = await readTopics(d('cacm/topics.cacm.txt'));
    expect(cacm.length).toBe(64);
    expect(cacm[0]).toEqual({
      qid: '1',
      text: 'What articles exist which deal with TSS (Time Sharing System), an operating system for IBM computers?',
    });
    expect((await judged(d('cacm/qrels.cacm.txt'))).queries).toBe(52);
    // DL20 lines end in CRLF: no query text may keep a carriage return
    expect((await readTopics(d('trec-dl/topics.dl20.txt'))).some((t) => t.text.includes('\r'))).toBe(false);
  });

  it("reads CACM's HTML tarball with an HTML parser: the text a regular expression cut short is whole", async () => {
    const tar = new Map<string, string>();
    for await (const doc of readCorpus(d('cacm/cacm.tar.gz'))) tar.set(doc.id, doc.text);
    const jsonl = new Map<string, string>();
    for await (const doc of readCorpus(d('cacm/corpus.jsonl'))) jsonl.set(doc.id, doc.text);
    expect(tar.size).toBe(3204);
    expect([...tar.keys()].sort()).toEqual([...jsonl.keys()].sort());
    // the JSONL conversion stripped tags with a regular expression: a literal '<' in the text
    // ("10^8 < 2^27") deleted everything up to the next '>'; white space aside, the rest agree
    const differing = [...jsonl].filter(([id, text]) => (tar.get(id) as string).replace(/\s+/g, ' ') !== text);
    expect(differing.map(([id]) => id)).toEqual([
      'CACM-0717',
      'CACM-1430',
      'CACM-1595',
      'CACM-1634',
      'CACM-2144',
      'CACM-2177',
      'CACM-2189',
      'CACM-2714',
      'CACM-2800',
      'CACM-3098',
    ]);
    for (const [id, cut] of differing)
      expect((tar.get(id) as string).replace(/\s+/g, ' ').startsWith(cut.replace(/ ?<.*$/, ''))).toBe(true);
    expect(tar.get('CACM-1634')).toContain('From the inequality 10^8 < 2^27, we are likely');
    expect((tar.get('CACM-1634') as string).replace(/\s+/g, ' ')).toHaveLength(722);
  });
});

describe('readers on hand-made files', () => {
  const ws = new Workspace();

  it('reads JSONL variants, TSV, gzip, BOM and CRLF', async () => {
    ws.write(
      'c.jsonl',
      '\uFEFF{"id":"a","contents":"alpha"}\r\n{"_id":"b","title":"T","text":"beta"}\r\n{"docid":"c","text":"gamma"}\n{"pid":"msmarco_passage_00_1","passage":"delta"}\n',
    );
    const docs = [];
    for await (const doc of readCorpus(ws.path('c.jsonl'))) docs.push(doc);
    expect(docs).toEqual([
      { id: 'a', text: 'alpha' },
      { id: 'b', text: 'T\nbeta' },
      { id: 'c', text: 'gamma' },
      { id: 'msmarco_passage_00_1', text: 'delta' },
    ]);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(ws.path('c.tsv.gz'), gzipSync('1\tone\n2\ttwo\n'));
    const tsv = [];
    for await (const doc of readCorpus(ws.path('c.tsv.gz'))) tsv.push(doc.id);
    expect(tsv).toEqual(['1', '2']);
    ws.write('t.txt', '\uFEFF<top>\n<num> Number: 301\n<title> International Organized Crime\n<desc> Description:\nx\n</top>\n');
    expect(await readTopics(ws.path('t.txt'))).toEqual([{ qid: '301', text: 'International Organized Crime' }]);
  });

  it('names file and line of a malformed record', async () => {
    ws.write('bad.jsonl', '{"id":"a","contents":"x"}\n{"id": "b", "contents": \n');
    const err = await drain(readCorpus(ws.path('bad.jsonl'))).catch((e) => e as DataError);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/bad\.jsonl:2: invalid JSON/);
    ws.write('noid.jsonl', '{"name":"a","contents":"x"}\n');
    const e2 = await drain(readCorpus(ws.path('noid.jsonl'))).catch((e) => e as DataError);
    expect((e2 as DataError).message).toBe(`${ws.path('noid.jsonl')}:1: no document id: expected one of id, _id, docid, pid`);
    ws.write('topics.tsv', '1\tfirst\nsecond without tab\n');
    await expect(readTopics(ws.path('topics.tsv'))).rejects.toThrow(/topics\.tsv:2: expected 'qid<TAB>query text'/);
    ws.write('dupq.txt', 'q 0 d 1\nq 0 d 0\n');
    await expect(readQrels(ws.path('dupq.txt'))).rejects.toThrow(/dupq\.txt:2: document d is judged twice for query q \(first at line 1\)/);
    ws.remove();
  });
});
