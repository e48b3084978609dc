// The merge of the indexing threads' runs into the postings (`mergeClaimed` over the whole term
// range, encoding included), timed for two builds of qexp in one process, passes alternating, on
// the bench's synthetic passages: each build inverts the first PASSAGES into THREADS threads'
// runs (batches of 4,000 dealt in turn, each thread's postings budget its share of the default
// 40 million), merges the dictionaries, then merges the runs ROUNDS times.
//
//   node bench/lib/merge-ab.mjs OLD_ROOT [NEW_ROOT] [--docs N] [--threads N] [--rounds R]
//   (OLD_ROOT: a checkout with dist/ built, e.g. `git worktree add /tmp/old COMMIT`; NEW_ROOT
//   defaults to this one)
//
// Both builds must write the same bytes and records. Prints each pass's time and the median of the
// paired ratios (new over old; `alternate.mjs` times the passes); of the inversion, only the
// threads' finish is timed, once a build.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { alternate, median, ratio } from './alternate.mjs';
import { corpusFile } from './synthetic.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    docs: { type: 'string', default: '1000000' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '7' },
  },
});
if (positionals.length < 1) throw new Error('usage: node bench/lib/merge-ab.mjs OLD_ROOT [NEW_ROOT] [--docs N] [--threads N] [--rounds R]');
const roots = { old: resolve(positionals[0]), new: resolve(positionals[1] ?? join(import.meta.dirname, '..', '..')) };
const docs = Number(values.docs);
const threads = Number(values.threads);
const BATCH = 4000;
const texts = readFileSync(await corpusFile(Math.max(docs, 1_000_000)), 'utf8')
  .split('\n', docs)
  .map((l) => l.slice(l.indexOf('\t') + 1));
const work = mkdtempSync(join(tmpdir(), 'qexp-merge-ab-'));

/** A build's runs inverted and its dictionaries merged; `merge()` merges the runs once and returns its ms. */
async function setUp(name) {
  const dist = join(roots[name], 'dist', 'retrieval');
  const { Inverter } = await import(join(dist, 'index', 'inverter.js'));
  const { mergeDictionaries } = await import(join(dist, 'index', 'merge-dictionaries.js'));
  const { FileByteWriter } = await import(join(dist, 'index', 'file-writer.js'));
  const { mergeClaimed, partPath } = await import(join(dist, 'index', 'merge-postings.js'));
  const analyzer = (await import(join(dist, 'analysis', 'analyzers.js'))).getAnalyzer('whitespace');
  const dir = join(work, name);
  mkdirSync(dir);
  const inverters = Array.from({ length: threads }, (_, t) => new Inverter(dir, `t${t}`, 40_000_000 / threads, undefined, false));
  for (let first = 0, b = 0; first < docs; first += BATCH, b++)
    inverters[b % threads].addBatch(first, texts.slice(first, first + BATCH), analyzer);
  // what finishing the threads takes (their last spill, the dictionaries' sort, the runs' tables)
  const t0 = performance.now();
  const dicts = inverters.map((inv) => inv.finish());
  const finishMs = performance.now() - t0;
  const termsOut = new FileByteWriter(join(dir, 'terms.txt'));
  // the id maps under whichever names this build gives them
  const { numTerms, remap: _, ...maps } = mergeDictionaries(dicts, termsOut);
  termsOut.close();
  const runs = dicts.flatMap((d, t) => d.runs.map((r) => ({ thread: t, ...r })));
  const norms = new SharedArrayBuffer(docs);
  new Uint8Array(norms).fill(7);
  const records = new SharedArrayBuffer(12 * numTerms);
  const merge = () => {
    const job = { ...maps, runs, norms, exact: false, bounds: Int32Array.of(0, numTerms), claims: new SharedArrayBuffer(8), records, dir };
    const t0 = performance.now();
    mergeClaimed(job);
    return performance.now() - t0;
  };
  console.log(
    `${name}: ${runs.length} runs (${runs.filter((r) => r.packed).length} packed), ${numTerms} terms; the threads' finish ${finishMs.toFixed(0)} ms`,
  );
  return { merge, bytes: () => readFileSync(partPath(dir, 0)), records: () => new Uint32Array(records) };
}

try {
  const builds = { old: await setUp('old'), new: await setUp('new') };
  // after a warm-up merge of each, passes alternate which build merges first
  const got = await alternate(
    ['old', 'new'].map((key) => ({ key, count: 1, run: builds[key].merge })),
    Number(values.rounds),
  );
  const ms = { old: got.old.rates.map((rate) => 1000 / rate), new: got.new.rates.map((rate) => 1000 / rate) };
  ms.old.forEach((o, i) => {
    const n = ms.new[i];
    console.log(`pass ${i + 1}: old ${o.toFixed(0)} ms, new ${n.toFixed(0)} ms, new/old ${(n / o).toFixed(3)}`);
  });
  if (!builds.old.bytes().equals(builds.new.bytes())) throw new Error('the two builds merged different postings');
  if (!Buffer.from(builds.old.records().buffer).equals(Buffer.from(builds.new.records().buffer)))
    throw new Error('the two builds gave different term records');
  console.log(
    `${docs} passages on ${threads} threads: old ${median(ms.old).toFixed(0)} ms, new ${median(ms.new).toFixed(0)} ms (medians); ` +
      `new/old median of paired ratios ${ratio(got.old, got.new).paired.toFixed(3)}; postings and records the same`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
