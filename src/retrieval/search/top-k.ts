/** Hits best first: internal documents and their scores. */
export interface RankedHits {
  docs: Int32Array;
  scores: Float64Array;
}

/** A search's result, ranked on demand. */
export interface Ranking {
  ranked(): RankedHits;
}

/**
 * A bounded heap whose root is the worst kept hit: lowest score, then highest external-id rank.
 * Each kept hit's rank sits beside it, so that ties (frequent: short documents with one query term
 * score alike) compare without reading the rank array, a cache miss at random documents.
 */
export class TopK implements Ranking {
  private readonly docs: Int32Array;
  private readonly scores: Float64Array;
  private readonly ranks: Uint32Array;
  size = 0;
  /** Whether `ranked` has sorted the hits (the heap is then gone). */
  private done = false;

  constructor(
    readonly k: number,
    /** Rank of each document's external id (`IndexReader.docOrder`): ties go to the lower rank. */
    private readonly order: Uint32Array,
  ) {
    this.docs = new Int32Array(k);
    this.scores = new Float64Array(k);
    this.ranks = new Uint32Array(k);
  }

  /** Score a document must reach to be considered (0 while the heap is not full). */
  get threshold(): number {
    return this.size < this.k ? 0 : (this.scores[0] as number);
  }

  /** Offers a document; keeps it if it beats the worst kept one (ties by external id). */
  offer(doc: number, score: number): boolean {
    if (this.size === this.k && score < (this.scores[0] as number)) return false;
    return this.offerRanked(doc, score, this.order[doc] as number);
  }

  /** `offer` with the document's external-id rank already read. */
  offerRanked(doc: number, score: number, rank: number): boolean {
    if (this.done) throw new Error('TopK.offer after ranked()');
    const d = this.docs;
    const s = this.scores;
    const rk = this.ranks;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        // stop unless the new hit is worse than its parent
        const sp = s[p] as number;
        if (!(score < sp || (score === sp && rank > (rk[p] as number)))) break;
        d[i] = d[p] as number;
        s[i] = sp;
        rk[i] = rk[p] as number;
        i = p;
      }
      d[i] = doc;
      s[i] = score;
      rk[i] = rank;
      return true;
    }
    const root = s[0] as number;
    if (score < root || (score === root && rank > (rk[0] as number))) return false;
    this.siftDown(doc, score, rank, this.size);
    return true;
  }

  /** Puts (doc, score, rank) at the root of the heap of the first n hits and moves it down to its place. */
  private siftDown(doc: number, score: number, rank: number, n: number): void {
    const d = this.docs;
    const s = this.scores;
    const rk = this.ranks;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n) {
        const sr = s[r] as number;
        const sl = s[l] as number;
        if (sr < sl || (sr === sl && (rk[r] as number) > (rk[l] as number))) m = r;
      }
      const sm = s[m] as number;
      // stop unless the child is worse than the hit
      if (!(sm < score || (sm === score && (rk[m] as number) > rank))) break;
      d[i] = d[m] as number;
      s[i] = sm;
      rk[i] = rk[m] as number;
      i = m;
    }
    d[i] = doc;
    s[i] = score;
    rk[i] = rank;
  }

  /**
   * The kept hits, best first (score descending, then external id ascending), as internal
   * documents and their scores: a heapsort in place, which ends the heap (no offer after it).
   */
  ranked(): RankedHits {
    const d = this.docs;
    const s = this.scores;
    const rk = this.ranks;
    if (!this.done) {
      this.done = true;
      // the root is the worst kept hit: each step moves it behind the heap, which shrinks by one
      for (let end = this.size - 1; end > 0; end--) {
        const doc = d[end] as number;
        const score = s[end] as number;
        const rank = rk[end] as number;
        d[end] = d[0] as number;
        s[end] = s[0] as number;
        rk[end] = rk[0] as number;
        this.siftDown(doc, score, rank, end);
      }
    }
    return { docs: d.subarray(0, this.size), scores: s.subarray(0, this.size) };
  }

  /** `ranked` as objects. */
  sorted(): { doc: number; score: number }[] {
    const { docs, scores } = this.ranked();
    return Array.from(docs, (doc, i) => ({ doc, score: scores[i] as number }));
  }
}
