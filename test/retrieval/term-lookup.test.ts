import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Doc } from '../../src/data/corpus.js';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { buildIndex } from '../../src/retrieval/index/build-index.js';
import { IndexReader } from '../../src/retrieval/index/read-index.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-term-lookup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* docsOf(list: Doc[]): AsyncGenerator<Doc> {
  yield* list;
}

describe("the index's term lookup", () => {
  it('finds every term, ASCII or not, by its text, and no term that differs from one by a character or a byte', async () => {
    // ASCII terms (looked up by char code) beside terms whose UTF-8 bytes differ from their
    // char codes: accents from the first non-ASCII character on, CJK, a surrogate pair
    const terms = ['cafe', 'café', 'naïve', 'naive', 'x', 'a'.repeat(200), '日本語', '😀', 'ab😀', 'Ã©', 'zz'];
    const docs = terms.map((t, i) => ({ id: `d${i}`, text: `${t} common` }));
    for (let i = 0; i < 2000; i++) docs.push({ id: `f${i}`, text: `filler${i} common` });
    const out = join(dir, 'idx');
    await buildIndex(docsOf(docs), getAnalyzer('whitespace'), out);
    const index = new IndexReader(out);
    for (let id = 0; id < index.meta.numTerms; id++) expect(index.termId(index.termText(id))).toBe(id);
    for (const t of terms) expect(index.termText(index.termId(t))).toBe(t);
    // absent: a prefix, an extension, a changed last character, an accent dropped or added, a lone surrogate, the empty string
    for (const t of ['caf', 'cafes', 'cafd', 'naïvé', 'nave', '日本', '\ud83d', 'ab\ud83d', 'Ã', 'é', '', 'a'.repeat(199), 'filler2000'])
      expect(index.termId(t)).toBe(-1);
    expect(index.term('café')?.df).toBe(1);
    expect(index.term('common')?.df).toBe(docs.length);

    // many at once: every term of the index (some found past their home slot, which another term
    // holds), the absent ones, ASCII and not interleaved, repeats
    const all = Array.from({ length: index.meta.numTerms }, (_, id) => index.termText(id));
    const absent = ['caf', 'cafes', 'naïvé', '日本', '\ud83d', 'ab\ud83d', '', 'a'.repeat(199), 'filler2000', 'line\nbreak', 'common\n'];
    const batch = [...absent, ...all.toReversed(), ...terms, ...absent, ...terms];
    expect(Array.from(index.termIds(batch))).toEqual(batch.map((t) => index.termId(t)));
    expect(Array.from(index.termIds(all))).toEqual(all.map((_, id) => id));
    expect(Array.from(index.termIds(absent))).toEqual(absent.map(() => -1));
    expect(index.termIds([]).length).toBe(0);
  });
});
