/** Bits needed to hold every value up to max (0 for max = 0). */
export function bitsFor(max: number): number {
  return max === 0 ? 0 : 32 - Math.clz32(max);
}

/** Number of 32-bit words that n values of `bits` bits take. */
export function packedWords(n: number, bits: number): number {
  return (n * bits + 31) >>> 5;
}

/**
 * Packs n values (each below 2^bits) from values[from...] into out[o...], low bits first; returns
 * the words used. Each word is written once, whole: nothing is read back or zeroed first.
 */
export function pack(values: Int32Array, n: number, bits: number, out: Uint32Array, o: number, from = 0): number {
  if (bits === 0) return 0;
  let w = o;
  let acc = 0;
  let used = 0;
  for (let i = from, end = from + n; i < end; i++) {
    const v = values[i] as number;
    acc |= v << used;
    used += bits;
    if (used >= 32) {
      out[w++] = acc;
      used -= 32;
      // the value's bits that did not fit start the next word
      acc = used > 0 ? v >>> (bits - used) : 0;
    }
  }
  if (used > 0) out[w++] = acc;
  return w - o;
}

/**
 * Unpacks n values of `bits` bits from words[o...] into out, adding `add` to each. The hot loop of
 * postings decoding: no branch per value beyond the word straddle.
 */
export function unpack(words: Uint32Array, o: number, n: number, bits: number, out: Int32Array, add: number): void {
  if (bits === 0) {
    out.fill(add, 0, n);
    return;
  }
  const mask = bits === 32 ? -1 : (1 << bits) - 1;
  let bit = 0;
  for (let i = 0; i < n; i++, bit += bits) {
    const w = o + (bit >>> 5);
    const s = bit & 31;
    let v = (words[w] as number) >>> s;
    if (s + bits > 32) v |= (words[w + 1] as number) << (32 - s);
    out[i] = (v & mask) + add;
  }
}

/**
 * Unpacks n document gaps (stored minus one) from words[o...] into out as documents: each is the
 * previous one (first: `prev`) plus its gap plus one. Returns the last document.
 */
export function unpackDocs(words: Uint32Array, o: number, n: number, bits: number, out: Int32Array, prev: number): number {
  unpack(words, o, n, bits, out, 1);
  let doc = prev;
  for (let i = 0; i < n; i++) out[i] = doc += out[i] as number;
  return doc;
}
