// BM25 engine benchmark on the seeded, MS MARCO-shaped synthetic corpus of bench/lib/synthetic.mjs
// (its header says how the corpus and the two query sets are drawn), against Lucene 8 in the same run.
//
//   BENCH_DOCS      passages (default 100,000; the issue's scales are 1,000,000 and 8,841,823)
//   BENCH_QUERIES   expanded queries (default 100); short queries: 10 times as many
//   BENCH_LUCENE    1 to run Lucene, 0 not to (default: 1 up to 1,000,000 passages)
//   BENCH_PEERS     1 to run SQLite FTS5 and Xapian, 0 not to (default: 1 up to 1,000,000 passages)
//
// In one run, on the same corpus and queries:
// - index builds: qexp's on every CPU (whitespace analysis of the pre-analyzed text, in a process of
//   its own, for its peak RSS), Lucene's on one thread (bench/peers/LucenePeer.java); up to 2M
//   passages, each built twice, alternating, and the faster build of each kept;
// - the hits of qexp, Lucene and the plain scorer compared query by query (scores rank by rank,
//   documents above the lowest kept score: the engines break the ties of that score differently);
// - queries/s, short and expanded, top-10 and top-1000: qexp (`Bm25Searcher.ranked`: internal
//   documents and scores, best first, as Lucene's IndexSearcher.search returns them in TopDocs),
//   Lucene (IndexSearcher.search in a JVM kept alive between passes) and the plain in-memory
//   exhaustive scorer (bench/peers/plain-taat.mjs), one thread; qexp's thread pool (`qexp search`'s,
//   `batchRanked`) and Lucene's queries spread over every CPU. Expanded queries one at a time, and
//   grouped: batches of 2,048 (`qexp search` batches long queries and scores each batch's together,
//   up to 2,048 a batch).
//   For short queries also qexp-ids: the hits with their external ids (`search`, `batchHits`), what
//   `qexp search` writes; in Lucene that is a stored-field read per hit, not timed here.
//   Passes alternate between the engines (bench/lib/alternate.mjs): best and median of 5 rounds
//   (2 past 2M passages) after a warm-up pass, and qexp/Lucene ratios of the best passes and of
//   passes run side by side;
// - the peers, installed by the bench itself: SQLite FTS5 bm25() and Xapian BM25Weight (the first
//   20 queries of each set; one pass each).
// The last line is `RESULT {json}`: every figure, keys ENGINE.QUERIES@K.Nt (queries/s),
// index.ENGINE (passages/s) and threads; bench/lib/readme-speed.mjs writes the README's tables
// from it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readCorpus } from '../dist/data/corpus.js';
import { getAnalyzer } from '../dist/retrieval/analysis/analyzers.js';
import { IndexReader } from '../dist/retrieval/index/read-index.js';
import { batchHits, batchRanked, endSearchThreads } from '../dist/retrieval/search/batch-search.js';
import { Bm25Searcher, queryTerms } from '../dist/retrieval/search/search.js';
import { alternate, fmtRatio, load, ratio, resultLine } from './lib/alternate.mjs';
import { buildInChild } from './lib/build.mjs';
import { corpusFile, querySets } from './lib/synthetic.mjs';
import { LuceneServer, luceneIndex, lucenePeer, sameHits } from './peers/lucene-peer.mjs';
import { haveXapian, loadNodePeers, runFts5 } from './peers/node-peers.mjs';
import { PlainTaat } from './peers/plain-taat.mjs';

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100);
const PEERS = (process.env.BENCH_PEERS ?? (DOCS <= 1_000_000 ? '1' : '0')) === '1';
const LUCENE = (process.env.BENCH_LUCENE ?? (DOCS <= 1_000_000 ? '1' : '0')) === '1';
const BIG = DOCS > 2_000_000;
const ROUNDS = BIG ? 2 : 5;
const KS = [10, 1000];
const GROUP = 2048;
const cpus = availableParallelism();
const figures = {};
const loadAtStart = load();

