// Searches an index in a process of its own, so that the bench reads this search's own peak RSS.
// Usage: node search-child.mjs INDEX BUDGET QUERIES PASSES → one JSON line on stdout.
// BUDGET: bytes, or 0 for none (every file in memory). QUERIES: a JSON file of {short, expanded,
// warmup: {short, expanded}} query texts. Each configuration (short and expanded queries, top-10 and
// top-1000, one at a time on one thread, and the expanded ones as one batch scored together) runs
// once, untimed, on the warm-up queries (compiled code, other terms), then PASSES times on the
// queries: the first pass reads their postings from disk (or the page cache), later ones from the
// postings cache.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getAnalyzer } from '../../dist/retrieval/analysis/analyzers.js';
import { IndexReader } from '../../dist/retrieval/index/read-index.js';
import { Bm25Searcher, queryTerms } from '../../dist/retrieval/search/search.js';

const [dir, budgetArg, queriesFile, passesArg] = process.argv.slice(2);
const budget = Number(budgetArg) || undefined;
const passes = Number(passesArg ?? 3);
const t0 = performance.now();
const shared = IndexReader.load(dir, false, { memoryBudget: budget, threads: 1 });
const index = new IndexReader(shared);
const loadSecs = (performance.now() - t0) / 1000;
const analyzer = getAnalyzer(index.meta.analyzer.name);
const searcher = new Bm25Searcher(index, { k1: 0.9, b: 0.4, hits: 1000 });
const { warmup, ...sets } = JSON.parse(readFileSync(queriesFile, 'utf8'));
const parse = (texts) => Object.fromEntries(Object.entries(texts).map(([name, qs]) => [name, qs.map((q) => queryTerms(analyzer, q))]));
const parsed = parse(sets);
const warm = parse(warmup);
const digest = createHash('sha256');
const out = {
  onDemand: index.onDemand,
  docidsOnDisk: shared.docidsOnDisk,
  cacheBytes: shared.cacheBytes,
  loadSecs,
  qps: {},
  firstPassQps: {},
};
const configs = [];
for (const [name, qs] of Object.entries(parsed))
  for (const k of [10, 1000]) {
    const w = warm[name];
    configs.push({ key: `${name}@${k}`, qs, run: (list = qs) => list.map((q) => searcher.search(q, k)), w });
    if (name === 'expanded') configs.push({ key: `${name}-batch@${k}`, qs, run: (list = qs) => searcher.searchMany(list, k), w });
  }
for (const { run, w } of configs) run(w);
for (let pass = 0; pass < passes; pass++)
  for (const { key, qs, run } of configs) {
    const start = performance.now();
    const hits = run();
    const qps = qs.length / ((performance.now() - start) / 1000);
    if (pass === 0) {
      out.firstPassQps[key] = qps;
      for (const list of hits) for (const h of list) digest.update(`${h.docid} ${h.score}\n`);
    } else out.qps[key] = Math.max(out.qps[key] ?? 0, qps);
  }
out.hitsSha256 = digest.digest('hex');
out.maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify(out));
