// Retrieval feedback throughput: candidates scored per second (each an expanded query searched
// top-10 and scored by nDCG@10 against qrels, as the feedback stage does), next to bare top-10 and
// top-1000 search of the same formulated queries (batched as `qexp search` batches them: long queries
// of a batch are scored together), top-10 with every query searched alone, and Lucene 8 searching
// the same formulated queries (top-10 and top-1000, bench/peers/LucenePeer.java), on the synthetic
// corpus of bench/lib/synthetic.mjs.
//
//   BENCH_DOCS      passages (default 100,000; the figures are at 1,000,000 and 8,841,823)
//   BENCH_QUERIES   queries (default 400), each with 5 expansions: the candidates (2,000 by default:
//                   on one thread one batch of them, the size the feedback stage batches candidates in)
//   BENCH_LUCENE_QUERIES  formulated queries Lucene searches (default 500, the first ones): its
//                   speed does not depend on how many, and at ~25 q/s more would take most of the run
//   BENCH_THREADS   thread counts to measure (default "1,N", N the CPUs)
//   BENCH_LUCENE    1 to run Lucene, 0 not to (default: 1 up to 1,000,000 passages)
//
// Candidates: the queries × 5 expansions each, formulated query2doc-style (the query 5 times, then
// the expansion); qrels: 20 seeded random passages per query. Passes alternate between the measures
// (bench/lib/alternate.mjs): best and median of 5 rounds (2 past 2M passages, where top-10 one at a
// time is left out) after a warm-up pass.
// Last, the time the paper's feedback stage (20,000 queries × 4 candidates) would take at the
// measured rate, and one line `RESULT {json}` (keys: ENGINE.QUERIES@K.Nt per second, feedback in
// candidates/s).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIrMeasure } from '../dist/eval/measure-spec.js';
import { scoreCandidates } from '../dist/feedback/score-candidates.js';
import { formulate } from '../dist/retrieval/formulation.js';
import { IndexReader } from '../dist/retrieval/index/read-index.js';
import { batchHits, endSearchThreads } from '../dist/retrieval/search/batch-search.js';
import { alternate, fmtRatio, load, ratio, resultLine } from './lib/alternate.mjs';
import { buildInChild } from './lib/build.mjs';
import { corpusFile, FEEDBACK_FORMULATION, feedbackCandidates } from './lib/synthetic.mjs';
import { LuceneServer, luceneIndex, lucenePeer } from './peers/lucene-peer.mjs';

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 400);
const LUCENE_QUERIES = Number(process.env.BENCH_LUCENE_QUERIES ?? 500);
const LUCENE = (process.env.BENCH_LUCENE ?? (DOCS <= 1_000_000 ? '1' : '0')) === '1';
const BIG = DOCS > 2_000_000;
const ROUNDS = BIG ? 2 : 5;
const cpus = availableParallelism();
const THREADS = (process.env.BENCH_THREADS ?? `1,${cpus}`).split(',').map(Number);
const PAPER = { queries: 20_000, candidates: 4 };
const loadAtStart = load();
const corpus = await corpusFile(DOCS);
const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-feedback-'));
const out = join(dir, 'index');
const build = buildInChild(corpus, out, { threads: cpus });
console.log(
  `${DOCS} synthetic passages: qexp index build on ${cpus} threads ${build.secs.toFixed(1)} s = ${(DOCS / build.secs).toFixed(0)} passages/s, ` +
    `peak RSS ${build.maxRssMB.toFixed(0)} MB`,
);
const shared = IndexReader.load(out, false);

const candidates = feedbackCandidates(QUERIES);
let seed = 99;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
const qrels = new Map(
  Array.from({ length: QUERIES }, (_, q) => [`q${q}`, new Map(Array.from({ length: 20 }, () => [String(Math.floor(rand() * DOCS)), 1]))]),
);
const formulation = FEEDBACK_FORMULATION;
const topics = candidates.map((c) => ({ qid: c.qid, text: formulate(c.query, [c.text], formulation) }));
const spec = parseIrMeasure('nDCG@10');
const lucenesTopics = topics.slice(0, LUCENE_QUERIES);

