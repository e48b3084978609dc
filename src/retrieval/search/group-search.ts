import type { TermInfo } from '../index/read-index.js';
import { termScore } from './bm25.js';
import { NO_MORE_DOCS, PostingsCursor } from './postings-cursor.js';
import { TopK } from './top-k.js';

/** Documents per window of group scoring: the accumulator (8 bytes a document) stays in cache; at most 65,536 (slots are 16-bit). */
export const GROUP_WINDOW = 1 << 13;
/** A term is dense, and decoded window by window, if it has at least this many postings per window on average. */
export const DENSE_PER_WINDOW = 2;

/** A query's terms found in the index, with their weights (count · idf). */
export type Weighted = { info: TermInfo; weight: number }[];

/** A query's share of the group: its dense segments, and its sparse postings sorted by window. */
interface Member {
  dense: Int32Array;
  /** sparse postings of window w: from at[w] to at[w + 1] */
  at: Int32Array;
  slots: Uint16Array;
  scores: Float32Array;
}

/**
 * Top-k of several long queries at once, exhaustively and term-at-a-time, in windows of documents.
 * Long expanded queries share most of their postings (the frequent terms), so decoding and Lucene's
 * float arithmetic, most of the cost of a query scored alone, are paid once per group rather than
 * once per query; what each query still pays is one addition per posting, into an accumulator of
 * one window that stays in cache, and one scan of it.
 *
 * - Dense terms (postings in most windows) are decoded window by window, once, and their postings
 *   scored once per distinct weight the group's queries give them (a segment).
 * - Sparse terms are decoded and scored once, whole, and their scores sorted into each query's list
 *   by window: visiting them window by window would cost a cache miss per term and window for a
 *   posting or two.
 *
 * Exact: a document's score is the double sum of its terms' float scores (Lucene's formula and
 * rounding, as `Bm25Searcher` computes them, stored as the floats they are), rounded to float; ties
 * by external id. The same hits, scores and order as each query scored alone.
 */
