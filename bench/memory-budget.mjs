// Searching an index larger than its memory budget (postings and term vectors read from disk on
// demand into a bounded cache, IndexReader.load's memoryBudget) against searching it in memory,
// on the synthetic corpus of bench/lib/synthetic.mjs and its short and expanded queries.
//
//   BENCH_DOCS      passages (default 1,000,000; the issue's demonstration is 20-30M under 2G)
//   BENCH_BUDGET    memory budget, e.g. 2G (default: what the index needs besides its postings, plus
//                   a postings cache of a quarter of them)
//   BENCH_INDEX     an index of BENCH_DOCS synthetic passages built before (skips the build)
//   BENCH_QUERIES   queries per set (default 100)
//   BENCH_IN_MEMORY 0 to leave out the in-memory search (default 1 up to 9M passages)
//   BENCH_PASSES    passes per configuration and process (default 3: the first reads from disk)
//
// Each search runs in a process of its own (bench/lib/search-child.mjs), so that its peak RSS is
// its own; in-memory and on-demand processes alternate, twice each. The answers of both are
// compared (a digest of every hit's id and score). Figures are queries/s on one thread: one
// query at a time, and the expanded queries as one batch (group scoring), after a warm-up on other
// queries; the first pass (postings from disk, or the page cache) is shown apart from the best
// later one (from the postings cache).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { memoryNeeds, readIndexMeta } from '../dist/retrieval/index/read-index.js';
import { parseByteSize } from '../dist/util/byte-size.js';
import { buildInChild } from './lib/build.mjs';
import { corpusFile, querySets } from './lib/synthetic.mjs';

const DOCS = Number(process.env.BENCH_DOCS ?? 1_000_000);
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
const IN_MEMORY = (process.env.BENCH_IN_MEMORY ?? (DOCS <= 9_000_000 ? '1' : '0')) === '1';
const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-budget-'));
const mb = (b) => `${Math.round(b / 2 ** 20).toLocaleString('en-US')} MB`;

let index = process.env.BENCH_INDEX;
let built = null;
if (!index) {
  index = join(dir, 'index');
  const corpus = await corpusFile(DOCS);
  built = buildInChild(corpus, index, { threads: 2 });
}
const meta = readIndexMeta(index);
if (meta.docCount !== DOCS) throw new Error(`${index} holds ${meta.docCount} passages, not BENCH_DOCS=${DOCS}`);
const bytes = readdirSync(index).reduce((n, f) => n + statSync(join(index, f)).size, 0);
const needs = memoryNeeds(meta, false, 1);
const budget = process.env.BENCH_BUDGET
  ? parseByteSize(process.env.BENCH_BUDGET)
  : needs.index + needs.docids + needs.search + Math.floor(needs.postings / 4);
console.log(
  `${DOCS} passages: index ${mb(bytes)} (postings ${mb(needs.postings)}, term vectors ${mb(meta.vectorFiles.reduce((a, b) => a + b, 0))})` +
    `${built ? `, built in ${built.secs.toFixed(0)} s with a peak RSS of ${mb(built.maxRssMB * 2 ** 20)}` : ''}; in memory it needs ` +
    `${mb(needs.index + needs.docids + needs.postings + needs.search)} (dictionary, norms, ranks and checksums ${mb(needs.index)}, ` +
    `document ids ${mb(needs.docids)}, postings ${mb(needs.postings)}, search arrays ${mb(needs.search)}); budget ${mb(budget)}`,
);
const queries = join(dir, 'queries.json');
// the warm-up queries: the next ones of the seeded sets (other terms, mostly)
const sets = querySets(2 * QUERIES);
const half = (list, from) => list.slice(from, from + QUERIES);
writeFileSync(
  queries,
  JSON.stringify({
    short: half(sets.short, 0),
    expanded: half(sets.expanded, 0),
    warmup: { short: half(sets.short, QUERIES), expanded: half(sets.expanded, QUERIES) },
  }),
);

const search = (b) => {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, 'lib', 'search-child.mjs'), index, String(b), queries, String(PASSES)], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`search failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
};
const runs = { memory: [], disk: [] };
for (let round = 0; round < 2; round++) {
  if (IN_MEMORY) runs.memory.push({ ...search(0), load: loadavg()[0] });
  runs.disk.push({ ...search(budget), load: loadavg()[0] });
}
const best = (list, key, field = 'qps') => Math.max(...list.map((r) => r[field][key]));
const keys = Object.keys(runs.disk[0].qps);
const result = { docs: DOCS, indexBytes: bytes, budget, threads: 1 };
const rows = keys.map((key) => {
  const row = { 'queries@k': key };
  if (IN_MEMORY) {
    row['in memory q/s'] = best(runs.memory, key).toFixed(1);
    result[`memory.${key}.1t`] = best(runs.memory, key);
  }
  row['on disk, cached q/s'] = best(runs.disk, key).toFixed(1);
  row['on disk, first pass q/s'] = best(runs.disk, key, 'firstPassQps').toFixed(1);
  result[`disk.${key}.1t`] = best(runs.disk, key);
  result[`disk.firstPass.${key}.1t`] = best(runs.disk, key, 'firstPassQps');
  if (IN_MEMORY) row['cached / memory'] = `${(best(runs.disk, key) / best(runs.memory, key)).toFixed(2)}x`;
  return row;
});
console.table(rows);
for (const [mode, list] of Object.entries(runs)) {
  if (!list.length) continue;
  const rss = Math.max(...list.map((r) => r.maxRssMB));
  result[`${mode}.peakRssMB`] = rss;
  result[`${mode}.loadSecs`] = Math.min(...list.map((r) => r.loadSecs));
  console.log(
    `${mode === 'memory' ? 'in memory' : `on disk under ${mb(budget)}`}: peak RSS ${Math.round(rss)} MB, opened in ${result[`${mode}.loadSecs`].toFixed(1)} s ` +
      `(load ${list.map((r) => r.load.toFixed(1)).join(', ')}; postings on disk: ${list[0].onDemand}, document ids on disk: ${list[0].docidsOnDisk}, ` +
      `postings cache ${mb(list[0].cacheBytes)})`,
  );
}
const digests = new Set([...runs.memory, ...runs.disk].map((r) => r.hitsSha256));
result.sameAnswers = digests.size === 1;
if (IN_MEMORY) console.log(`answers in memory and on disk: ${result.sameAnswers ? 'identical' : 'DIFFERENT'}`);
if (!result.sameAnswers && IN_MEMORY) process.exitCode = 1;
if (!process.env.BENCH_INDEX) rmSync(dir, { recursive: true, force: true });
else rmSync(queries, { force: true });
console.log(`RESULT ${JSON.stringify(result)}`);
