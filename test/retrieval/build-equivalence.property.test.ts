import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { Doc } from '../../src/data/corpus.js';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import type * as buildType from '../../src/retrieval/index/build-index.js';
import { IndexReader, verifyIndex } from '../../src/retrieval/index/read-index.js';

// indexing threads start from the compiled worker (npm test builds first)
const { buildIndex } = (await import(`${'../../dist/retrieval/index/build-index.js'}`)) as typeof buildType;

const dir = mkdtempSync(join(tmpdir(), 'qexp-build-eq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function* docsOf(list: Doc[], pause = 0): AsyncGenerator<Doc> {
  for (const [i, doc] of list.entries()) {
    // a pause lets the workers answer between batches, so that they and the main thread take turns
    if (pause > 0 && i % pause === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    yield doc;
  }
}

/** Every file of an index, by name; and the postings and term vectors each as one, whatever the files they are split into. */
function filesOf(out: string): Record<string, Buffer> {
  const names = readdirSync(out).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const all = (prefix: string) => Buffer.concat(names.filter((f) => f.startsWith(prefix)).map((f) => readFileSync(join(out, f))));
  return {
    ...Object.fromEntries(names.map((f) => [f, readFileSync(join(out, f))])),
    postings: all('postings-'),
    docvectors: all('docvectors-'),
  };
}

// words short (held in a dictionary slot) and long (compared in its buffer), sharing prefixes,
// with non-ASCII code units; a skewed draw so that some terms have many postings and most few
const unit = fc.constantFrom('a', 'b', 'c', 'é', 'ā', '\u0161', '😀', '\ud800', '\udfff', '\u4e2d');
const rare = fc.string({ unit, minLength: 1, maxLength: 14 });
const common = fc.constantFrom('the', 'of', 'and', 'aaaaaaaaaa', 'b');
const word = fc.oneof({ weight: 2, arbitrary: common }, { weight: 3, arbitrary: rare });
const corpus = fc.array(fc.array(word, { maxLength: 30 }), { minLength: 1, maxLength: 2600, size: 'max' });

let n = 0;
describe('index build', () => {
  it('writes the same bytes on 1, 2 or 3 threads, with one run or hundreds, in one file or many, with either norms, and with or without term vectors', async () => {
    await fc.assert(
      fc.asyncProperty(corpus, fc.constantFrom('lucene-byte4', 'exact'), async (docs, norms) => {
        const list = docs.map((words, i) => ({ id: `d${(i * 7919) % 10007}`, text: words.join(' ') }));
        const build = async (opts: buildType.BuildOptions, pause = 0) => {
          const out = join(dir, `i${n++}`);
          await buildIndex(docsOf(list, pause), getAnalyzer('whitespace'), out, { ...opts, norms: norms as 'lucene-byte4' | 'exact' });
          // every file's checksums and structure
          verifyIndex(out);
          return filesOf(out);
        };
        const reference = await build({ threads: 1 });
        // terms.txt: every distinct token in JavaScript's string order, as TextEncoder writes them
        const distinct = [...new Set(docs.flat())].sort();
        const expected = new TextEncoder().encode(distinct.map((t) => `${t}\n`).join(''));
        expect(Buffer.compare(reference['terms.txt'] as Buffer, Buffer.from(expected))).toBe(0);
        // small batches: the threads take turns through the corpus
        for (const opts of [
          { threads: 2, batchDocs: 50 },
          { threads: 1, memoryPostings: 37, batchDocs: 97 },
          { threads: 2, memoryPostings: 101, batchDocs: 13 },
          { threads: 3, memoryPostings: 7, batchDocs: 200 },
          // a worker holds one batch at a time, and the corpus comes slowly: the main thread and
          // the workers take batches in turn, in an order that varies from run to run
          { threads: 2, memoryPostings: 53, batchDocs: 11, workerQueue: 1, pause: 40 },
          { threads: 3, batchDocs: 7, workerQueue: 2, pause: 20 },
          // a worker's queue grows to 6 before a batch that would spill the main thread's run, and
          // is 1 otherwise
          { threads: 2, memoryPostings: 4000, batchDocs: 9, workerQueue: 6, steadyQueue: 1 },
        ]) {
          const { pause, ...o } = opts;
          const got = await build(o, pause);
          expect(Object.keys(got).sort()).toEqual(Object.keys(reference).sort());
          for (const [name, bytes] of Object.entries(reference)) expect(Buffer.compare(got[name] as Buffer, bytes), name).toBe(0);
        }
        // files of at most 4 KB (on one thread, and on two): the same postings and term vectors, split
        for (const threads of [1, 2]) {
          const got = await build({ threads, maxFileBytes: 4096, batchDocs: 64 });
          for (const name of ['postings', 'docvectors', 'terms.txt', 'norms.bin', 'docorder.bin', 'docids.txt'])
            expect(Buffer.compare(got[name] as Buffer, reference[name] as Buffer), name).toBe(0);
        }
        // without term vectors: the other files the same, the vectors' files gone
        for (const threads of [1, 2]) {
          const got = await build({ threads, vectors: false, memoryPostings: 61, batchDocs: 29 });
          const kept = Object.keys(reference).filter((f) => !/^(docvectors|meta\.json|checksums\.bin)/.test(f));
          expect(Object.keys(got).filter((f) => f.startsWith('docvectors-') || f === 'docvectors.offsets')).toEqual([]);
          expect((got.docvectors as Buffer).length).toBe(0);
          for (const name of kept) expect(Buffer.compare(got[name] as Buffer, reference[name] as Buffer), name).toBe(0);
        }
      }),
      { numRuns: 6, seed: 3 },
    );
  });

  it("stores each document's term vector: its terms by id with their counts, for documents of 1 to 400 terms", async () => {
    // document i: 1 + (i · 37 mod 400) distinct terms, term j repeated 1 + (i + j) mod 4 times, in a
    // shuffled order; ids as terms.txt ranks them
    const texts = Array.from({ length: 600 }, (_, i) => {
      const n = 1 + ((i * 37) % 400);
      const words: string[] = [];
      for (let j = 0; j < n; j++) for (let r = 0; r <= (i + j) % 4; r++) words.push(`w${(j * 7919 + i * 31) % 5000}`);
      return words
        .sort((a, b) => ((a.length * 31 + a.charCodeAt(a.length - 1)) % 7) - ((b.length * 31 + b.charCodeAt(b.length - 1)) % 7))
        .join(' ');
    });
    for (const threads of [1, 2]) {
      const out = join(dir, `v${n++}`);
      await buildIndex(docsOf(texts.map((text, i) => ({ id: `d${i}`, text }))), getAnalyzer('whitespace'), out, { threads, batchDocs: 37 });
      const terms = readFileSync(join(out, 'terms.txt'), 'utf8').split('\n').slice(0, -1);
      const reader = new IndexReader(IndexReader.load(out, true));
      texts.forEach((text, d) => {
        const counts = new Map<number, number>();
        for (const w of text.split(' ')) {
          const id = terms.indexOf(w);
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        const want = [...counts].sort((a, b) => a[0] - b[0]).map(([term, tf]) => ({ term, tf }));
        expect(reader.docVector(d), `document ${d} on ${threads} thread(s)`).toEqual(want);
      });
    }
  });
});
