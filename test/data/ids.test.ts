import { afterAll, describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.js';
import { DataError } from '../../src/data/data-error.js';
import { readTopics } from '../../src/data/topics.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

async function corpusError(name: string, text: string): Promise<string> {
  const f = ws.write(name, text);
  try {
    for await (const _ of readCorpus(f)) {
      // read it all
    }
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return (err as Error).message.replace(`${ws.dir}/`, '');
  }
  return 'read';
}

async function topicsError(name: string, text: string): Promise<string> {
  try {
    await readTopics(ws.write(name, text));
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return (err as Error).message.replace(`${ws.dir}/`, '');
  }
  return 'read';
}

describe('document and query ids that a run file cannot carry are refused where they are read', () => {
  it('a JSONL id with a newline (which shifted every later docid), a tab, a blank or nothing', async () => {
    const docs = (id: unknown) =>
      `{"id": "d1", "contents": "a"}\n${JSON.stringify({ id, contents: 'b' })}\n{"id": "d3", "contents": "c"}\n`;
    expect(await corpusError('nl.jsonl', docs('d2\nd9'))).toBe(
      'nl.jsonl:2: document id "d2\\nd9" contains white space or a control character, which run files (qid Q0 docid rank score tag) cannot hold: fix the id in the file',
    );
    expect(await corpusError('tab.jsonl', docs('d\t2'))).toMatch(/^tab.jsonl:2: document id "d\\t2" contains white space/);
    expect(await corpusError('blank.jsonl', docs('d 2'))).toMatch(/^blank.jsonl:2: document id "d 2" contains white space/);
    expect(await corpusError('nbsp.jsonl', docs('d\u00a02'))).toMatch(/^nbsp.jsonl:2: document id "d\u00a02" contains white space/);
    expect(await corpusError('empty.jsonl', docs(''))).toBe('empty.jsonl:2: empty document id');
    expect(await corpusError('ok.jsonl', docs('d2'))).toBe('read');
  });

  it('a TSV id with a blank, and topic ids with blanks or control characters', async () => {
    expect(await corpusError('c.tsv', 'd1\tone\nd 2\ttwo\n')).toMatch(/^c.tsv:2: document id "d 2" contains white space/);
    expect(await topicsError('q.tsv', '1\tfirst\n2 b\tsecond\n')).toMatch(/^q.tsv:2: query id "2 b" contains white space/);
    expect(await topicsError('q2.tsv', '1\tfirst\n\u00072\tsecond\n')).toMatch(
      /^q2.tsv:2: query id "\\u00072" contains white space or a control character/,
    );
  });
});
