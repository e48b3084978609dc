// BM25 engine benchmark on a synthetic, seeded MS MARCO-shaped corpus.
//
// Corpus (BENCH_DOCS passages, default 100,000; the scale is 1,000,000 and 8,841,823):
//   vocabulary of 2,000,000 terms with Zipfian frequencies (s = 1.0, as word frequencies in English
//   text are close to Zipf's law); passage lengths log-normal with mean ≈ 56 words (the mean length
//   of MS MARCO v1 passages) and sd ≈ 26, clipped to [5, 230].
// Queries (BENCH_QUERIES each, default 100):
//   short    — 6 terms drawn from ranks 100–200,000 (content words, not the head of the Zipf curve);
//   expanded — a short query repeated 5 times, then a passage whose length is drawn from the
//              lengths of the 43 real DL19 gpt-4o-mini expansions in shared/datasets/expansions
//              (59–211 words, mean 145), words drawn from the corpus distribution.
// Measures, same data and queries: indexing passages/s (all CPUs), index bytes, peak RSS, and
// queries/s on one thread for top-10 and top-1000 with qexp's MaxScore search and with its exhaustive
// term-at-a-time scorer (the reference qexp's targets are set against).
// Peers, in the same run on the same corpus and queries (installed by bench/peers.mjs on first use;
// BENCH_PEERS=0 skips them): SQLite FTS5 bm25() and MiniSearch (on at most BENCH_MINISEARCH_DOCS
// documents, default 20,000, and 20 queries per set: it scores every matching document). Xapian is not run yet.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { getAnalyzer } from '../dist/retrieval/analysis/analyzers.js';
import { buildIndex } from '../dist/retrieval/index/build-index.js';
import { IndexReader } from '../dist/retrieval/index/read-index.js';
import { Bm25Searcher } from '../dist/retrieval/search/search.js';
import { loadPeers, runFts5, runMiniSearch } from './peers.mjs';

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100);
const VOCAB = 2_000_000;
const EXPANSION_LENGTHS = [
  59, 84, 84, 89, 90, 90, 90, 92, 94, 96, 109, 110, 115, 116, 119, 120, 139, 139, 139, 142, 146, 147, 155, 155, 158, 159, 161, 164, 174,
  174, 177, 181, 182, 186, 189, 191, 193, 195, 198, 199, 203, 209, 211,
];

// mulberry32: a small seeded generator, so every run sees the same corpus and queries
let seed = 20261125;
const rand = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const cdf = new Float64Array(VOCAB);
let acc = 0;
for (let r = 0; r < VOCAB; r++) cdf[r] = acc += 1 / (r + 1);
const zipf = () => {
  const x = rand() * acc;
  let lo = 0;
  let hi = VOCAB - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
};
const term = (r) => `w${r.toString(36)}`;
const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const passageLength = () => Math.min(230, Math.max(5, Math.round(Math.exp(3.95 + 0.45 * normal()))));
const words = (n) => Array.from({ length: n }, () => term(zipf())).join(' ');

// generated before timing, so that the indexing rate is the engine's, not the generator's
const genStart = performance.now();
const texts = Array.from({ length: DOCS }, () => words(passageLength()));
const genSecs = (performance.now() - genStart) / 1000;
async function* corpus() {
  for (let i = 0; i < DOCS; i++) yield { id: String(i), text: texts[i] };
}

const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-bm25-'));
const out = join(dir, 'index');
const t0 = performance.now();
const threads = cpus().length;
const meta = await buildIndex(corpus(), getAnalyzer('whitespace'), out, { threads });
const indexSecs = (performance.now() - t0) / 1000;
const bytes = readdirSync(out).reduce((n, f) => n + statSync(join(out, f)).size, 0);

const short = Array.from({ length: QUERIES }, () => Array.from({ length: 6 }, () => term(100 + Math.floor(rand() * 199_900))).join(' '));
const expanded = short.map(
  (q) => `${Array(5).fill(q).join(' ')} ${words(EXPANSION_LENGTHS[Math.floor(rand() * EXPANSION_LENGTHS.length)])}`,
);
const analyzer = getAnalyzer('whitespace');
const toTerms = (text) => {
  const m = new Map();
  for (const t of analyzer.analyze(text)) m.set(t, (m.get(t) ?? 0) + 1);
  return m;
};
const searcher = new Bm25Searcher(new IndexReader(out), { k1: 0.9, b: 0.4, hits: 1000 });
const qps = (queries, k, fn) => {
  const terms = queries.map(toTerms);
  const start = performance.now();
  for (const t of terms) fn(t, k);
  return queries.length / ((performance.now() - start) / 1000);
};
// warm-up: every configuration once, untimed, so that JIT compilation does not favour the later ones
for (const qs of [short, expanded]) {
  for (const k of [10, 1000]) {
    qps(qs.slice(0, 20), k, (t, kk) => searcher.search(t, kk));
    qps(qs.slice(0, 20), k, (t, kk) => searcher.exhaustive(t, kk));
  }
}
const rows = [];
for (const [name, qs] of [
  ['short', short],
  ['expanded', expanded],
]) {
  for (const k of [10, 1000]) {
    const pruned = qps(qs, k, (t, kk) => searcher.search(t, kk));
    const exhaustive = qps(qs, k, (t, kk) => searcher.exhaustive(t, kk));
    rows.push({
      queries: name,
      k,
      'qexp MaxScore q/s': pruned.toFixed(1),
      'exhaustive TAAT q/s': exhaustive.toFixed(1),
      speedup: `${(pruned / exhaustive).toFixed(2)}×`,
    });
  }
}
const distinct = expanded.map((q) => toTerms(q).size);
console.log(
  `${DOCS} synthetic passages, ${meta.numTerms} distinct terms, ${meta.sumTotalTermFreq} tokens; expanded queries have ${Math.round(distinct.reduce((a, b) => a + b, 0) / distinct.length)} distinct terms on average`,
);
console.log(
  `corpus generated in ${genSecs.toFixed(1)} s; indexing (${threads} analysis threads, whitespace analysis): ${(DOCS / indexSecs).toFixed(0)} passages/s; index ${(bytes / 1e6).toFixed(1)} MB; peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`,
);
console.table(rows);
rmSync(dir, { recursive: true, force: true });

if (process.env.BENCH_PEERS !== '0') {
  const { Database, MiniSearch } = loadPeers();
  const ks = [10, 1000];
  const queries = { short, expanded };
  const fts = runFts5(Database, texts, queries, ks);
  const mini = runMiniSearch(
    MiniSearch,
    texts,
    { short: short.slice(0, 20), expanded: expanded.slice(0, 20) },
    ks,
    Number(process.env.BENCH_MINISEARCH_DOCS ?? 20_000),
  );
  const ours = Object.fromEntries(rows.map((r) => [`${r.queries}@${r.k}`, Number(r['qexp MaxScore q/s'])]));
  console.log(
    `peers (1 thread): SQLite FTS5 indexed ${fts.indexRate.toFixed(0)} passages/s; MiniSearch indexed ${mini.docs} passages at ${mini.indexRate.toFixed(0)}/s`,
  );
  console.table(
    Object.keys(ours).map((key) => ({
      'queries@k': key,
      'qexp q/s': ours[key].toFixed(1),
      'FTS5 q/s': fts.qps[key].toFixed(1),
      'qexp / FTS5': `${(ours[key] / fts.qps[key]).toFixed(1)}×`,
      [`MiniSearch q/s (${mini.docs} docs)`]: mini.qps[key].toFixed(1),
    })),
  );
}
