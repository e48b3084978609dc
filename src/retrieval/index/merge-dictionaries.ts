import type { FileByteWriter } from './file-writer.js';
import type { ThreadDictionary } from './inverter.js';

/** Term i of d against term j of e, in UTF-16 code-unit order (JavaScript's string order): < 0, 0 or > 0. */
function compareTerms(d: ThreadDictionary, i: number, e: ThreadDictionary, j: number): number {
  const a = i > 0 ? (d.ends[i - 1] as number) : 0;
  const la = (d.ends[i] as number) - a;
  const b = j > 0 ? (e.ends[j - 1] as number) : 0;
  const lb = (e.ends[j] as number) - b;
  for (let k = 0, end = Math.min(la, lb); k < end; k++) {
    const diff = (d.units[a + k] as number) - (e.units[b + k] as number);
    if (diff !== 0) return diff;
  }
  return la - lb;
}

/** Writes code units [from, to) as UTF-8 into out at q, a lone surrogate as U+FFFD (as TextEncoder does); returns the position after. */
function utf8Of(units: Uint16Array, from: number, to: number, out: Uint8Array, q: number): number {
  for (let k = from; k < to; k++) {
    const c = units[k] as number;
    if (c < 0x80) out[q++] = c;
    else if (c < 0x800) {
      out[q++] = 0xc0 | (c >> 6);
      out[q++] = 0x80 | (c & 63);
    } else if ((c & 0xfc00) === 0xd800 && k + 1 < to && ((units[k + 1] as number) & 0xfc00) === 0xdc00) {
      const cp = 0x10000 + ((c - 0xd800) << 10) + ((units[++k] as number) - 0xdc00);
      out[q++] = 0xf0 | (cp >> 18);
      out[q++] = 0x80 | ((cp >> 12) & 63);
      out[q++] = 0x80 | ((cp >> 6) & 63);
      out[q++] = 0x80 | (cp & 63);
    } else {
      const u = (c & 0xf800) === 0xd800 ? 0xfffd : c;
      out[q++] = 0xe0 | (u >> 12);
      out[q++] = 0x80 | ((u >> 6) & 63);
      out[q++] = 0x80 | (u & 63);
    }
  }
  return q;
}

/**
 * Merges the threads' sorted dictionaries: writes the global terms in order (terms.txt), and gives
 * each thread's global id of each local id (`remap`) and its sorted rank of each global id
 * (`rankOf`, −1 where it lacks the term). The terms stay code units in typed arrays throughout.
 */
export function mergeDictionaries(dicts: ThreadDictionary[], termsOut: FileByteWriter) {
  const T = dicts.length;
  const at = new Int32Array(T);
  // per thread: the global id of each of its sorted terms
  const globalOf = dicts.map((d) => new Int32Array(d.ids.length));
  // a term is at most 256 code units: 768 bytes of UTF-8 and its newline
  const out = new Uint8Array((1 << 20) + 1024);
  let q = 0;
  let numTerms = 0;
  // the dictionaries whose head is the least term: one comparison a dictionary finds them all
  const ties = new Int32Array(T);
  for (;;) {
    let best = -1;
    let tied = 0;
    for (let t = 0; t < T; t++) {
      const d = dicts[t] as ThreadDictionary;
      const j = at[t] as number;
      if (j >= d.ids.length) continue;
      const c = best < 0 ? -1 : compareTerms(d, j, dicts[best] as ThreadDictionary, at[best] as number);
      if (c < 0) {
        best = t;
        tied = 0;
      }
      if (c <= 0) ties[tied++] = t;
    }
    if (best < 0) break;
    const d = dicts[best] as ThreadDictionary;
    const i = at[best] as number;
    q = utf8Of(d.units, i > 0 ? (d.ends[i - 1] as number) : 0, d.ends[i] as number, out, q);
    out[q++] = 10;
    if (q > 1 << 20) {
      termsOut.write(out.subarray(0, q));
      q = 0;
    }
    for (let k = 0; k < tied; k++) {
      const t = ties[k] as number;
      (globalOf[t] as Int32Array)[at[t] as number] = numTerms;
      at[t] = (at[t] as number) + 1;
    }
    numTerms++;
  }
  termsOut.write(out.subarray(0, q));
  const rankOf = dicts.map(() => new SharedArrayBuffer(4 * numTerms));
  const remap = dicts.map((d, t) => {
    const ranks = new Int32Array(rankOf[t] as SharedArrayBuffer).fill(-1);
    const g = globalOf[t] as Int32Array;
    const r = new Int32Array(d.ids.length);
    for (let i = 0; i < d.ids.length; i++) {
      const local = d.ids[i] as number;
      const gid = g[i] as number;
      r[local] = gid;
      ranks[gid] = i;
    }
    return r;
  });
  return { numTerms, remap, rankOf };
}