const corpus = await corpusFile(DOCS);
const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-bm25-'));
const out = join(dir, 'index');

// qexp's build, in a child process
const build = buildInChild(corpus, out, { threads: cpus });
const bytes = readdirSync(out).reduce((n, f) => n + statSync(join(out, f)).size, 0);
const { meta } = build;
figures['index.qexp'] = DOCS / build.secs;
console.log(
  `${DOCS} synthetic passages: ${meta.numTerms} distinct terms, ${meta.sumTotalTermFreq} tokens; load ${loadAtStart} on ${cpus} CPUs\n` +
    `qexp index build on ${cpus} threads ${build.secs.toFixed(1)} s = ${(DOCS / build.secs).toFixed(0)} passages/s ` +
    `(${Object.entries(build.phases)
      .map(([p, s]) => `${p} ${s.toFixed(1)} s`)
      .join(', ')}); index ${(bytes / 1e6).toFixed(1)} MB; build peak RSS ${build.maxRssMB.toFixed(0)} MB`,
);

// Lucene's build, on one thread
const lucene = LUCENE ? lucenePeer() : null;
const luceneDir = join(dir, 'lucene');
// builds of each engine's index (the RESULT line says, for the README's wording)
let builds = 1;
if (lucene) {
  const l = luceneIndex(lucene, corpus, luceneDir);
  figures['index.lucene'] = DOCS / l.secs;
  const lbytes = readdirSync(luceneDir).reduce((n, f) => n + statSync(join(luceneDir, f)).size, 0);
  console.log(
    `Lucene ${l.version} index build on 1 thread ${l.secs.toFixed(1)} s = ${(DOCS / l.secs).toFixed(0)} passages/s, then forceMerge(1) ` +
      `${l.mergeSecs.toFixed(1)} s; index ${(lbytes / 1e6).toFixed(1)} MB; peak RSS ${l.maxRssMB.toFixed(0)} MB ` +
      `(qexp/Lucene per thread: ${(figures['index.qexp'] / cpus / figures['index.lucene']).toFixed(2)}×)`,
  );
  // a second build of each, alternating, the faster one kept: one build each read anywhere from
  // 1.7× to 2.3× per thread on this machine, whose speed drifts within minutes
  if (!BIG) {
    builds = 2;
    const again = join(dir, 'again');
    const q = buildInChild(corpus, join(again, 'qexp'), { threads: cpus });
    const l2 = luceneIndex(lucene, corpus, join(again, 'lucene'));
    rmSync(again, { recursive: true, force: true });
    figures['index.qexp'] = Math.max(figures['index.qexp'], DOCS / q.secs);
    figures['index.lucene'] = Math.max(figures['index.lucene'], DOCS / l2.secs);
    console.log(
      `second builds: qexp ${q.secs.toFixed(1)} s, Lucene ${l2.secs.toFixed(1)} s; the faster of each: qexp ${figures['index.qexp'].toFixed(0)} ` +
        `passages/s on ${cpus} threads, Lucene ${figures['index.lucene'].toFixed(0)} on 1 (qexp/Lucene per thread: ` +
        `${(figures['index.qexp'] / cpus / figures['index.lucene']).toFixed(2)}×)`,
    );
  }
}

