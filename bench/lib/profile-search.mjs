// Where a search workload's time goes: one workload of the benches run under V8's sampling
// profiler, its self time summed by function (the WebAssembly kernel's functions included).
//
//   node bench/lib/profile-search.mjs INDEX WORKLOAD [PASSES]
//     INDEX     an index of the bench's synthetic corpus (built if absent, from bench/.data's
//               synthetic-$BENCH_DOCS.tsv, default 1,000,000 passages, on every CPU)
//     WORKLOAD  short@K | expanded@K (one query at a time, Bm25Searcher.ranked) |
//               grouped@K (a batch of 2,048 expanded queries on one thread, batchRanked) |
//               feedback (2,000 candidates scored on one thread, as bench/feedback-speed.mjs)
// Prints queries/s of the profiled passes and the functions holding 1% of the samples or more
// (LEAST=0.002 in the environment: 0.2%), and with LINES=name the busiest lines of the functions
// whose names contain it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseIrMeasure } from '../../dist/eval/measure-spec.js';
import { scoreCandidates } from '../../dist/feedback/score-candidates.js';
import { getAnalyzer } from '../../dist/retrieval/analysis/analyzers.js';
import { IndexReader } from '../../dist/retrieval/index/read-index.js';
import { batchRanked, endSearchThreads } from '../../dist/retrieval/search/batch-search.js';
import { Bm25Searcher, queryTerms } from '../../dist/retrieval/search/search.js';
import { lineTimes, printSelfTimes, selfTimes } from './self-time.mjs';
import { corpusFile, FEEDBACK_FORMULATION, feedbackCandidates, querySets } from './synthetic.mjs';

const [dir, workload, passesArg] = process.argv.slice(2);
if (!dir || !workload) throw new Error('usage: node bench/lib/profile-search.mjs INDEX short@K|expanded@K|grouped@K|feedback [PASSES]');
const DOCS = Number(process.env.BENCH_DOCS ?? 1_000_000);
const passes = Number(passesArg ?? 3);
if (!existsSync(join(dir, 'meta.json'))) {
  const corpus = await corpusFile(DOCS);
  const r = spawnSync(
    process.execPath,
    [join(import.meta.dirname, 'build-child.mjs'), corpus, dir, 'whitespace', String(availableParallelism())],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  if (r.status !== 0) throw new Error('index build failed');
}
const shared = IndexReader.load(dir, false);
const searcher = new Bm25Searcher(new IndexReader(shared), { k1: 0.9, b: 0.4, hits: 1000 });
const analyzer = getAnalyzer('whitespace');
const [kind, kText] = workload.split('@');
const k = Number(kText ?? 10);
const params = { k1: 0.9, b: 0.4, hits: k };

let count;
let run;
if (kind === 'short' || kind === 'expanded') {
  const qs = (kind === 'short' ? querySets(1000).short : querySets(100).expanded).map((q) => queryTerms(analyzer, q));
  count = qs.length;
  run = () => {
    for (const q of qs) searcher.ranked(q, k);
  };
} else if (kind === 'grouped') {
  const topics = querySets(2048).expanded.map((text, i) => ({ qid: `g${i}`, text }));
  count = topics.length;
  run = () => batchRanked({ indexDir: dir, shared, params }, topics, 1);
} else if (kind === 'feedback') {
  const candidates = feedbackCandidates(400);
  const qrels = new Map(Array.from({ length: 400 }, (_, q) => [`q${q}`, new Map([[String(q * 7), 1]])]));
  count = candidates.length;
  run = () => scoreCandidates(shared, { k1: 0.9, b: 0.4, hits: 10 }, candidates, qrels, parseIrMeasure('nDCG@10'), FEEDBACK_FORMULATION, 1);
} else throw new Error(`unknown workload ${workload}`);

await run(); // warm-up: compilation, thread start, grown kernel memory
const session = new Session();
session.connect();
await session.post('Profiler.enable');
await session.post('Profiler.setSamplingInterval', { interval: 200 });
await session.post('Profiler.start');
const t0 = performance.now();
for (let p = 0; p < passes; p++) await run();
const secs = (performance.now() - t0) / 1000;
const { profile } = await session.post('Profiler.stop');
endSearchThreads();

const times = selfTimes(profile);
console.log(
  `${workload} at ${shared.meta.docCount} passages: ${((passes * count) / secs).toFixed(1)}/s over ${passes} profiled passes (main thread's samples: ${times.total})`,
);
printSelfTimes(times, Number(process.env.LEAST ?? 0.01));
// LINES=name (environment): the busiest lines of the functions whose names contain it
if (process.env.LINES) {
  console.log(`lines of ${process.env.LINES} (compiled JavaScript in dist/):`);
  for (const [name, hits] of lineTimes(profile, process.env.LINES).slice(0, 25))
    console.log(`${((100 * hits) / times.total).toFixed(2).padStart(6)}%  ${name}`);
}
