// BM25 engine benchmark on the seeded, MS MARCO-shaped synthetic corpus of bench/lib/synthetic.mjs
// (its header says how the corpus and the two query sets are drawn).
//
//   BENCH_DOCS      passages (default 100,000; the issue's scales are 1,000,000 and 8,841,823)
//   BENCH_QUERIES   queries per set (default 100)
//   BENCH_PEERS     1 to run the peers, 0 not to (default: 1 up to 1,000,000 passages)
//
// In one run, on the same corpus and queries:
// - qexp's index build (every CPU, whitespace analysis of the pre-analyzed text): passages/s, index
//   bytes and the build's peak RSS (in a process of its own);
// - queries/s on one thread, short and expanded, top-10 and top-1000, for qexp's search (MaxScore),
//   qexp's own exhaustive term-at-a-time scorer (over the same compressed index), and the plain
//   in-memory exhaustive term-at-a-time scorer the issue sets the targets against
//   (bench/peers/plain-taat.mjs); each the best of 3 timed passes after an untimed one;
// - queries/s of `qexp search`'s thread pool on every CPU;
// - the peers, installed by the bench itself: SQLite FTS5 bm25(), Xapian BM25Weight, and MiniSearch
//   on as many passages as it holds (BENCH_MINISEARCH_DOCS, default 20,000). FTS5 and MiniSearch,
//   being slow, answer the first 20 queries of each set.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readCorpus } from '../dist/data/corpus.js';
import { getAnalyzer } from '../dist/retrieval/analysis/analyzers.js';
import { IndexReader } from '../dist/retrieval/index/read-index.js';
import { batchSearch } from '../dist/retrieval/search/batch-search.js';
import { Bm25Searcher, queryTerms } from '../dist/retrieval/search/search.js';
import { corpusFile, querySets } from './lib/synthetic.mjs';
import { haveXapian, loadNodePeers, runFts5, runMiniSearch } from './peers/node-peers.mjs';
import { PlainTaat } from './peers/plain-taat.mjs';

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100);
const PEERS = (process.env.BENCH_PEERS ?? (DOCS <= 1_000_000 ? '1' : '0')) === '1';
const KS = [10, 1000];
const cpus = availableParallelism();

const corpus = await corpusFile(DOCS);
const sets = querySets(QUERIES);
const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-bm25-'));
const out = join(dir, 'index');

// build, in a child process
const child = spawnSync(process.execPath, [join(import.meta.dirname, 'lib', 'build-child.mjs'), corpus, out, 'whitespace', String(cpus)], {
  encoding: 'utf8',
  maxBuffer: 1 << 26,
});
if (child.status !== 0) throw new Error(`index build failed:\n${child.stderr}`);
const build = JSON.parse(child.stdout.trim().split('\n').pop());
const bytes = readdirSync(out).reduce((n, f) => n + statSync(join(out, f)).size, 0);
const { meta } = build;
console.log(
  `${DOCS} synthetic passages: ${meta.numTerms} distinct terms, ${meta.sumTotalTermFreq} tokens; ` +
    `index build on ${cpus} threads ${build.secs.toFixed(1)} s = ${(DOCS / build.secs).toFixed(0)} passages/s ` +
    `(${Object.entries(build.phases)
      .map(([p, s]) => `${p} ${s.toFixed(1)} s`)
      .join(', ')}); index ${(bytes / 1e6).toFixed(1)} MB; build peak RSS ${build.maxRssMB.toFixed(0)} MB`,
);