// the queries
const t0 = performance.now();
const shared = IndexReader.load(out, false);
const index = new IndexReader(shared);
console.log(`qexp index loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const analyzer = getAnalyzer('whitespace');
const searcher = new Bm25Searcher(index, { k1: 0.9, b: 0.4, hits: 1000 });
const texts = { short: querySets(10 * QUERIES).short, expanded: querySets(QUERIES).expanded };
const grouped = querySets(2 * GROUP).expanded;
const parsed = Object.fromEntries(Object.entries(texts).map(([name, qs]) => [name, qs.map((q) => queryTerms(analyzer, q))]));
const postingsPerQuery = (qs) => qs.reduce((n, q) => n + searcher.weighted(q).reduce((m, t) => m + t.info.df, 0), 0) / qs.length;
const distinctTerms = parsed.expanded.reduce((n, q) => n + q.size, 0) / parsed.expanded.length;
console.log(
  `${parsed.short.length} short queries: ${postingsPerQuery(parsed.short).toFixed(0)} postings on average; ` +
    `${parsed.expanded.length} expanded queries: ${distinctTerms.toFixed(0)} distinct terms, ${postingsPerQuery(parsed.expanded).toFixed(0)} postings`,
);
const plain = new PlainTaat(searcher);
plain.load([...parsed.short, ...parsed.expanded]);
const server = lucene ? new LuceneServer(lucene, luceneDir) : null;
if (server) {
  const hello = await server.hello();
  console.log(`Lucene ${hello.version} searching an index of ${hello.segments} segment(s)`);
  for (const [name, qs] of Object.entries(texts)) {
    const file = join(dir, `${name}.txt`);
    writeFileSync(file, `${qs.join('\n')}\n`);
    await server.load(name, file);
  }
}

// every engine's hits, checked before any is timed
for (const [name, qs] of Object.entries(parsed)) {
  for (const k of KS) {
    const ours = qs.map((q) => searcher.search(q, k));
    qs.slice(0, 5).forEach((q, i) => {
      const b = plain.search(q, k);
      if (ours[i].length !== b.length || ours[i].some((h, j) => h.doc !== b[j].doc || h.score !== b[j].score))
        throw new Error(`qexp and the plain scorer disagree on ${name} query ${i} at k=${k}`);
    });
    if (server) {
      const theirs = await server.dump(name, k, join(dir, 'dump.tsv'), qs.length);
      ours.forEach((hits, i) => {
        const diff = sameHits(hits, theirs[i]);
        if (diff) throw new Error(`qexp and Lucene disagree on ${name} query ${i} at k=${k}: ${diff}`);
      });
    }
  }
}
console.log(
  server
    ? `hits checked: qexp's equal Lucene's on all ${parsed.short.length + parsed.expanded.length} queries at k = ${KS.join(' and ')} (ties of the lowest kept score aside), and the plain scorer's on the first 5 of each set`
    : 'hits checked: qexp equals the plain scorer on the first 5 queries of each set (Lucene not run)',
);

