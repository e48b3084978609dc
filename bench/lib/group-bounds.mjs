// How much pruning or sharing could save group scoring on the bench's expanded queries: per query,
// with its exact top-k threshold θ, the share of its postings in MaxScore's non-essential terms (the
// lowest-bound terms whose bounds sum below θ) and how many documents with an essential term could
// still reach θ (partial score + the non-essential bounds); then, over a group of queries, how many
// queries use each (term, weight) segment.
//
//   node bench/lib/group-bounds.mjs INDEX_DIR [QUERIES=30] [GROUP=500] [K=10]
//
// INDEX_DIR: the bench corpus indexed with the whitespace analyzer, e.g.
// `npx qexp index bench/.data/synthetic-1000000.tsv --out /tmp/idx1m --analyzer whitespace`.
import { getAnalyzer } from '../../dist/retrieval/analysis/analyzers.js';
import { IndexReader } from '../../dist/retrieval/index/read-index.js';
import { termScore } from '../../dist/retrieval/search/bm25.js';
import { NO_MORE_DOCS, PostingsCursor } from '../../dist/retrieval/search/postings-cursor.js';
import { Bm25Searcher, queryTerms } from '../../dist/retrieval/search/search.js';
import { querySets } from './synthetic.mjs';

const [dir, nq = '30', group = '500', k = '10'] = process.argv.slice(2);
if (!dir) throw new Error('usage: node bench/lib/group-bounds.mjs INDEX_DIR [QUERIES] [GROUP] [K]');
const reader = new IndexReader(IndexReader.load(dir, false));
const searcher = new Bm25Searcher(reader, { k1: 0.9, b: 0.4, hits: Number(k) });
const analyzer = getAnalyzer('whitespace');
const exact = reader.meta.norms === 'exact';
const n = reader.meta.docCount;
const inv = searcher.docNormInv;
const sets = querySets(Math.max(Number(nq), Number(group)));

let postings = 0;
let nonEssential = 0;
let withEssential = 0;
let reaching = 0;
for (const text of sets.expanded.slice(0, Number(nq))) {
  const terms = searcher.weighted(queryTerms(analyzer, text)).map(({ info, weight }) => {
    const cursor = new PostingsCursor(info, exact);
    const docs = [];
    const scores = [];
    let bound = 0;
    for (let d = cursor.next(); d !== NO_MORE_DOCS; d = cursor.next()) {
      const s = termScore(weight, cursor.tf, inv[d]);
      docs.push(d);
      scores.push(s);
      if (s > bound) bound = s;
    }
    return { docs, scores, bound };
  });
  const acc = new Float64Array(n);
  for (const t of terms) for (let i = 0; i < t.docs.length; i++) acc[t.docs[i]] += t.scores[i];
  const theta = Float64Array.from(acc).sort().at(-Number(k));
  terms.sort((a, b) => a.bound - b.bound);
  let sum = 0;
  let cut = 0;
  while (cut < terms.length && sum + terms[cut].bound < theta) sum += terms[cut++].bound;
  const partial = new Float64Array(n);
  const has = new Uint8Array(n);
  for (const t of terms.slice(cut))
    for (let i = 0; i < t.docs.length; i++) {
      partial[t.docs[i]] += t.scores[i];
      has[t.docs[i]] = 1;
    }
  for (let d = 0; d < n; d++)
    if (has[d]) {
      withEssential++;
      if (partial[d] + sum >= theta) reaching++;
    }
  for (const [i, t] of terms.entries()) {
    postings += t.docs.length;
    if (i < cut) nonEssential += t.docs.length;
  }
}
console.log(
  `${nq} expanded queries, top-${k}: non-essential terms hold ${((100 * nonEssential) / postings).toFixed(1)}% of the postings; ` +
    `of the ${withEssential} documents with an essential term, ${reaching} (${((100 * reaching) / withEssential).toFixed(1)}%) can still reach θ`,
);

const uses = new Map();
for (const text of sets.expanded.slice(0, Number(group)))
  for (const { info, weight } of searcher.weighted(queryTerms(analyzer, text))) {
    const key = `${info.id} ${weight}`;
    uses.set(key, (uses.get(key) ?? 0) + 1);
  }
const most = Math.max(...uses.values());
console.log(
  `${group} expanded queries: ${uses.size} segments (term, weight); the most used is in ${most} queries (${((100 * most) / Number(group)).toFixed(1)}%)`,
);
