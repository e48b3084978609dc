import type { TermInfo } from '../index/read-index.js';
import { termScore } from './bm25.js';
import { frontierBound, NO_MORE_DOCS, PostingsCursor } from './postings-cursor.js';
import { TopK } from './top-k.js';

interface QueryTerm {
  cursor: PostingsCursor;
  weight: number;
  df: number;
  /** Largest score the term gives any document. */
  ub: number;
  /** Largest score it can give a document of the current window. */
  wub: number;
  bound: (maxTf: number, minNorm: number) => number;
}

/** Documents per scoring window, at most (the first windows are smaller, while the k-th score rises). */
export const WINDOW = 1 << 16;
const FIRST_WINDOW = 1 << 10;

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
 *   hand) falls below the k-th score. In a dense window the documents are found by one scan of
 *   the accumulator with a single, rarely taken branch: a document with no essential term has 0
 *   there, and the non-essential bounds alone stay below the k-th score.
 * Exact: the same hits, scores and order as exhaustive scoring, ties by external id.
 */
export function maxScoreTopK(
  terms: { info: TermInfo; weight: number }[],
  k: number,
  normInv: Float32Array,
  normInvOfNorm: (norm: number) => number,
  order: Uint32Array,
  exact: boolean,
  window = WINDOW,
): TopK {
  const qt: QueryTerm[] = terms.map(({ info, weight }) => {
    const cursor = new PostingsCursor(info, exact);
    const bound = (maxTf: number, minNorm: number) => termScore(weight, maxTf, normInvOfNorm(minNorm));
    const ub = frontierBound(info, bound);
    return { cursor, weight, df: info.df, ub, wub: ub, bound };
  });
  const byUb = [...qt].sort((a, b) => a.ub - b.ub);
  const ubPrefix = new Float64Array(byUb.length);
  let sum = 0;
  byUb.forEach((t, i) => {
    ubPrefix[i] = sum += t.ub;
  });
  const docCount = normInv.length;

  const top = new TopK(k, order);
  const acc = new Float64Array(window);
  const seen = new Uint8Array(window);
  const touched = new Int32Array(window);
  const prefix = new Float64Array(qt.length);
  let theta = 0;
  let firstGlobal = 0;
  let firstEssential = 0;
  let start = 0;
  let size = Math.min(FIRST_WINDOW, window);

  /** Adds the non-essential terms from − 1 down to 0 to a document's score; offers it unless pruned. */
  const complete = (doc: number, score: number, from: number): void => {
    for (let i = from - 1; i >= 0; i--) {
      if (Math.fround(score + (prefix[i] as number)) < theta) return;
      const t = qt[i] as QueryTerm;
      const cur = t.cursor;
      // block-max: the bound of the block that would hold doc, without decoding it
      if (!cur.shallowAdvance(doc)) continue;
      const rest = i > 0 ? (prefix[i - 1] as number) : 0;
      if (Math.fround(score + t.bound(cur.blockMaxTf, cur.blockMinNorm) + rest) < theta) return;
      if (cur.advance(doc) === doc) score += termScore(t.weight, cur.tf, normInv[doc] as number);
    }
    if (top.offer(doc, Math.fround(score))) theta = top.threshold;
  };

  for (;;) {
    theta = top.threshold;
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
    const end = Math.min(start + size, NO_MORE_DOCS);
    size = Math.min(2 * size, window);

    // the window's bounds; the terms stay sorted by them (insertion sort: the order changes little)
    for (const t of qt) t.wub = t.cursor.shallowAdvance(start) ? t.cursor.windowMax(end, t.bound) : 0;
    for (let i = 1; i < qt.length; i++) {
      const t = qt[i] as QueryTerm;
      let j = i - 1;
      while (j >= 0 && (qt[j] as QueryTerm).wub > t.wub) {
        qt[j + 1] = qt[j] as QueryTerm;
        j--;
      }
      qt[j + 1] = t;
    }
    sum = 0;
    for (let i = 0; i < qt.length; i++) prefix[i] = sum += (qt[i] as QueryTerm).wub;
    firstEssential = 0;
    while (firstEssential < qt.length && Math.fround(prefix[firstEssential] as number) < theta) firstEssential++;
    if (firstEssential === qt.length) {
      start = end;
      continue;
    }
    const width = end - start;
    let expected = 0;
    for (let i = firstEssential; i < qt.length; i++) expected += (qt[i] as QueryTerm).df;
    expected *= width / docCount;

    if (theta > 0 && expected > width / 8) {
      // dense: accumulate the essential terms; then, while many documents can still reach theta,
      // add the next non-essential term to all of them the same way (a document that falls below
      // theta never rises above it again: each term adds at most its bound); then complete the
      // few left one by one
      for (let i = firstEssential; i < qt.length; i++) {
        const t = qt[i] as QueryTerm;
        t.cursor.addUpTo(end, start, t.weight, normInv, acc);
      }
      // `cut` errs low by far more than float rounding: it only spares most documents the exact test
      const slack = theta * 1e-6;
      let from = firstEssential;
      while (from > 0) {
        // adding a term to every document costs its postings in the window; completing documents
        // one by one costs a skip in its list for each: a sample of the accumulator says which
        const t = qt[from - 1] as QueryTerm;
        const cut = theta - (prefix[from - 1] as number) - slack;
        let alive = 0;
        for (let slot = 0; slot < width; slot += 8) alive += (acc[slot] as number) >= cut ? 8 : 0;
        if (alive * 8 < (t.df * width) / docCount) break;
        t.cursor.addUpTo(end, start, t.weight, normInv, acc);
        from--;
      }
      const rest = from > 0 ? (prefix[from - 1] as number) : 0;
      const cut = theta - rest - slack;
      for (let slot = 0; slot < width; slot++) {
        const v = acc[slot] as number;
        if (v >= cut && Math.fround(v + rest) >= theta) complete(start + slot, v, from);
      }
      acc.fill(0, 0, width);
    } else {
      let n = 0;
      for (let i = firstEssential; i < qt.length; i++) {
        const t = qt[i] as QueryTerm;
        n = t.cursor.scoreUpTo(end, start, t.weight, normInv, acc, seen, touched, n);
      }
      // in document order (the non-essential cursors only move forward): few are sorted, many
      // are found by scanning the marks
      const few = n < window / 16;
      const slots = few ? touched.subarray(0, n).sort() : null;
      const count = few ? n : width;
      for (let c = 0; c < count; c++) {
        const slot = slots ? (slots[c] as number) : c;
        if (seen[slot] === 0) continue;
        const v = acc[slot] as number;
        acc[slot] = 0;
        seen[slot] = 0;
        complete(start + slot, v, firstEssential);
      }
    }
    start = end;
  }
  return top;
}
