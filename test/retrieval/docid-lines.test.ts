import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Doc } from '../../src/data/corpus.js';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { buildIndex } from '../../src/retrieval/index/build-index.js';
import { IndexReader } from '../../src/retrieval/index/read-index.js';
import { Bm25Searcher } from '../../src/retrieval/search/search.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-docid-lines-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* docsOf(list: Doc[]): AsyncGenerator<Doc> {
  yield* list;
}

describe('external ids of many hits at once', () => {
  it('reads each document’s id, in the order asked, multi-byte ones included, as search reports them', async () => {
    const ids = ['d1', 'réseau', '日本語-7', 'x', 'emoji-😀'];
    const out = join(dir, 'idx');
    await buildIndex(docsOf(ids.map((id, i) => ({ id, text: `common w${i}` }))), getAnalyzer('whitespace'), out);
    const index = new IndexReader(out);
    const docs = [4, 0, 2, 2, 1, 3];
    expect(index.docidLines(docs)).toBe(`${docs.map((d) => ids[d]).join('\n')}\n`);
    expect(index.docidLines([])).toBe('');
    const hits = new Bm25Searcher(index, { k1: 0.9, b: 0.4, hits: 10 }).search(new Map([['common', 1]]));
    expect(hits.map((h) => h.docid).sort()).toEqual([...ids].sort());
    expect(hits.map((h) => index.docid(h.doc))).toEqual(hits.map((h) => h.docid));
  });
});