// the timed passes, alternating between the engines, configuration by configuration
const job = (k) => ({ indexDir: out, shared, params: { k1: 0.9, b: 0.4, hits: k } });
const pool = (topics, k, batchSize) => () => batchRanked(job(k), topics, cpus, batchSize);
const rows = [];
const ratios = {};
for (const [name, qs] of Object.entries(parsed)) {
  const topics = texts[name].map((text, i) => ({ qid: `q${i}`, text }));
  for (const k of KS) {
    const key = (engine, t) => `${engine}.${name}@${k}.${t}t`;
    const measures = [
      {
        key: key('qexp', 1),
        count: qs.length,
        run: () => {
          for (const q of qs) searcher.ranked(q, k);
        },
      },
      {
        key: key('plain', 1),
        count: qs.length,
        run: () => {
          for (const q of qs) plain.search(q, k);
        },
      },
      // expanded queries one at a time: batches of one, as they are searched without grouping
      { key: key('qexp', cpus), count: qs.length, run: pool(topics, k, name === 'expanded' ? 1 : undefined) },
    ];
    if (server)
      measures.push(
        { key: key('lucene', 1), count: qs.length, run: () => server.time(name, k, 1) },
        { key: key('lucene', cpus), count: qs.length, run: () => server.time(name, k, cpus) },
      );
    if (name === 'short')
      measures.push(
        {
          key: key('qexp-ids', 1),
          count: qs.length,
          run: () => {
            for (const q of qs) searcher.search(q, k);
          },
        },
        { key: key('qexp-ids', cpus), count: qs.length, run: () => batchHits(job(k), topics, cpus) },
      );
    if (name === 'expanded') {
      const gtopics = grouped.map((text, i) => ({ qid: `g${i}`, text }));
      measures.push(
        { key: key('qexp-grouped', 1), count: GROUP, run: () => batchRanked(job(k), gtopics.slice(0, GROUP), 1) },
        { key: key('qexp-grouped', cpus), count: gtopics.length, run: pool(gtopics, k) },
      );
    }
    const got = await alternate(measures, ROUNDS);
    Object.assign(figures, got);
    for (const m of measures) {
      const g = got[m.key];
      const [engine, , threads] = m.key.split(/[.]/);
      const row = { measure: m.key, 'best q/s': g.best.toFixed(1), 'median q/s': g.median.toFixed(1) };
      const lkey = key('lucene', threads === '1t' ? 1 : cpus);
      if (engine !== 'lucene' && got[lkey]) {
        const r = ratio(g, got[lkey]);
        ratios[m.key] = { best: Number(r.best.toFixed(2)), paired: Number(r.paired.toFixed(2)) };
        row['/ Lucene'] = fmtRatio(r);
      }
      rows.push(row);
    }
  }
}
endSearchThreads();
server?.close();
console.log(
  `queries/s (best and median of ${ROUNDS} alternating passes; qexp/Lucene: best against best, and the median ratio of passes side by side)`,
);
console.table(rows);
rmSync(dir, { recursive: true, force: true });

if (PEERS) {
  const { Database } = loadNodePeers();
  const all = [];
  for await (const d of readCorpus(corpus)) all.push(d.text);
  // the slow peers answer the first 20 queries of each set
  const few = { short: texts.short.slice(0, 20), expanded: texts.expanded.slice(0, 20) };
  const fts = runFts5(Database, all, few, KS);
  figures['index.fts5'] = fts.indexRate;
  for (const [key, qps] of Object.entries(fts.qps)) figures[`fts5.${key}.1t`] = qps;
  let xap = null;
  if (haveXapian()) {
    const qfile = join(tmpdir(), `qexp-bench-queries-${process.pid}.json`);
    writeFileSync(qfile, JSON.stringify(few));
    const db = mkdtempSync(join(tmpdir(), 'qexp-bench-xapian-'));
    const r = spawnSync('/usr/bin/python3', [join(import.meta.dirname, 'peers', 'xapian_peer.py'), corpus, qfile, db, KS.join(',')], {
      encoding: 'utf8',
    });
    rmSync(db, { recursive: true, force: true });
    rmSync(qfile, { force: true });
    if (r.status === 0) xap = JSON.parse(r.stdout);
    else console.log(`Xapian peer failed: ${r.stderr}`);
  }
  if (xap) {
    figures['index.xapian'] = xap.indexRate;
    for (const [key, qps] of Object.entries(xap.qps)) figures[`xapian.${key}.1t`] = qps;
  }
  console.log(
    `peers, 1 thread: SQLite FTS5 indexed ${fts.indexRate.toFixed(0)} passages/s` +
      (xap ? `; Xapian indexed ${xap.indexRate.toFixed(0)} passages/s` : ''),
  );
  console.table(
    Object.keys(fts.qps).map((key) => ({
      'queries@k': key,
      'FTS5 q/s': fts.qps[key].toFixed(1),
      'Xapian q/s': xap ? xap.qps[key].toFixed(1) : '-',
      'qexp q/s': figures[`qexp.${key}.1t`].best.toFixed(1),
    })),
  );
}
// ratios: each qexp (and plain) figure against Lucene's of the same queries, k and threads
console.log(resultLine(figures, { docs: DOCS, threads: cpus, group: GROUP, builds, load: [loadAtStart, load()], ratios }));
