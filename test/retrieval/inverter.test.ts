import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { Inverter, RunReader, type ThreadDictionary } from '../../src/retrieval/index/inverter.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-inverter-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const analyzer = getAnalyzer('whitespace');

/** Each run's postings, by term: [doc, tf] pairs read back from the run's bytes. */
function runsOf(d: ThreadDictionary): Map<string, [number, number][]>[] {
  const terms = Array.from(d.ends, (end, i) => String.fromCharCode(...d.units.subarray(i > 0 ? (d.ends[i - 1] as number) : 0, end)));
  return d.runs.map((run) => {
    const reader = new RunReader(run);
    const byTerm = new Map<string, [number, number][]>();
    // the runs' tables are in the sorted terms' order
    for (let r = 0; r < d.ids.length; r++) {
      const at = reader.at(r);
      if (at < 0) continue;
      const df = reader.df(r, at);
      const docs = new Int32Array(df);
      const tfs = new Int32Array(df);
      expect(reader.read(at, df, docs, tfs, 0)).toBe(df);
      byTerm.set(
        terms[r] as string,
        Array.from(docs, (doc, i) => [doc, tfs[i] as number]),
      );
    }
    return byTerm;
  });
}

let n = 0;
/** Inverts batches (first document, texts) and returns the runs it wrote. */
function invert(batches: [number, string[]][], budget: number, runSpan?: number): Map<string, [number, number][]>[] {
  const inv = new Inverter(dir, `i${n++}`, budget, runSpan);
  for (const [first, texts] of batches) inv.addBatch(first, texts, analyzer);
  const d = inv.finish();
  // the first run and what is held at the end are packed as they were sorted; the runs between,
  // spilled while indexing, are encoded
  if (d.runs.length > 0) expect(d.runs[0]?.packed).toBeDefined();
  expect(d.runs.slice(1, -1).some((r) => r.packed)).toBe(false);
  lastPacked = d.runs.at(-1)?.packed !== undefined;
  return runsOf(d);
}
/** Whether the last inverter's last run was packed. */
let lastPacked = false;

/** What the runs must hold together: every term's (doc, tf), documents ascending. */
function expected(batches: [number, string[]][]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const [first, texts] of batches)
    texts.forEach((text, i) => {
      const counts = new Map<string, number>();
      for (const t of text.split(' ').filter(Boolean)) counts.set(t, (counts.get(t) ?? 0) + 1);
      for (const [t, c] of counts) out.set(t, [...(out.get(t) ?? []), [first + i, c]]);
    });
  return out;
}

function joined(runs: Map<string, [number, number][]>[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const run of runs) for (const [t, list] of run) out.set(t, [...(out.get(t) ?? []), ...list]);
  return out;
}

describe('inverter', () => {
  it('keeps frequencies of 255 and more exactly, in runs split by the postings budget', () => {
    const rep = (t: string, c: number) => Array(c).fill(t).join(' ');
    const batches: [number, string[]][] = [
      [0, [`a ${rep('b', 254)}`, rep('c', 255), `${rep('a', 256)} b`]],
      [7, [rep('big', 70_000), 'a c', `${rep('c', 300)} ${rep('a', 1000)}`]],
    ];
    for (const budget of [1, 3, 1000]) {
      const runs = invert(batches, budget);
      expect(joined(runs)).toEqual(expected(batches));
      if (budget === 1) expect(runs.length).toBe(6);
      // every frequency of 255 and more in a packed run, and in encoded runs
      expect(lastPacked).toBe(budget === 1000);
    }
  });

  it('starts a new run before its documents would span more than it can count', () => {
    // documents 0..9, then 20..24 and 1000: with a span of 4 no run may reach from a document to one 4 past it
    const batches: [number, string[]][] = [
      [0, Array.from({ length: 10 }, (_, i) => `x y${i % 3}`)],
      [20, ['x', 'y1 y1', 'z', '', 'x z']],
      [1000, [`x ${Array(300).fill('y2').join(' ')}`]],
    ];
    const runs = invert(batches, 1_000_000, 4);
    expect(joined(runs)).toEqual(expected(batches));
    for (const run of runs) {
      const docs = [...run.values()].flat().map(([d]) => d);
      expect(Math.max(...docs) - Math.min(...docs)).toBeLessThan(4);
    }
    // 0–3, 4–7, 8–9, 20–23, 24, 1000
    expect(runs.length).toBe(6);
    // without the limit, one run
    expect(invert(batches, 1_000_000).length).toBe(1);
  });

  it('reads terms of 128 postings and more (a df of two varint bytes) back from encoded runs', () => {
    // `common` in every other document, 1 to 3 times
    const text = (i: number) => (i % 2 === 0 ? `${'common '.repeat(1 + (i % 3))}w${i % 7}` : `w${i % 5}`);
    const batches: [number, string[]][] = [[0, Array.from({ length: 1200 }, (_, i) => text(i))]];
    // 400 documents to a run: the first packed, the second encoded, the rest packed
    const runs = invert(batches, 600);
    expect(runs.length).toBe(3);
    expect(runs[1]?.get('common')?.length).toBe(200);
    expect(joined(runs)).toEqual(expected(batches));
  });

  it('sorts runs of more terms than the spill takes in one group (16,384), documents still ascending', () => {
    // 40,000 terms over 3,000 documents, most in one document, ids by first appearance
    const batches: [number, string[]][] = [0, 1000, 2000].map((first) => [
      first,
      Array.from({ length: 1000 }, (_, i) => Array.from({ length: 12 }, (_, j) => `t${((first + i) * 37 + j * 3203) % 40_000}`).join(' ')),
    ]);
    for (const budget of [1_000_000, 9_000]) {
      const runs = invert(batches, budget);
      expect(runs.length).toBe(budget === 9_000 ? 4 : 1);
      expect(joined(runs)).toEqual(expected(batches));
    }
  });

  it('writes the postings of random documents, whatever the budget and span', () => {
    const word = fc.constantFrom('a', 'b', 'c', 'dd', 'é');
    const doc = fc.array(word, { maxLength: 20 }).map((w) => w.join(' '));
    const batch = fc.tuple(fc.nat(50), fc.array(doc, { minLength: 1, maxLength: 30 }));
    fc.assert(
      fc.property(
        fc.array(batch, { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 40 }),
        (raw, budget, span) => {
          // batches in ascending document order, gaps between them
          let next = 0;
          const batches = raw.map(([gap, texts]): [number, string[]] => {
            const first = next + gap;
            next = first + texts.length;
            return [first, texts];
          });
          const runs = invert(batches, budget, span);
          expect(joined(runs)).toEqual(expected(batches));
          for (const run of runs) {
            const docs = [...run.values()].flat().map(([d]) => d);
            expect(Math.max(...docs) - Math.min(...docs)).toBeLessThan(span);
          }
        },
      ),
      { numRuns: 60, seed: 11 },
    );
  });
});
