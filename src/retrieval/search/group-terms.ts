import type { TermInfo } from '../index/read-index.js';

// A batch's queries as group scoring (group-search.ts) takes them: its terms, and its segments,
// the distinct (term, weight) pairs.

/** A query's terms found in the index, with their weights (count · idf). */
export type Weighted = { info: TermInfo; weight: number }[];

/**
 * Queries as group scoring takes them: the group's distinct terms (term t is the index's term
 * `ids[t]`, with `dfs[t]` postings), its segments (the distinct (term, weight) pairs: segment s is
 * term `segTerm[s]` with weight `segWeight[s]`), and each query's segments in the order of its terms.
 */
export interface GroupTerms {
  ids: number[];
  dfs: number[];
  /**
   * Term t's statistics and where its postings are. For a batch that came as words it is made at
   * each call and not kept: a feedback batch has ~100,000 terms, and young objects that stay alive
   * are copied at every scavenge, which cost more than making them.
   */
  info: (t: number) => TermInfo;
  segTerm: number[];
  segWeight: number[];
  querySegs: number[][];
}

/** Builds `GroupTerms`: terms as they come (`term`), then each one's segment for a weight (`segment`). */
export class GroupTermsBuilder {
  readonly terms: GroupTerms;
  /** each term's last segment (one per distinct weight), and each segment's previous one of its term (−1 for none) */
  private readonly termLastSeg: number[] = [];
  private readonly segPrev: number[] = [];

  /** info: term t's `TermInfo` (t as `term` numbers them) */
  constructor(info: (t: number) => TermInfo) {
    this.terms = { ids: [], dfs: [], info, segTerm: [], segWeight: [], querySegs: [] };
  }

  /** Adds a term the group has not had (the index's term id, with df postings); returns its index. */
  term(id: number, df: number): number {
    this.termLastSeg.push(-1);
    this.terms.dfs.push(df);
    return this.terms.ids.push(id) - 1;
  }

  /** The segment of term t (an index from `term`) with this weight, new if the group has not had it. */
  segment(t: number, weight: number): number {
    const { segTerm, segWeight } = this.terms;
    let s = this.termLastSeg[t] as number;
    while (s >= 0 && segWeight[s] !== weight) s = this.segPrev[s] as number;
    if (s < 0) {
      s = segTerm.length;
      this.segPrev.push(this.termLastSeg[t] as number);
      this.termLastSeg[t] = s;
      segTerm.push(t);
      segWeight.push(weight);
    }
    return s;
  }
}

/** The queries' terms as group scoring's segments. */
export function groupTerms(queries: Weighted[]): GroupTerms {
  const infos: TermInfo[] = [];
  const builder = new GroupTermsBuilder((t) => infos[t] as TermInfo);
  let words = 0;
  for (const terms of queries) words += terms.length;
  const termOf = new TermIndex(words);
  builder.terms.querySegs = queries.map((terms) =>
    terms.map(({ info, weight }) => {
      const t = termOf.indexOf(info.id, infos.length);
      if (t === infos.length) {
        builder.term(info.id, info.df);
        infos.push(info);
      }
      return builder.segment(t, weight);
    }),
  );
  return builder.terms;
}

/**
 * A batch's terms' indexes by term id: a table of open addressing (a slot holds id + 1, 0 when
 * empty) sized for up to `most` ids, not the index's whole vocabulary.
 */
export class TermIndex {
  private readonly ids: Int32Array;
  private readonly indexes: Int32Array;
  private readonly shift: number;

  constructor(most: number) {
    let size = 16;
    while (size < 2 * most) size *= 2;
    this.ids = new Int32Array(size);
    this.indexes = new Int32Array(size);
    this.shift = 32 - Math.log2(size);
  }

  /** The index of term id, or, for an id not seen yet, `next`, which it becomes. */
  indexOf(id: number, next: number): number {
    const mask = this.ids.length - 1;
    let h = Math.imul(id, 0x9e3779b1) >>> this.shift;
    while (this.ids[h] !== 0 && this.ids[h] !== id + 1) h = (h + 1) & mask;
    if (this.ids[h] !== 0) return this.indexes[h] as number;
    this.ids[h] = id + 1;
    this.indexes[h] = next;
    return next;
  }
}

/** Some of the queries' `GroupTerms` (those listed in keep, in that order): only their terms and segments, renumbered. */
export function keepQueries({ ids, dfs, info, segTerm, segWeight, querySegs }: GroupTerms, keep: number[]): GroupTerms {
  // each kept term's index in the whole group
  const from: number[] = [];
  const out: GroupTerms = { ids: [], dfs: [], info: (t) => info(from[t] as number), segTerm: [], segWeight: [], querySegs: [] };
  const segOf = new Int32Array(segTerm.length).fill(-1);
  const termOf = new Int32Array(ids.length).fill(-1);
  out.querySegs = keep.map((q) =>
    (querySegs[q] as number[]).map((s) => {
      let n = segOf[s] as number;
      if (n < 0) {
        const t = segTerm[s] as number;
        let m = termOf[t] as number;
        if (m < 0) {
          m = termOf[t] = out.ids.push(ids[t] as number) - 1;
          out.dfs.push(dfs[t] as number);
          from.push(t);
        }
        n = segOf[s] = out.segTerm.push(m) - 1;
        out.segWeight.push(segWeight[s] as number);
      }
      return n;
    }),
  );
  return out;
}
