import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unpack } from '../../src/retrieval/index/bitpack.js';
import { BLOCK_SIZE } from '../../src/retrieval/index/index-format.js';
import { encodeTermPostings, WordWriter } from '../../src/retrieval/index/postings-codec.js';

/** A term's postings read back as index-format.ts describes them, word by word. */
function decode(words: Uint32Array, exact: boolean) {
  let p = 0;
  const frontier: [number, number][] = [];
  const n = words[p++] as number;
  for (let i = 0; i < n; i++) frontier.push([words[p++] as number, words[p++] as number]);
  const docs: number[] = [];
  const tfs: number[] = [];
  const blocks: { count: number; last: number; maxTf: number; minNorm: number }[] = [];
  let prev = -1;
  while (p < words.length) {
    const head = words[p++] as number;
    const count = head & 0xff;
    const docBits = (head >>> 8) & 0xff;
    const tfBits = (head >>> 16) & 0xff;
    const last = words[p++] as number;
    const maxTf = words[p++] as number;
    const minNorm = exact ? (words[p++] as number) : head >>> 24;
    if (exact) expect(head >>> 24).toBe(0);
    const gaps = new Int32Array(count);
    unpack(words, p, count, docBits, gaps, 0);
    p += Math.ceil((count * docBits) / 32);
    const f = new Int32Array(count);
    unpack(words, p, count, tfBits, f, 1);
    p += Math.ceil((count * tfBits) / 32);
    for (let i = 0; i < count; i++) {
      prev += (gaps[i] as number) + 1;
      docs.push(prev);
      tfs.push(f[i] as number);
    }
    expect(last).toBe(prev);
    blocks.push({ count, last, maxTf, minNorm });
  }
  return { frontier, docs, tfs, blocks };
}

// ascending documents (gaps up to 22 bits), each with its frequency (up to the builder's
// limit) and norm, over one block or several; a block's frequencies and norms drawn from its own
// ranges, so that blocks differ in their bounds and the frontier has several entries
const postings = fc
  .array(
    fc.record({
      gap: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 70_000 }), fc.integer({ min: 1, max: 2 ** 22 })),
      tf: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 2 ** 22 - 1 })),
      norm: fc.integer({ min: 0, max: 255 }),
    }),
    { minLength: 1, maxLength: 5 * BLOCK_SIZE + 3, size: 'max' },
  )
  .chain((ps) =>
    fc
      .array(fc.record({ tfCap: fc.constantFrom(1, 2, 5, 30), normFloor: fc.constantFrom(0, 100, 200) }), {
        minLength: Math.ceil(ps.length / BLOCK_SIZE),
        maxLength: Math.ceil(ps.length / BLOCK_SIZE),
      })
      .map((blocks) => {
        // documents below 2^23, so that the norms indexed by document stay small
        let d = -1;
        const docs = Int32Array.from(ps, (p) => (d += d + p.gap < 2 ** 23 - ps.length ? p.gap : 1));
        const rangeOf = (i: number) => blocks[Math.floor(i / BLOCK_SIZE)] as { tfCap: number; normFloor: number };
        // most blocks' frequencies capped low, as most terms' are
        const tfs = Int32Array.from(ps, (p, i) => (rangeOf(i).tfCap < 30 ? 1 + (p.tf % rangeOf(i).tfCap) : p.tf));
        const norm = new Map(ps.map((p, i) => [docs[i] as number, Math.max(rangeOf(i).normFloor, p.norm)]));
        return { docs, tfs, normOf: (doc: number) => norm.get(doc) as number };
      }),
  );

describe('postings encoding (encodeTermPostings)', () => {
  it('writes the documented format: blocks of packed gaps and frequencies, their bounds, and the frontier of (max tf, smallest norm)', () => {
    fc.assert(
      fc.property(postings, fc.boolean(), fc.integer({ min: 0, max: 5 }), ({ docs, tfs, normOf }, exact, before) => {
        const n = docs.length;
        const last = docs[n - 1] as number;
        const norms = exact ? new Uint32Array(last + 1) : new Uint8Array(last + 1);
        for (const d of docs) norms[d] = exact ? normOf(d) * 1000 + 7 : normOf(d);
        const out = new WordWriter();
        // earlier terms' words stay as they are
        out.ensure(before);
        for (let i = 0; i < before; i++) out.buf[out.length++] = 0xfeedf00d + i;
        const cf = encodeTermPostings(docs, tfs, n, norms, exact, out);
        for (let i = 0; i < before; i++) expect(out.buf[i]).toBe((0xfeedf00d + i) >>> 0);
        const got = decode(out.buf.subarray(before, out.length), exact);

        expect(got.docs).toEqual(Array.from(docs));
        expect(got.tfs).toEqual(Array.from(tfs));
        expect(cf).toBe(Array.from(tfs).reduce((a, b) => a + b, 0));
        expect(got.blocks.map((b) => b.count)).toEqual(
          Array.from({ length: Math.ceil(n / BLOCK_SIZE) }, (_, b) => Math.min(BLOCK_SIZE, n - b * BLOCK_SIZE)),
        );
        got.blocks.forEach((b, i) => {
          const range = Array.from(docs.subarray(i * BLOCK_SIZE, i * BLOCK_SIZE + b.count));
          expect(b.maxTf).toBe(Math.max(...Array.from(tfs.subarray(i * BLOCK_SIZE, i * BLOCK_SIZE + b.count))));
          expect(b.minNorm).toBe(Math.min(...range.map((d) => norms[d] as number)));
        });
        // the frontier: every block's (max tf, smallest norm) that no other block dominates (a
        // larger tf at no larger norm, or the same tf at a smaller norm), tf descending
        const pairs = got.blocks.map((b) => [b.maxTf, b.minNorm] as [number, number]);
        const kept = pairs.filter(([tf, norm]) => !pairs.some(([t, m]) => (t > tf && m <= norm) || (t === tf && m < norm)));
        const expected = [...new Map(kept.map((k) => [`${k[0]} ${k[1]}`, k])).values()].sort((x, y) => y[0] - x[0]);
        expect(got.frontier).toEqual(expected);
      }),
      { numRuns: 300, seed: 20 },
    );
  });
});
