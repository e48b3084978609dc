// Group scoring of two built checkouts side by side: one group of the bench's expanded queries
// searched by each checkout's `rankTopics` (as a search thread runs a batch: analysis, term
// lookups and `groupTopK`), passes alternating in one process (alternate.mjs), in CPU time. A change to group scoring is read off
// here, where this machine's drift cancels out, before the search benches. Checks first that both
// return the same hits and scores.
//
//   node bench/lib/group-ab.mjs INDEX_DIR A_ROOT [B_ROOT] [K=10] [ROUNDS=8] [GROUP=2048] [QUERIES=expanded]
//
// QUERIES: `expanded` (the bench's expanded queries) or `feedback` (feedback-speed.mjs's candidates:
// GROUP of them, query2doc formulations of 5 expansions a query, the query repeated 5 times).
//
// A_ROOT and B_ROOT are checkouts with dist/ built (`git worktree add /tmp/a COMMIT && cd /tmp/a &&
// npm ci && npm run build`, or a copy of dist/ beside a package.json); B_ROOT defaults to this one.
// INDEX_DIR: the bench corpus indexed with the whitespace analyzer (see group-tuning.mjs).
import { resolve } from 'node:path';
import { alternate, fmtRatio, ratio } from './alternate.mjs';
import { querySets } from './synthetic.mjs';

const [dir, aRoot, bRoot = resolve(import.meta.dirname, '../..'), kArg = '10', roundsArg = '8', groupArg = '2048', which = 'expanded'] =
  process.argv.slice(2);
if (!dir || !aRoot) throw new Error('usage: node bench/lib/group-ab.mjs INDEX_DIR A_ROOT [B_ROOT] [K] [ROUNDS] [GROUP] [QUERIES]');
if (which !== 'expanded' && which !== 'feedback') throw new Error(`QUERIES must be expanded or feedback, not ${which}`);
const k = Number(kArg);
const group = Number(groupArg);
let texts;
if (which === 'expanded') texts = querySets(group).expanded;
else {
  const { formulate } = await import(`${resolve(aRoot)}/dist/retrieval/formulation.js`);
  const sets = querySets(group);
  const formulation = { mode: 'query2doc', repeat_query: 5, separator: ' ', concat: 1 };
  texts = Array.from({ length: group }, (_, i) => formulate(sets.short[Math.floor(i / 5)], [sets.expansions[i]], formulation));
}

// each checkout's own modules: its own kernel instance, its own searcher over its own reader
const sides = [];
for (const [name, root] of [
  ['A', resolve(aRoot)],
  ['B', resolve(bRoot)],
]) {
  const { IndexReader } = await import(`${root}/dist/retrieval/index/read-index.js`);
  const { Bm25Searcher } = await import(`${root}/dist/retrieval/search/search.js`);
  const { rankTopics } = await import(`${root}/dist/retrieval/search/search-protocol.js`);
  const { getAnalyzer } = await import(`${root}/dist/retrieval/analysis/analyzers.js`);
  const searcher = new Bm25Searcher(new IndexReader(IndexReader.load(dir, false)), { k1: 0.9, b: 0.4, hits: k });
  const analyzer = getAnalyzer('whitespace');
  sides.push({ name, root, rank: () => rankTopics(searcher, analyzer, texts) });
}

const key = (ranked) => JSON.stringify(ranked.map((r) => [Array.from(r.docs), Array.from(r.scores)]));
const [a, b] = sides.map((s) => key(s.rank()));
if (a !== b) throw new Error('the two checkouts return different hits or scores');

const cpuMs = (run) => {
  const c0 = process.cpuUsage();
  run();
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
};
const figures = await alternate(
  sides.map((s) => ({ key: s.name, count: texts.length, run: () => cpuMs(s.rank) })),
  Number(roundsArg),
);
for (const s of sides) {
  const f = figures[s.name];
  console.log(`${s.name} ${s.root}: ${f.best.toFixed(0)} queries/s best, ${f.median.toFixed(0)} median`);
}
console.log(`B / A (k = ${k}, ${texts.length} ${which} queries): ${fmtRatio(ratio(figures.B, figures.A))}`);