const lucene = LUCENE ? lucenePeer() : null;
let server = null;
if (lucene) {
  const l = luceneIndex(lucene, corpus, join(dir, 'lucene'));
  server = new LuceneServer(lucene, join(dir, 'lucene'));
  const hello = await server.hello();
  const file = join(dir, 'candidates.txt');
  writeFileSync(file, `${lucenesTopics.map((t) => t.text).join('\n')}\n`);
  await server.load('candidates', file);
  console.log(`Lucene ${hello.version}: index built on 1 thread in ${l.secs.toFixed(1)} s, ${hello.segments} segment(s)`);
}

const job = (hits) => ({ indexDir: out, shared, params: { k1: 0.9, b: 0.4, hits } });
const figures = { 'index.qexp': DOCS / build.secs };
const ratios = {};
const rows = [];
for (const threads of THREADS) {
  const key = (engine, queries, k) => `${engine}.${queries}@${k}.${threads}t`;
  const measures = [
    {
      key: key('qexp', 'feedback', 10),
      count: candidates.length,
      run: () => scoreCandidates(shared, { k1: 0.9, b: 0.4, hits: 10 }, candidates, qrels, spec, formulation, threads),
    },
    { key: key('qexp-grouped', 'expanded', 10), count: topics.length, run: () => batchHits(job(10), topics, threads) },
    { key: key('qexp-grouped', 'expanded', 1000), count: topics.length, run: () => batchHits(job(1000), topics, threads) },
  ];
  // batches of one: every query searched alone, as before the engine scored long queries in groups
  // (past 2M passages it would take most of the bench's time)
  if (!BIG)
    measures.push({ key: key('qexp', 'expanded', 10), count: topics.length, run: () => batchHits(job(10), topics, threads, undefined, 1) });
  if (server)
    measures.push(
      { key: key('lucene', 'expanded', 10), count: lucenesTopics.length, run: () => server.time('candidates', 10, threads) },
      { key: key('lucene', 'expanded', 1000), count: lucenesTopics.length, run: () => server.time('candidates', 1000, threads) },
    );
  const got = await alternate(measures, ROUNDS);
  Object.assign(figures, got);
  for (const m of measures) {
    const g = got[m.key];
    const row = { measure: m.key, 'best /s': g.best.toFixed(1), 'median /s': g.median.toFixed(1) };
    const k = m.key.includes('@1000') ? 1000 : 10;
    const lkey = key('lucene', 'expanded', k);
    if (!m.key.startsWith('lucene') && got[lkey]) {
      const r = ratio(g, got[lkey]);
      ratios[m.key] = { best: Number(r.best.toFixed(2)), paired: Number(r.paired.toFixed(2)) };
      row['/ Lucene'] = fmtRatio(r);
    }
    rows.push(row);
  }
  const fb = got[key('qexp', 'feedback', 10)];
  const top10 = got[key('qexp-grouped', 'expanded', 10)];
  rows.push({ measure: `feedback / top-10 search, ${threads}t`, '/ Lucene': `${((100 * fb.best) / top10.best).toFixed(0)}%` });
  const minutes = (PAPER.queries * PAPER.candidates) / fb.median / 60;
  figures[`paper.feedback-minutes.${threads}t`] = minutes;
  rows.push({
    measure: `the paper's feedback stage (${PAPER.queries} queries × ${PAPER.candidates} candidates), ${threads}t`,
    'median /s': `${minutes.toFixed(1)} min`,
  });
}
endSearchThreads();
server?.close();
console.log(
  `${DOCS} synthetic passages; ${candidates.length} candidates (${QUERIES} queries × 5 expansions), nDCG@10; ` +
    `best and median of ${ROUNDS} alternating passes; load ${loadAtStart} on ${cpus} CPUs`,
);
console.table(rows);
rmSync(dir, { recursive: true, force: true });
// ratios: each qexp figure against Lucene's top-k search of the same formulated queries and threads
console.log(resultLine(figures, { docs: DOCS, candidates: candidates.length, threads: cpus, load: [loadAtStart, load()], ratios }));
