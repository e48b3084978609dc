import type { IndexReader } from '../index/read-index.js';
import { readU32 } from '../index/varint.js';
import { termScore } from './bm25.js';
import { NO_MORE_DOCS, PostingsCursor } from './postings-cursor.js';
import type { Hit } from './search.js';

interface QueryTerm {
  cursor: PostingsCursor;
  weight: number;
  /** Largest score this term gives any document (from the block headers). */
  ub: number;
}

/** A bounded heap whose root is the worst kept hit: lowest score, then largest external id. */
class TopK {
  readonly items: { doc: number; id: string; score: number }[] = [];
  constructor(readonly k: number) {}

  private worse(a: { id: string; score: number }, b: { id: string; score: number }): boolean {
    return a.score < b.score || (a.score === b.score && a.id > b.id);
  }

  /** Whether (score, id) would enter the top k. */
  accepts(score: number, id: string): boolean {
    if (this.items.length < this.k) return true;
    return this.worse(this.items[0] as { id: string; score: number }, { id, score });
  }

  /** Score a document must exceed (or tie and win on id) to enter; 0 while not full. */
  get threshold(): number {
    return this.items.length < this.k ? 0 : (this.items[0]?.score as number);
  }

  push(doc: number, id: string, score: number): void {
    const h = this.items;
    const item = { doc, id, score };
    if (h.length < this.k) {
      h.push(item);
      let i = h.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(h[i] as typeof item, h[p] as typeof item)) break;
        [h[i], h[p]] = [h[p] as typeof item, h[i] as typeof item];
        i = p;
      }
      return;
    }
    h[0] = item;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.worse(h[l] as typeof item, h[m] as typeof item)) m = l;
      if (r < h.length && this.worse(h[r] as typeof item, h[m] as typeof item)) m = r;
      if (m === i) break;
      [h[i], h[m]] = [h[m] as typeof item, h[i] as typeof item];
      i = m;
    }
  }
}

/**
 * Top-k BM25 with MaxScore dynamic pruning (Turtle & Flood 1995): terms sorted by their score
 * upper bound; those whose bounds together cannot reach the current k-th score are
 * "non-essential" and only looked up for candidates from the essential ones, and a candidate is
 * dropped as soon as its score plus the remaining bounds falls below the k-th score. Exact:
 * returns what exhaustive scoring returns, ties ordered by external id.
 */
export function maxScoreTopK(
  index: IndexReader,
  terms: { info: { offset: number; bytes: number }; weight: number }[],
  k: number,
  normInv: (doc: number) => number,
  normInvOfBlockMin: (minNorm: number) => number,
): Hit[] {
  const qt: QueryTerm[] = terms.map(({ info, weight }) => ({
    cursor: new PostingsCursor(index, info),
    weight,
    ub: termUpperBound(index, info, weight, normInvOfBlockMin),
  }));
  qt.sort((a, b) => a.ub - b.ub);
  const prefix: number[] = [];
  let acc = 0;
  for (const t of qt) prefix.push((acc += t.ub));
  for (const t of qt) t.cursor.next();

  const top = new TopK(k);
  const ids = index.docids;
  let firstEssential = 0;
  const updateEssential = () => {
    const theta = top.threshold;
    while (firstEssential < qt.length && Math.fround(prefix[firstEssential] as number) < theta) firstEssential++;
  };

  for (;;) {
    let candidate = NO_MORE_DOCS;
    for (let i = firstEssential; i < qt.length; i++) {
      const d = (qt[i] as QueryTerm).cursor.doc;
      if (d < candidate) candidate = d;
    }
    if (candidate === NO_MORE_DOCS) break;
    let score = 0;
    for (let i = firstEssential; i < qt.length; i++) {
      const t = qt[i] as QueryTerm;
      if (t.cursor.doc === candidate) {
        score += termScore(t.weight, t.cursor.tf, normInv(candidate));
        t.cursor.next();
      }
    }
    const theta = top.threshold;
    let pruned = false;
    for (let i = firstEssential - 1; i >= 0; i--) {
      if (Math.fround(score + (prefix[i] as number)) < theta) {
        pruned = true;
        break;
      }
      const t = qt[i] as QueryTerm;
      if (t.cursor.advance(candidate) === candidate) score += termScore(t.weight, t.cursor.tf, normInv(candidate));
    }
    if (pruned) continue;
    const final = Math.fround(score);
    const id = ids[candidate] as string;
    if (top.accepts(final, id)) {
      top.push(candidate, id, final);
      updateEssential();
    }
  }
  return top.items
    .map((h) => ({ docid: h.id, score: h.score }))
    .sort((a, b) => b.score - a.score || (a.docid < b.docid ? -1 : a.docid > b.docid ? 1 : 0));
}

/** Max over the term's blocks of the score bound from (max tf, smallest norm) in each block header. */
function termUpperBound(
  index: IndexReader,
  info: { offset: number; bytes: number },
  weight: number,
  normInvOfBlockMin: (minNorm: number) => number,
): number {
  const b = index.postings;
  const exact = index.meta.norms === 'exact';
  let p = info.offset;
  const end = info.offset + info.bytes;
  let ub = 0;
  while (p < end) {
    const maxTf = readU32(b, p + 5);
    let q = p + 9;
    const minNorm = exact ? readU32(b, q) : (b[q] as number);
    q += exact ? 4 : 1;
    const body = readU32(b, q);
    p = q + 4 + body;
    ub = Math.max(ub, termScore(weight, maxTf, normInvOfBlockMin(minNorm)));
  }
  return ub;
}
