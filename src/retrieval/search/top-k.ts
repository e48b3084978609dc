/** A bounded heap whose root is the worst kept hit: lowest score, then highest external-id rank. */
export class TopK {
  private readonly docs: Int32Array;
  private readonly scores: Float64Array;
  size = 0;

  constructor(
    readonly k: number,
    /** Rank of each document's external id (`IndexReader.docOrder`): ties go to the lower rank. */
    private readonly order: Uint32Array,
  ) {
    this.docs = new Int32Array(k);
    this.scores = new Float64Array(k);
  }

  /** a (doc, score) is worse than b: lower score, or equal score and larger external id. */
  private worse(sa: number, da: number, sb: number, db: number): boolean {
    return sa < sb || (sa === sb && (this.order[da] as number) > (this.order[db] as number));
  }

  /** Score a document must reach to be considered (0 while the heap is not full). */
  get threshold(): number {
    return this.size < this.k ? 0 : (this.scores[0] as number);
  }

  /** Offers a document; keeps it if it beats the worst kept one (ties by external id). */
  offer(doc: number, score: number): boolean {
    const d = this.docs;
    const s = this.scores;
    if (this.size < this.k) {
      let i = this.size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (!this.worse(score, doc, s[p] as number, d[p] as number)) break;
        d[i] = d[p] as number;
        s[i] = s[p] as number;
        i = p;
      }
      d[i] = doc;
      s[i] = score;
      return true;
    }
    if (!this.worse(s[0] as number, d[0] as number, score, doc)) return false;
    let i = 0;
    const n = this.size;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let m = l;
      if (r < n && this.worse(s[r] as number, d[r] as number, s[l] as number, d[l] as number)) m = r;
      if (!this.worse(s[m] as number, d[m] as number, score, doc)) break;
      d[i] = d[m] as number;
      s[i] = s[m] as number;
      i = m;
    }
    d[i] = doc;
    s[i] = score;
    return true;
  }

  /** The kept hits, best first (score descending, then external id ascending), as internal documents. */
  sorted(): { doc: number; score: number }[] {
    const out: { doc: number; score: number }[] = [];
    for (let i = 0; i < this.size; i++) out.push({ doc: this.docs[i] as number, score: this.scores[i] as number });
    return out.sort((a, b) => b.score - a.score || (this.order[a.doc] as number) - (this.order[b.doc] as number));
  }
}
