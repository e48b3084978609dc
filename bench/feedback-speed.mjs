// Retrieval feedback throughput: candidates scored per second (each an expanded query searched
// top-10 and scored by nDCG@10 against qrels, as the feedback stage does), next to bare top-10 and
// top-1000 search of the same formulated queries (batched as `qexp search` batches them: long queries
// of a batch are scored together), and top-10 with every query searched alone, on the synthetic corpus of
// bench/lib/synthetic.mjs (BENCH_DOCS passages, default 100,000; the figure is at
// 1,000,000). Candidates: BENCH_QUERIES (default 100) queries × 5 expansions each, formulated
// query2doc-style (the query 5 times, then the expansion); qrels: 20 seeded random passages per
// query. Each figure is the best of 5 timed passes after an untimed one, the four measures timed in
// turn in each round (this machine's speed varies from pass to pass), on one thread and on all.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseIrMeasure } from '../dist/eval/measure-spec.js';
import { scoreCandidates } from '../dist/feedback/score-candidates.js';
import { formulate } from '../dist/retrieval/formulation.js';
import { IndexReader } from '../dist/retrieval/index/read-index.js';
import { batchHits } from '../dist/retrieval/search/batch-search.js';
import { corpusFile, querySets } from './lib/synthetic.mjs';

const DOCS = Number(process.env.BENCH_DOCS ?? 100_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100);
const cpus = availableParallelism();
const corpus = await corpusFile(DOCS);
const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-feedback-'));
const out = join(dir, 'index');
const child = spawnSync(process.execPath, [join(import.meta.dirname, 'lib', 'build-child.mjs'), corpus, out, 'whitespace', String(cpus)], {
  encoding: 'utf8',
});
if (child.status !== 0) throw new Error(`index build failed:\n${child.stderr}`);
const shared = IndexReader.load(out, false);

// five expansions per query: the expansion passages of five different expanded queries
const sets = querySets(QUERIES * 5);
const candidates = [];
for (let q = 0; q < QUERIES; q++)
  for (let s = 0; s < 5; s++)
    candidates.push({ qid: `q${q}`, query: sets.short[q], pool: 'p', sample: s, text: sets.expansions[q * 5 + s] });
let seed = 99;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
const qrels = new Map(
  Array.from({ length: QUERIES }, (_, q) => [`q${q}`, new Map(Array.from({ length: 20 }, () => [String(Math.floor(rand() * DOCS)), 1]))]),
);
const formulation = { mode: 'query2doc', repeat_query: 5, separator: ' ', concat: 1 };
const topics = candidates.map((c) => ({ qid: c.qid, text: formulate(c.query, [c.text], formulation) }));
const spec = parseIrMeasure('nDCG@10');

/** Rates (per second) of several runs of the candidates: one untimed pass of each, then 5 rounds that time each once, in turn (so that no figure gets only the machine's better moments), best pass each. */
const rates = async (fns) => {
  for (const fn of fns) await fn();
  const best = fns.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < 5; r++) {
    // each round starts one further on, so that no measure always follows the same one (and pays its garbage)
    for (let j = 0; j < fns.length; j++) {
      const i = (r + j) % fns.length;
      const t0 = performance.now();
      await fns[i]();
      best[i] = Math.min(best[i], performance.now() - t0);
    }
  }
  return best.map((ms) => candidates.length / (ms / 1000));
};
const rows = [];
for (const threads of [1, cpus]) {
  const [fb, top10, alone, top1000] = await rates([
    () => scoreCandidates(shared, { k1: 0.9, b: 0.4, hits: 10 }, candidates, qrels, spec, formulation, threads),
    () => batchHits({ indexDir: out, shared, params: { k1: 0.9, b: 0.4, hits: 10 } }, topics, threads),
    // batches of one: every query searched alone (MaxScore), as before the engine scored long queries in groups
    () => batchHits({ indexDir: out, shared, params: { k1: 0.9, b: 0.4, hits: 10 } }, topics, threads, undefined, 1),
    () => batchHits({ indexDir: out, shared, params: { k1: 0.9, b: 0.4, hits: 1000 } }, topics, threads),
  ]);
  rows.push({
    threads,
    'feedback candidates/s': fb.toFixed(1),
    'top-10 search q/s': top10.toFixed(1),
    'top-10 one at a time q/s': alone.toFixed(1),
    'top-1000 search q/s': top1000.toFixed(1),
    'feedback / top-10': `${((100 * fb) / top10).toFixed(0)}%`,
  });
}
console.log(`${DOCS} synthetic passages; ${candidates.length} candidates (${QUERIES} queries × 5 expansions), nDCG@10`);
console.table(rows);
rmSync(dir, { recursive: true, force: true });
