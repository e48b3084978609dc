// The reference the issue sets qexp's targets against: a plain, in-memory, exhaustive
// term-at-a-time BM25 scorer. Every query term's postings sit decoded in plain Int32Arrays (loaded
// before timing, as a peer's index is built before timing); a query adds every posting's Lucene
// BM25 score into one accumulator over all documents, then takes the top k of the documents it
// touched. No pruning, no compression, no windows.
import { NO_MORE_DOCS, PostingsCursor } from '../../dist/retrieval/search/postings-cursor.js';
import { TopK } from '../../dist/retrieval/search/top-k.js';

const f = Math.fround;

export class PlainTaat {
  /** `searcher`: a Bm25Searcher, for the index, its normInverse per document and the query weights. */
  constructor(searcher) {
    this.searcher = searcher;
    this.lists = new Map();
    const n = searcher.index.meta.docCount;
    this.acc = new Float64Array(n);
    this.touched = new Int32Array(n);
  }

  /** Decodes the postings of every term of these queries into memory (untimed). */
  load(queries) {
    const exact = this.searcher.index.meta.norms === 'exact';
    for (const q of queries) {
      for (const { info } of this.searcher.weighted(q)) {
        if (this.lists.has(info.id)) continue;
        const c = new PostingsCursor(info, exact);
        const docs = new Int32Array(info.df);
        const tfs = new Int32Array(info.df);
        let i = 0;
        for (let d = c.next(); d !== NO_MORE_DOCS; d = c.next()) {
          docs[i] = d;
          tfs[i++] = c.tf;
        }
        this.lists.set(info.id, { docs, tfs });
      }
    }
  }

  search(query, k) {
    const { acc, touched } = this;
    const normInv = this.searcher.docNormInv;
    let n = 0;
    for (const { info, weight } of this.searcher.weighted(query)) {
      const { docs, tfs } = this.lists.get(info.id);
      for (let i = 0; i < docs.length; i++) {
        const d = docs[i];
        if (acc[d] === 0) touched[n++] = d;
        acc[d] += f(weight - f(weight / f(1 + f(tfs[i] * normInv[d]))));
      }
    }
    const top = new TopK(k, this.searcher.index.docOrder);
    for (let i = 0; i < n; i++) {
      const d = touched[i];
      top.offer(d, f(acc[d]));
      acc[d] = 0;
    }
    return top.sorted();
  }
}