// search on one thread
const t0 = performance.now();
const shared = IndexReader.load(out, false);
const index = new IndexReader(shared);
console.log(`index loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const analyzer = getAnalyzer('whitespace');
const searcher = new Bm25Searcher(index, { k1: 0.9, b: 0.4, hits: 1000 });
const parsed = { short: sets.short.map((q) => queryTerms(analyzer, q)), expanded: sets.expanded.map((q) => queryTerms(analyzer, q)) };
const distinctTerms = parsed.expanded.map((q) => q.size);
const postingsPerQuery = (qs) => qs.reduce((n, q) => n + searcher.weighted(q).reduce((m, t) => m + t.info.df, 0), 0) / qs.length;
console.log(
  `expanded queries: ${(distinctTerms.reduce((a, b) => a + b, 0) / distinctTerms.length).toFixed(0)} distinct terms, ` +
    `${postingsPerQuery(parsed.expanded).toFixed(0)} postings on average; short queries: ${postingsPerQuery(parsed.short).toFixed(0)} postings`,
);
const plain = new PlainTaat(searcher);
plain.load([...parsed.short, ...parsed.expanded]);

// V8 compiles hot code in tiers as it runs: every configuration runs twice (once past 2M
// passages), untimed, before any is timed; then each is the best of 5 passes (2 past 2M passages)
const BIG = DOCS > 2_000_000;
const configs = [];
for (const [name, qs] of Object.entries(parsed)) {
  for (const k of KS) {
    // the three scorers must agree before they are timed
    for (const q of qs.slice(0, 5)) {
      const a = searcher.search(q, k);
      const b = plain.search(q, k);
      if (a.length !== b.length || a.some((h, i) => h.doc !== b[i].doc || h.score !== b[i].score))
        throw new Error(`qexp and the plain scorer disagree on a ${name} query at k=${k}`);
    }
    configs.push({ name, k, qs });
  }
}
const scorers = {
  qexp: (q, k) => searcher.search(q, k),
  exhaustive: (q, k) => searcher.exhaustive(q, k),
  plain: (q, k) => plain.search(q, k),
};
for (let r = 0; r < (BIG ? 1 : 2); r++)
  for (const { qs, k } of configs) for (const fn of Object.values(scorers)) for (const q of qs) fn(q, k);
/** Queries per second of the best pass of `run` over qs. */
const bestQps = (qs, run) => {
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < (BIG ? 2 : 5); r++) {
    const start = performance.now();
    run();
    best = Math.min(best, performance.now() - start);
  }
  return qs.length / (best / 1000);
};
const timeQps = (qs, k, fn) =>
  bestQps(qs, () => {
    for (const q of qs) fn(q, k);
  });
const rows = [];
const ours = {};
for (const { name, k, qs } of configs) {
  const q1 = timeQps(qs, k, scorers.qexp);
  const q2 = timeQps(qs, k, scorers.exhaustive);
  const q3 = timeQps(qs, k, scorers.plain);
  ours[`${name}@${k}`] = q1;
  rows.push({
    queries: name,
    k,
    'qexp q/s': q1.toFixed(1),
    'qexp exhaustive q/s': q2.toFixed(1),
    'plain TAAT q/s': q3.toFixed(1),
    'qexp / plain': `${(q1 / q3).toFixed(2)}×`,
    'qexp / qexp exhaustive': `${(q1 / q2).toFixed(2)}×`,
  });
}
console.table(rows);

// a batch of long queries scored together (Bm25Searcher.searchMany: shared terms decoded once), one thread
const batched = [];
for (const k of KS) {
  const qs = parsed.expanded;
  searcher.searchMany(qs, k);
  const qps = bestQps(qs, () => searcher.searchMany(qs, k));
  batched.push(`top-${k} ${qps.toFixed(1)} q/s (${(qps / ours[`expanded@${k}`]).toFixed(2)}× one at a time)`);
}
console.log(`expanded queries in one batch (searchMany), one thread: ${batched.join(', ')}`);

// the thread pool, as `qexp search` runs it
// distinct queries: repeats of one query would share all their terms in a batch
const manyTexts = querySets(10 * QUERIES).expanded;
const many = manyTexts.map((text, i) => ({ qid: `q${i}`, text }));
const pool = {};
for (const k of KS) {
  const job = { indexDir: out, shared, params: { k1: 0.9, b: 0.4, hits: k }, runTag: 'bench' };
  await batchSearch(job, many.slice(0, 20), cpus);
  const start = performance.now();
  await batchSearch(job, many, cpus);
  pool[k] = many.length / ((performance.now() - start) / 1000);
}
console.log(`expanded queries on ${cpus} threads: top-10 ${pool[10].toFixed(1)} q/s, top-1000 ${pool[1000].toFixed(1)} q/s`);
rmSync(dir, { recursive: true, force: true });

if (PEERS) {
  const { Database, MiniSearch } = loadNodePeers();
  const texts = async function* () {
    for await (const d of readCorpus(corpus)) yield d.text;
  };
  const collect = async (limit) => {
    const list = [];
    for await (const t of texts()) {
      if (list.length >= limit) break;
      list.push(t);
    }
    return list;
  };
  const all = await collect(DOCS);
  // the slow peers answer the first 20 queries of each set
  const few = { short: sets.short.slice(0, 20), expanded: sets.expanded.slice(0, 20) };
  const fts = runFts5(Database, all, few, KS);
  const mini = runMiniSearch(MiniSearch, all, few, KS, Number(process.env.BENCH_MINISEARCH_DOCS ?? 20_000));
  let xap = null;
  if (haveXapian()) {
    const qfile = join(tmpdir(), `qexp-bench-queries-${process.pid}.json`);
    writeFileSync(qfile, JSON.stringify(sets));
    const db = mkdtempSync(join(tmpdir(), 'qexp-bench-xapian-'));
    const r = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'peers', 'xapian_peer.py'), corpus, qfile, db, KS.join(',')], {
      encoding: 'utf8',
    });
    rmSync(db, { recursive: true, force: true });
    rmSync(qfile, { force: true });
    if (r.status === 0) xap = JSON.parse(r.stdout);
    else console.log(`Xapian peer failed: ${r.stderr}`);
  }
  console.log(
    `peers, 1 thread: SQLite FTS5 indexed ${fts.indexRate.toFixed(0)} passages/s` +
      (xap ? `; Xapian indexed ${xap.indexRate.toFixed(0)} passages/s` : '') +
      `; MiniSearch indexed ${mini.docs} passages at ${mini.indexRate.toFixed(0)}/s`,
  );
  console.table(
    Object.keys(ours).map((key) => ({
      'queries@k': key,
      'qexp q/s': ours[key].toFixed(1),
      'FTS5 q/s': fts.qps[key].toFixed(1),
      'qexp / FTS5': `${(ours[key] / fts.qps[key]).toFixed(1)}×`,
      'Xapian q/s': xap ? xap.qps[key].toFixed(1) : '-',
      'qexp / Xapian': xap ? `${(ours[key] / xap.qps[key]).toFixed(1)}×` : '-',
      [`MiniSearch q/s (${mini.docs} docs)`]: mini.qps[key].toFixed(1),
    })),
  );
}
