import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ChunkSums } from '../../src/retrieval/index/checksums.js';
import { remapVectors } from '../../src/retrieval/index/term-vectors.js';
import { ByteWriter } from '../../src/retrieval/index/varint.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-vectors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function varint(out: number[], v: number): void {
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/** A thread's temporary file: each document's count, then its (thread id, tf) pairs. */
function threadFile(docs: [number, number][][]): Uint8Array {
  const out: number[] = [];
  for (const pairs of docs) {
    varint(out, pairs.length);
    for (const [id, tf] of pairs) {
      varint(out, id);
      varint(out, tf);
    }
  }
  return Uint8Array.from(out);
}

/** docvectors as the format defines it, written plainly: each document's count, then id gaps and tfs by id. */
function expected(docs: [number, number][][], remap: Int32Array): { bytes: Uint8Array; sizes: number[] } {
  const out: number[] = [];
  const sizes: number[] = [];
  for (const pairs of docs) {
    const before = out.length;
    varint(out, pairs.length);
    let prev = 0;
    for (const [id, tf] of pairs.map(([t, tf]) => [remap[t] as number, tf]).sort((a, b) => (a[0] as number) - (b[0] as number))) {
      varint(out, (id as number) - prev);
      varint(out, tf as number);
      prev = id as number;
    }
    sizes.push(out.length - before);
  }
  return { bytes: Uint8Array.from(out), sizes };
}

/** A deterministic generator of numbers in [0, 1). */
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe("the inverter's temporary term vectors", () => {
  it('are written (ByteWriter.vector) as the rewrite reads them, from any place in the postings, past the first buffer', () => {
    const rand = generator(5);
    // ids and tfs of every size of varint, documents of 0 to 300 terms; the buffer (64 KiB at first) grows
    const docs = Array.from({ length: 600 }, (_, d) =>
      Array.from({ length: d < 3 ? d : Math.floor(rand() * 300) }, (): [number, number] => [
        Math.floor(rand() * 2 ** Math.floor(rand() * 31)),
        1 + Math.floor(rand() * 2 ** Math.floor(rand() * 22)),
      ]),
    );
    const w = new ByteWriter();
    // a document's ids sit at its place among the thread's postings; its tfs count from 0
    const ids = new Int32Array(docs.reduce((n, pairs) => n + pairs.length, 7));
    let from = 7;
    for (const pairs of docs) {
      const tfs = Int32Array.from(pairs, ([, tf]) => tf);
      pairs.forEach(([id], i) => {
        ids[from + i] = id;
      });
      w.vector(ids, from, tfs, pairs.length);
      from += pairs.length;
    }
    expect(w.length).toBeGreaterThan(1 << 16);
    expect(Buffer.compare(Buffer.from(w.bytes()), Buffer.from(threadFile(docs)))).toBe(0);
  });
});

describe('the term-vector rewrite (vector-kernel.wat)', () => {
  it('writes what the format defines for documents of 0 to 6,000 terms, ids spread or crowded, whatever the buffer sizes', () => {
    const rand = generator(11);
    const threadTerms = 20_000;
    // global ids: distinct, up to 2^31 − 1 (gaps of five bytes), most of them close together
    const used = new Set<number>();
    const remap = new Int32Array(threadTerms);
    for (let t = 0; t < threadTerms; t++) {
      let g: number;
      do g = t % 3 === 0 ? Math.floor(rand() * 2 ** 31) : 1_000_000 + Math.floor(rand() * 60_000);
      while (used.has(g));
      used.add(g);
      remap[t] = g;
    }
    const sizesOf = [0, 1, 2, 12, 13, 31, 32, 33, 64, 65, 400, 4096, 4097, 6000];
    const docs = Array.from({ length: 160 }, (_, d) => {
      const n = d < sizesOf.length ? (sizesOf[d] as number) : Math.floor(rand() * (rand() < 0.9 ? 60 : 700));
      // thread ids: distinct within a document, spread over all terms or crowded into a narrow range
      const crowded = d % 4 === 1;
      const ids = new Set<number>();
      while (ids.size < n) ids.add(crowded ? Math.floor(rand() * Math.min(threadTerms, 2 * n + 10)) : Math.floor(rand() * threadTerms));
      return [...ids].map((id): [number, number] => [id, 1 + Math.floor(rand() < 0.95 ? rand() * 5 : rand() * (2 ** 22 - 1))]);
    });
    const path = join(dir, 'thread.bin');
    writeFileSync(path, threadFile(docs));
    const want = expected(docs, remap);
    const sums = new ChunkSums();
    sums.update(want.bytes);
    // the defaults, then buffers far smaller than a document: each grows as it must
    for (const tuning of [{}, { input: 64, terms: 4 }, { input: 1000, terms: 100 }]) {
      const out = join(dir, 'global.bin');
      const got = remapVectors(path, remap, out, true, tuning);
      expect(Buffer.compare(readFileSync(out), want.bytes), JSON.stringify(tuning)).toBe(0);
      expect(Array.from(got.sizes)).toEqual(want.sizes);
      expect(got.sums).toEqual(sums.state());
    }
  });

  it('calls a damaged temporary file damaged: a term id past the thread, or an end inside a document', () => {
    const remap = Int32Array.from([5, 3, 9]);
    const path = join(dir, 'bad.bin');
    writeFileSync(
      path,
      threadFile([
        [[0, 1]],
        [
          [2, 2],
          [3, 1],
        ],
      ]),
    );
    expect(() => remapVectors(path, remap, join(dir, 'o.bin'), false)).toThrow(/holds a term id \(3\) past the thread's 3 terms/);
    const whole = threadFile([
      [[0, 1]],
      [
        [2, 2],
        [1, 1],
      ],
    ]);
    writeFileSync(path, whole.subarray(0, whole.length - 1));
    expect(() => remapVectors(path, remap, join(dir, 'o.bin'), false, { input: 64 })).toThrow(/ends inside a document/);
    writeFileSync(path, whole);
    expect(Array.from(remapVectors(path, remap, join(dir, 'o.bin'), false).sizes)).toEqual([3, 5]);
  });
});
