/**
 * Lucene's lossy one-byte length encoding (org.apache.lucene.util.SmallFloat.intToByte4 /
 * byte4ToInt): lengths below 24 are exact, larger ones keep 4 significant bits. BM25 in Lucene
 * scores with the decoded length, so qexp must too to match Anserini's numbers.
 */

function longToInt4(i: number): number {
  const numBits = i === 0 ? 0 : Math.floor(Math.log2(i)) + 1;
  if (numBits < 4) return i;
  const shift = numBits - 4;
  let encoded = Math.floor(i / 2 ** shift);
  encoded &= 0x07;
  encoded |= (shift + 1) << 3;
  return encoded;
}

function int4ToLong(i: number): number {
  const bits = i & 0x07;
  const shift = (i >>> 3) - 1;
  return shift === -1 ? bits : (bits | 0x08) * 2 ** shift;
}

const MAX_INT4 = longToInt4(2147483647); // 231
export const NUM_FREE_VALUES = 255 - MAX_INT4; // 24

export function intToByte4(i: number): number {
  if (i < 0) throw new Error(`lengths are non-negative, got ${i}`);
  return i < NUM_FREE_VALUES ? i : NUM_FREE_VALUES + longToInt4(i - NUM_FREE_VALUES);
}

export function byte4ToInt(b: number): number {
  const i = b & 0xff;
  return i < NUM_FREE_VALUES ? i : NUM_FREE_VALUES + int4ToLong(i - NUM_FREE_VALUES);
}

/** The 256 decoded lengths, as Lucene's BM25Similarity.LENGTH_TABLE. */
export const LENGTH_TABLE: Float32Array = Float32Array.from({ length: 256 }, (_, i) => byte4ToInt(i));
