import type { IndexReader } from '../index/read-index.js';
import { termScore } from './bm25.js';
import { NO_MORE_DOCS, PostingsCursor } from './postings-cursor.js';
import type { Hit } from './search.js';
import { TopK } from './top-k.js';

interface QueryTerm {
  cursor: PostingsCursor;
  weight: number;
  /** Largest score this term gives any document (from the block headers). */
  ub: number;
}

const WINDOW = 4096;

/**
 * Top-k BM25 with MaxScore dynamic pruning (Turtle & Flood 1995), scored in windows of
 * document ids as Lucene's MaxScoreBulkScorer does. Terms are sorted by their score upper
 * bound; those whose bounds together cannot reach the current k-th score are non-essential.
 * In each window the essential terms are scored term-at-a-time into an accumulator; each
 * candidate then takes the non-essential terms in decreasing bound order, dropped as soon as its
 * score plus the remaining bounds (the bound of the block that would hold it, from the block
 * header, for the term at hand) falls below the k-th score. Exact: the same hits, scores and
 * order as exhaustive scoring, ties by external id.
 */
export function maxScoreTopK(
  index: IndexReader,
  terms: { info: { offset: number; bytes: number }; weight: number }[],
  k: number,
  normInv: Float32Array,
  normInvOfBlockMin: (minNorm: number) => number,
): Hit[] {
  const qt: QueryTerm[] = terms.map(({ info, weight }) => ({
    cursor: new PostingsCursor(index, info),
    weight,
    ub: PostingsCursor.blockBound(index, info, (maxTf, minNorm) => termScore(weight, maxTf, normInvOfBlockMin(minNorm))),
  }));
  qt.sort((a, b) => a.ub - b.ub);
  const prefix: number[] = [];
  let sum = 0;
  for (const t of qt) prefix.push((sum += t.ub));
  for (const t of qt) t.cursor.next();

  const top = new TopK(k, index.docids);
  const acc = new Float64Array(WINDOW);
  const seen = new Uint8Array(WINDOW);
  const touched = new Int32Array(WINDOW);
  let firstEssential = 0;

  for (;;) {
    // non-essential: the terms whose bounds together stay below the k-th score
    const theta = top.threshold;
    while (firstEssential < qt.length && Math.fround(prefix[firstEssential] as number) < theta) firstEssential++;
    let start = NO_MORE_DOCS;
    for (let i = firstEssential; i < qt.length; i++) start = Math.min(start, (qt[i] as QueryTerm).cursor.doc);
    if (start === NO_MORE_DOCS) break;
    const end = Math.min(start + WINDOW, NO_MORE_DOCS);
    let n = 0;
    for (let i = firstEssential; i < qt.length; i++) {
      const t = qt[i] as QueryTerm;
      n = t.cursor.scoreUpTo(end, start, t.weight, normInv, acc, seen, touched, n);
    }
    // candidates in document order (non-essential cursors only move forward): few are sorted,
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
        const theta = top.threshold;
        if (Math.fround(score + (prefix[i] as number)) < theta) {
          pruned = true;
          break;
        }
        const t = qt[i] as QueryTerm;
        // block-max: the bound of the block that would hold doc, without decoding it
        if (!t.cursor.shallowAdvance(doc)) continue;
        const rest = i > 0 ? (prefix[i - 1] as number) : 0;
        const blockUb = termScore(t.weight, t.cursor.blockMaxTf, normInvOfBlockMin(t.cursor.blockMinNorm));
        if (Math.fround(score + blockUb + rest) < theta) {
          pruned = true;
          break;
        }
        if (t.cursor.advance(doc) === doc) score += termScore(t.weight, t.cursor.tf, normInv[doc] as number);
      }
      if (!pruned) top.offer(doc, Math.fround(score));
    }
  }
  return top.sorted();
}