export function groupTopK(
  queries: Weighted[],
  k: number,
  normInv: Float32Array,
  order: Uint32Array,
  exact: boolean,
  window = GROUP_WINDOW,
  densePerWindow = DENSE_PER_WINDOW,
): TopK[] {
  if (window > 1 << 16) throw new Error(`group window ${window} is over 65,536 documents`);
  const docCount = normInv.length;
  const windows = Math.ceil(docCount / window);
  const denseDf = densePerWindow * windows;

  // the group's terms, and its segments: the distinct (term, weight) pairs
  const infos: TermInfo[] = [];
  const termOf = new Map<number, number>();
  const segOf = new Map<string, number>();
  const segTerm: number[] = [];
  const segWeight: number[] = [];
  const querySegs = queries.map((terms) =>
    terms.map(({ info, weight }) => {
      let t = termOf.get(info.id);
      if (t === undefined) {
        t = infos.length;
        termOf.set(info.id, t);
        infos.push(info);
      }
      const key = `${t} ${weight}`;
      let s = segOf.get(key);
      if (s === undefined) {
        s = segTerm.length;
        segOf.set(key, s);
        segTerm.push(t);
        segWeight.push(weight);
      }
      return s;
    }),
  );
  const isDense = (s: number) => (infos[segTerm[s] as number] as TermInfo).df >= denseDf;

  // sparse segments, whole
  const sparsePostings = new Map<number, { docs: Int32Array; tfs: Int32Array }>();
  const sparseScores = new Map<number, Float32Array>();
  for (let s = 0; s < segTerm.length; s++) {
    if (isDense(s)) continue;
    const t = segTerm[s] as number;
    let postings = sparsePostings.get(t);
    if (!postings) {
      const info = infos[t] as TermInfo;
      postings = { docs: new Int32Array(info.df), tfs: new Int32Array(info.df) };
      new PostingsCursor(info, exact).collectUpTo(NO_MORE_DOCS, 0, postings.docs, 0, postings.tfs);
      sparsePostings.set(t, postings);
    }
    const { docs, tfs } = postings;
    const weight = segWeight[s] as number;
    const scores = new Float32Array(docs.length);
    for (let j = 0; j < docs.length; j++) scores[j] = termScore(weight, tfs[j] as number, normInv[docs[j] as number] as number);
    sparseScores.set(s, scores);
  }
  const members: Member[] = querySegs.map((segs) => {
    const sparse = segs.filter((s) => !isDense(s));
    // a counting sort of the query's sparse postings by window
    const at = new Int32Array(windows + 1);
    let n = 0;
    for (const s of sparse) {
      const { docs } = sparsePostings.get(segTerm[s] as number) as { docs: Int32Array };
      n += docs.length;
      for (let j = 0; j < docs.length; j++) {
        const w = ((docs[j] as number) / window) | 0;
        at[w] = (at[w] as number) + 1;
      }
    }
    for (let w = 0, sum = 0; w <= windows; w++) {
      const c = at[w] as number;
      at[w] = sum;
      sum += c;
    }
    const slots = new Uint16Array(n);
    const scores = new Float32Array(n);
    const next = at.slice();
    for (const s of sparse) {
      const { docs } = sparsePostings.get(segTerm[s] as number) as { docs: Int32Array };
      const sc = sparseScores.get(s) as Float32Array;
      for (let j = 0; j < docs.length; j++) {
        const d = docs[j] as number;
        const w = (d / window) | 0;
        const i = next[w] as number;
        next[w] = i + 1;
        slots[i] = d % window;
        scores[i] = sc[j] as number;
      }
    }
    return { dense: Int32Array.from(segs.filter(isDense)), at, slots, scores };
  });
  sparsePostings.clear();
  sparseScores.clear();

  // dense terms: decoded window by window into one buffer, term after term; scored segment after segment
  const denseSegs: number[] = [];
  for (let s = 0; s < segTerm.length; s++) if (isDense(s)) denseSegs.push(s);
  const denseTerms = [...new Set(denseSegs.map((s) => segTerm[s] as number))];
  const cursors = denseTerms.map((t) => new PostingsCursor(infos[t] as TermInfo, exact));
  const termStart = new Int32Array(infos.length);
  const termLength = new Int32Array(infos.length);
  const segStart = new Int32Array(segTerm.length);
  let slots = new Int32Array(1 << 16);
  let tfs = new Int32Array(1 << 16);
  let slots16 = new Uint16Array(1 << 16);
  let scores = new Float32Array(1 << 16);

  const tops = queries.map(() => new TopK(k, order));
  const acc = new Float64Array(window);
  for (let w = 0; w < windows; w++) {
    const start = w * window;
    const end = Math.min(start + window, docCount);
    let used = 0;
    denseTerms.forEach((t, i) => {
      const cur = cursors[i] as PostingsCursor;
      termStart[t] = used;
      termLength[t] = 0;
      if (cur.doc >= end) return;
      if (used + window > slots.length) {
        slots = grow(slots, used);
        tfs = grow(tfs, used);
      }
      const n = cur.collectUpTo(end, start, slots, used, tfs);
      termLength[t] = n;
      used += n;
    });
    if (slots16.length < used) slots16 = new Uint16Array(slots.length);
    slots16.set(slots.subarray(0, used));
    let scored = 0;
    for (const s of denseSegs) {
      const t = segTerm[s] as number;
      const n = termLength[t] as number;
      segStart[s] = scored;
      if (n === 0) continue;
      if (scored + n > scores.length) {
        const grown = new Float32Array(2 * (scored + n));
        grown.set(scores.subarray(0, scored));
        scores = grown;
      }
      const weight = segWeight[s] as number;
      const from = termStart[t] as number;
      for (let j = 0; j < n; j++)
        scores[scored + j] = termScore(weight, tfs[from + j] as number, normInv[start + (slots[from + j] as number)] as number);
      scored += n;
    }

    const width = end - start;
    tops.forEach((top, q) => {
      const m = members[q] as Member;
      for (let i = 0; i < m.dense.length; i++) {
        const s = m.dense[i] as number;
        const n = termLength[segTerm[s] as number] as number;
        if (n > 0) add(acc, slots16, termStart[segTerm[s] as number] as number, scores, segStart[s] as number, n);
      }
      const from = m.at[w] as number;
      add(acc, m.slots, from, m.scores, from, (m.at[w + 1] as number) - from);
      offerWindow(acc, width, start, top);
    });
  }
  return tops;
}

function grow(a: Int32Array<ArrayBuffer>, used: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(2 * a.length);
  out.set(a.subarray(0, used));
  return out;
}

/** acc[slots[i + j]] += scores[from + j] for j < n: a query's share of the work, one addition per posting. */
function add(acc: Float64Array, slots: Uint16Array, i: number, scores: Float32Array, from: number, n: number): void {
  for (let j = 0; j < n; j++) {
    const slot = slots[i + j] as number;
    acc[slot] = (acc[slot] as number) + (scores[from + j] as number);
  }
}

/** Offers the window's documents to a query's top-k, and clears the accumulator. */
function offerWindow(acc: Float64Array, width: number, start: number, top: TopK): void {
  // below `cut` a sum cannot round (to float) up to the k-th score; `offer` makes the exact test
  let cut = top.size < top.k ? 0 : top.threshold * (1 - 2 ** -20);
  for (let slot = 0; slot < width; slot++) {
    const v = acc[slot] as number;
    if (v > cut && top.offer(start + slot, Math.fround(v)) && top.size === top.k) cut = top.threshold * (1 - 2 ** -20);
  }
  acc.fill(0, 0, width);
}
