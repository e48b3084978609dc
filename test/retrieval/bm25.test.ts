import { describe, expect, it } from 'vitest';
import { byte4ToInt, intToByte4, LENGTH_TABLE } from '../../src/retrieval/index/small-float.js';
import { averageLength, idf, normInverse, termScore } from '../../src/retrieval/search/bm25.js';

describe('Lucene BM25 arithmetic', () => {
  it('encodes lengths in one byte as SmallFloat.intToByte4 does', () => {
    // 0..23 exact; above, 4 significant bits: 24 + longToInt4(i - 24)
    for (let i = 0; i < 24; i++) expect(intToByte4(i)).toBe(i);
    expect(intToByte4(24)).toBe(24);
    expect(byte4ToInt(intToByte4(100))).toBe(96); // 100 − 24 = 76 = 0b1001100 → keeps 0b1001 << 3 = 72 → 24 + 72
    expect(byte4ToInt(intToByte4(1000))).toBe(984); // 976 = 0b1111010000 → 0b1111 << 6 = 960 → 984
    // code 255: 24 + (0b1111 << 27); Lucene's LENGTH_TABLE is a float[], so the table holds its float value
    expect(byte4ToInt(255)).toBe(2013265944);
    expect(LENGTH_TABLE[255]).toBe(Math.fround(2013265944));
    // monotone, and decoding then encoding is the identity on the 256 codes
    for (let b = 1; b < 256; b++) {
      expect(byte4ToInt(b)).toBeGreaterThan(byte4ToInt(b - 1));
      expect(intToByte4(byte4ToInt(b))).toBe(b);
    }
  });

  it('computes idf, normInverse and the term score in float32 like Lucene', () => {
    const N = 3204;
    const df = 17;
    expect(idf(df, N)).toBe(Math.fround(Math.log(1 + (N - df + 0.5) / (df + 0.5))));
    const avgdl = averageLength(320090, 3204);
    expect(avgdl).toBe(Math.fround(320090 / 3204));
    // in exact arithmetic the score is idf · tf / (tf + k1 (1 − b + b dl/avgdl)); float rounding moves it by < 1e-6 relative
    const k1 = 0.9;
    const b = 0.4;
    const w = idf(df, N);
    for (const [tf, dl] of [
      [1, 10],
      [3, 96],
      [7, 984],
    ] as const) {
      const lucene = termScore(w, tf, normInverse(k1, b, dl, avgdl));
      const exact = (w * tf) / (tf + k1 * (1 - b + (b * dl) / avgdl));
      expect(Math.abs(lucene - exact) / exact).toBeLessThan(1e-6);
      expect(Math.fround(lucene)).toBe(lucene);
    }
    // more of a term, or a shorter document, never scores less (the rewrite keeps monotonicity)
    expect(termScore(w, 2, normInverse(k1, b, 50, avgdl))).toBeGreaterThan(termScore(w, 1, normInverse(k1, b, 50, avgdl)));
    expect(termScore(w, 2, normInverse(k1, b, 40, avgdl))).toBeGreaterThan(termScore(w, 2, normInverse(k1, b, 50, avgdl)));
  });
});
