import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitsFor, pack, packedWords, unpack, unpackDocs } from '../../src/retrieval/index/bitpack.js';

describe('bit packing of postings blocks', () => {
  it('round-trips values of any width from 0 to 32 bits, at any word offset', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 32 }), fc.integer({ min: 1, max: 128 }), fc.integer({ min: 0, max: 3 }), (bits, n, offset) => {
        const max = bits === 32 ? 0xffffffff : 2 ** bits - 1;
        const values = Int32Array.from({ length: n }, (_, i) => ((i * 2654435761) % (max + 1)) | 0);
        values[0] = max | 0; // the widest value always appears
        expect(bitsFor(max)).toBe(bits);
        const words = new Uint32Array(offset + packedWords(n, bits) + 1).fill(0xdeadbeef);
        expect(pack(values, n, bits, words, offset)).toBe(packedWords(n, bits));
        expect(words[offset + packedWords(n, bits)]).toBe(0xdeadbeef); // nothing written past the end
        const out = new Int32Array(n);
        unpack(words, offset, n, bits, out, 0);
        expect(Array.from(out)).toEqual(Array.from(values));
      }),
      { numRuns: 300, seed: 7 },
    );
  });

  it('decodes document gaps (stored minus one) into ascending documents', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 128 }),
        fc.integer({ min: -1, max: 10 }),
        (gaps, prev) => {
          const stored = Int32Array.from(gaps, (g) => g - 1);
          const bits = bitsFor(Math.max(...stored));
          const words = new Uint32Array(packedWords(gaps.length, bits) + 1);
          pack(stored, gaps.length, bits, words, 0);
          const docs = new Int32Array(gaps.length);
          const last = unpackDocs(words, 0, gaps.length, bits, docs, prev);
          let d = prev;
          const expected = gaps.map((g) => (d += g));
          expect(Array.from(docs)).toEqual(expected);
          expect(last).toBe(expected[expected.length - 1]);
        },
      ),
      { numRuns: 200, seed: 8 },
    );
  });
});
