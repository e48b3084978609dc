import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { FileByteWriter } from '../../src/retrieval/index/file-writer.js';
import { Inverter } from '../../src/retrieval/index/inverter.js';
import { mergeDictionaries } from '../../src/retrieval/index/merge-dictionaries.js';
import { type MergeJob, mergeClaimed, mergePart, partPath } from '../../src/retrieval/index/merge-postings.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-merge-parts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Two threads' worth of runs (encoded and packed) over 600 documents, and what a merge needs of them. */
function twoThreads() {
  const words = (d: number) => Array.from({ length: 1 + (d % 9) }, (_, j) => `w${(d * 31 + j * 17) % 97}`).join(' ');
  const inverters = [new Inverter(dir, 'a', 700), new Inverter(dir, 'b', 100_000)];
  // batches of 50 documents, alternating between the threads
  for (let first = 0; first < 600; first += 50)
    (inverters[(first / 50) % 2] as Inverter).addBatch(
      first,
      Array.from({ length: 50 }, (_, i) => words(first + i)),
      getAnalyzer('whitespace'),
    );
  const dicts = inverters.map((inv) => inv.finish());
  const termsOut = new FileByteWriter(join(dir, 'terms.txt'));
  const { numTerms, rankOf } = mergeDictionaries(dicts, termsOut);
  termsOut.close();
  const runs = dicts.flatMap((d, t) => d.runs.map((r) => ({ thread: t, ...r })));
  const norms = new SharedArrayBuffer(600);
  new Uint8Array(norms).fill(7);
  return { numTerms, rankOf, runs, norms };
}

describe('the merge in parts', () => {
  it('gives the bytes and records of one whole merge, whoever claims which part', () => {
    const { numTerms, rankOf, runs, norms } = twoThreads();
    expect(runs.some((r) => r.packed) && runs.some((r) => !r.packed)).toBe(true);
    const jobOf = (name: string, bounds: number[]): MergeJob => ({
      runs,
      rankOf,
      norms,
      exact: false,
      bounds: Int32Array.from(bounds),
      claims: new SharedArrayBuffer(4 * bounds.length),
      records: new SharedArrayBuffer(4 * 3 * numTerms),
      dir: join(dir, name),
    });
    const whole = jobOf('whole', [0, numTerms]);
    const parts = jobOf('parts', [0, 1, 5, 6, 40, numTerms]);
    for (const job of [whole, parts]) mkdirSync(job.dir);
    expect(mergeClaimed(whole)).toBe(1);
    // part 0 merged by its owner, the rest claimed by the next comer
    new Int32Array(parts.claims)[0] = 1;
    expect(mergePart(parts, 0)?.bytes).toBe(readFileSync(partPath(parts.dir, 0)).length);
    expect(mergeClaimed(parts)).toBe(4);
    expect(mergeClaimed(parts)).toBe(0);
    // every part marked written, and together the whole
    expect(Array.from(new Int32Array(parts.claims).subarray(1))).toEqual([1, 1, 1, 1, 1]);
    const joined = Buffer.concat([0, 1, 2, 3, 4].map((c) => readFileSync(partPath(parts.dir, c))));
    expect(Buffer.compare(joined, readFileSync(partPath(whole.dir, 0)))).toBe(0);
    expect(Array.from(new Uint32Array(parts.records))).toEqual(Array.from(new Uint32Array(whole.records)));
    expect(new Uint32Array(whole.records)[0]).toBeGreaterThan(0);
  });
});
