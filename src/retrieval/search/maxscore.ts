import type { TermInfo } from '../index/read-index.js';
import { termScore } from './bm25.js';
import { NO_MORE_DOCS, PostingsCursor } from './postings-cursor.js';
import { TopK } from './top-k.js';

interface QueryTerm {
  cursor: PostingsCursor;
  weight: number;
  /** Largest score the term gives any document. */
  ub: number;
  /** Largest score it can give a document of the current window. */
  wub: number;
  bound: (maxTf: number, minNorm: number) => number;
}

/** Documents per scoring window. */
const WINDOW = 4096;

/**
 * Top-k BM25 with MaxScore dynamic pruning (Turtle & Flood 1995), in windows of documents as
 * Lucene's MaxScoreBulkScorer scores them:
 * - the query's terms, sorted by their upper bound over the whole index, say where the next
 *   competitive document can be: documents that hold none of the terms whose bounds together
 *   reach the k-th score are skipped without being read;
 * - in each window every term's bound is the largest of its blocks there (block-max, from the
 *   block headers). Sorted by these bounds, the terms whose bounds together stay below the k-th
 *   score are non-essential in the window;
 * - the essential terms are scored term-at-a-time into the window's accumulator; each document
 *   found then takes the non-essential terms, largest bound first, and is dropped as soon as its
 *   score plus the remaining bounds (the bound of the block that would hold it, for the term at
 *   hand) falls below the k-th score.
 * Exact: the same hits, scores and order as exhaustive scoring, ties by external id.
 */
export function maxScoreTopK(
  terms: { info: TermInfo; weight: number }[],
  k: number,
  normInv: Float32Array,
  normInvOfNorm: (norm: number) => number,
  order: Uint32Array,
  exact: boolean,
): TopK {
  const qt: QueryTerm[] = terms.map(({ info, weight }) => {
    const cursor = new PostingsCursor(info, exact);
    const bound = (maxTf: number, minNorm: number) => termScore(weight, maxTf, normInvOfNorm(minNorm));
    let ub = 0;
    const f = cursor.frontier;
    for (let i = 0; i < f.length; i += 2) ub = Math.max(ub, bound(f[i] as number, f[i + 1] as number));
    return { cursor, weight, ub, wub: ub, bound };
  });
  const byUb = [...qt].sort((a, b) => a.ub - b.ub);
  const ubPrefix = new Float64Array(byUb.length);
  let sum = 0;
  byUb.forEach((t, i) => {
    ubPrefix[i] = sum += t.ub;
  });

  const top = new TopK(k, order);
  const acc = new Float64Array(WINDOW);
  const seen = new Uint8Array(WINDOW);
  const touched = new Int32Array(WINDOW);
  const prefix = new Float64Array(qt.length);
  let firstGlobal = 0;
  let start = 0;

  for (;;) {
    let theta = top.threshold;
    // terms whose global bounds together stay below theta can't make a document competitive alone:
    // the next window starts at the first document that holds one of the others
    while (firstGlobal < byUb.length && Math.fround(ubPrefix[firstGlobal] as number) < theta) firstGlobal++;
    let next = NO_MORE_DOCS;
    for (let i = firstGlobal; i < byUb.length; i++) {
      const c = (byUb[i] as QueryTerm).cursor;
      if (c.doc >= start) next = Math.min(next, c.doc);
      else if (c.shallowAdvance(start)) next = Math.min(next, Math.max(start, c.blockFirst));
    }
    if (next === NO_MORE_DOCS) break;
    start = next;
    const end = Math.min(start + WINDOW, NO_MORE_DOCS);

    // the window's bounds, and its essential terms
    for (const t of qt) t.wub = t.cursor.shallowAdvance(start) ? t.cursor.windowMax(end, t.bound) : 0;
    qt.sort((a, b) => a.wub - b.wub);
    sum = 0;
    for (let i = 0; i < qt.length; i++) prefix[i] = sum += (qt[i] as QueryTerm).wub;
    let firstEssential = 0;
    while (firstEssential < qt.length && Math.fround(prefix[firstEssential] as number) < theta) firstEssential++;
    if (firstEssential === qt.length) {
      start = end;
      continue;
    }

    let n = 0;
    for (let i = firstEssential; i < qt.length; i++) {
      const t = qt[i] as QueryTerm;
      n = t.cursor.scoreUpTo(end, start, t.weight, normInv, acc, seen, touched, n);
    }
    // candidates in document order (the non-essential cursors only move forward): few are sorted,
    // many are found by scanning the window's marks
    const few = n < WINDOW / 16;
    const slots = few ? touched.subarray(0, n).sort() : null;
    const count = few ? n : Math.min(WINDOW, end - start);
    for (let c = 0; c < count; c++) {
      const slot = slots ? (slots[c] as number) : c;
      if (seen[slot] === 0) continue;
      const doc = start + slot;
      let score = acc[slot] as number;
      acc[slot] = 0;
      seen[slot] = 0;
      let pruned = false;
      for (let i = firstEssential - 1; i >= 0; i--) {
        if (Math.fround(score + (prefix[i] as number)) < theta) {
          pruned = true;
          break;
        }
        const t = qt[i] as QueryTerm;
        const cur = t.cursor;
        // block-max: the bound of the block that would hold doc, without decoding it
        if (!cur.shallowAdvance(doc)) continue;
        const rest = i > 0 ? (prefix[i - 1] as number) : 0;
        if (Math.fround(score + t.bound(cur.blockMaxTf, cur.blockMinNorm) + rest) < theta) {
          pruned = true;
          break;
        }
        if (cur.advance(doc) === doc) score += termScore(t.weight, cur.tf, normInv[doc] as number);
      }
      if (!pruned && top.offer(doc, Math.fround(score))) theta = top.threshold;
    }
    start = end;
  }
  return top;
}
