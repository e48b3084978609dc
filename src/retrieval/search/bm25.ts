import { LENGTH_TABLE } from '../index/small-float.js';

const f = Math.fround;

/**
 * Lucene 9 BM25Similarity in its own float arithmetic (every step rounded to float32 with
 * Math.fround): idf = (float) ln(1 + (N − df + 0.5) / (df + 0.5)) computed in double;
 * score = weight − weight / (1 + freq · normInverse), weight = boost · idf, and
 * normInverse = 1 / (k1 · ((1 − b) + b · dl / avgdl)). No (k1 + 1) factor (Lucene ≥ 8).
 */
export function idf(docFreq: number, docCount: number): number {
  return f(Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5)));
}

/** avgdl = (float) (sumTotalTermFreq / (double) docCount). */
export function averageLength(sumTotalTermFreq: number, docCount: number): number {
  return f(sumTotalTermFreq / docCount);
}

/** normInverse for a decoded document length, in float arithmetic as Lucene's cache computes it. */
export function normInverse(k1: number, b: number, length: number, avgdl: number): number {
  const K1 = f(k1);
  const B = f(b);
  const inner = f(f(1 - B) + f(f(B * f(length)) / f(avgdl)));
  return f(1 / f(K1 * inner));
}

/** Lucene's per-index cache of normInverse for the 256 one-byte norms. */
export function normCache(k1: number, b: number, avgdl: number): Float32Array {
  return Float32Array.from(LENGTH_TABLE, (len) => normInverse(k1, b, len, avgdl));
}

export function termScore(weight: number, freq: number, normInv: number): number {
  return f(weight - f(weight / f(1 + f(freq * normInv))));
}
