// The indexing threads' term lookups (`TermDictionary.lookup`: every token of a batch to its term
// id, new terms added) and the sort and listing of their dictionary at the end (what the inverter's
// `finish` asks: `sorted`, or `sortedIds` then `unitsOf` in builds before it), then the merge of
// every thread's listed dictionary (`mergeDictionaries`: terms.txt and the id maps), timed for two
// builds of qexp in one process, passes alternating (each lookup pass a new dictionary fed the
// same batches, so that its table grows as a build's does), on the bench's synthetic passages:
// one thread's share of a build on THREADS threads (every THREADS-th batch of 4,000) out of the
// first PASSAGES.
//
//   node bench/lib/dictionary-ab.mjs OLD_DIST NEW_DIST [PASSAGES] [THREADS]
//   (OLD_DIST: the dist folder of a worktree at the older commit, built with
//   npx tsc -p tsconfig.build.json; PASSAGES default 1,000,000, THREADS default 2)
//
// Both builds must give every token the same id, sort the terms alike and merge them alike. Prints each pass's
// time, the medians and the paired ratios (new over old); the tokenizing before each lookup is not
// timed.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { median } from './alternate.mjs';
import { corpusFile } from './synthetic.mjs';

const [oldDist, newDist, passagesArg, threadsArg] = process.argv.slice(2);
if (!oldDist || !newDist) throw new Error('usage: node bench/lib/dictionary-ab.mjs OLD_DIST NEW_DIST [PASSAGES] [THREADS]');
const passages = Number(passagesArg ?? 1_000_000);
const threads = Number(threadsArg ?? 2);
const builds = await Promise.all([oldDist, newDist].map((d) => import(resolve(d, 'retrieval/index/term-dictionary.js'))));
const merges = await Promise.all([oldDist, newDist].map((d) => import(resolve(d, 'retrieval/index/merge-dictionaries.js'))));
const { FileByteWriter } = await import(resolve(newDist, 'retrieval/index/file-writer.js'));
const lines = readFileSync(await corpusFile(1_000_000), 'utf8').split('\n', passages);
const BATCH = 4000;
/** Thread t's batches: every threads-th batch from its t-th. */
const batchesOf = (t) => {
  const out = [];
  for (let b = t * BATCH; b < lines.length; b += threads * BATCH)
    out.push(lines.slice(b, b + BATCH).map((l) => l.slice(l.indexOf('\t') + 1)));
  return out;
};
const batches = batchesOf(0);

/** One pass: a new dictionary fed every batch; returns the lookups' ms, the terms, and (when asked) every token's id. */
function pass({ TermDictionary, TokenRanges }, keep = false, own = batches) {
  const dict = new TermDictionary();
  const tokens = new TokenRanges();
  let ids = new Int32Array(1 << 20);
  const kept = [];
  let ms = 0;
  for (const texts of own) {
    tokens.reset();
    tokens.src = texts;
    for (let i = 0; i < texts.length; i++) tokens.pushWhitespace(i);
    if (ids.length < tokens.n) ids = new Int32Array(2 * tokens.n);
    const t0 = performance.now();
    dict.lookup(tokens, ids);
    ms += performance.now() - t0;
    if (keep) kept.push(ids.slice(0, tokens.n));
  }
  return { ms, terms: dict.size, kept, dict };
}

const [a, b] = builds.map((m) => pass(m, true));
if (a.terms !== b.terms) throw new Error(`the builds found ${a.terms} and ${b.terms} terms`);
a.kept.forEach((ids, k) => {
  const other = b.kept[k];
  for (let i = 0; i < ids.length; i++)
    if (ids[i] !== other[i]) throw new Error(`the builds gave token ${i} of batch ${k + 1} ids ${ids[i]} and ${other[i]}`);
});
/** Each build's passes' ms, new over old pass by pass. */
function report(what, times) {
  for (const [k, t] of times.entries())
    console.log(`${what}, ${k ? 'new' : 'old'} ms: ${t.map(Math.round).join(' ')}; median ${Math.round(median(t))}`);
  const ratios = times[1].map((t, i) => t / times[0][i]);
  console.log(`${what}, new/old pass by pass: ${ratios.map((r) => r.toFixed(2)).join(' ')}; median ${median(ratios).toFixed(3)}`);
}
const tokens = a.kept.reduce((n, ids) => n + ids.length, 0);
console.log(`${batches.length} batches (${tokens} tokens, ${a.terms} terms): one thread's share of ${passages} passages on ${threads}`);
const lookups = [[], []];
for (let p = 0; p < 7; p++)
  builds.forEach((m, k) => {
    lookups[k].push(pass(m).ms);
  });
report('lookups', lookups);
/** A dictionary's ids in order, and their code units and ends, as the inverter's finish lists them. */
const listed = (dict) => {
  if (dict.sorted) return dict.sorted();
  const ids = dict.sortedIds();
  return { ids, ...dict.unitsOf(ids) };
};
const [x, y] = [a, b].map((r) => listed(r.dict));
for (const key of ['ids', 'units', 'ends'])
  for (let i = 0; i < x[key].length; i++)
    if (x[key][i] !== y[key][i]) throw new Error(`the builds list the terms' ${key} differently from place ${i}`);
const sorts = [[], []];
for (let p = 0; p < 7; p++)
  [a, b].forEach((r, k) => {
    const t0 = performance.now();
    listed(r.dict);
    sorts[k].push(performance.now() - t0);
  });
report('sort and listing', sorts);

// every thread's dictionary listed (the others made by the old build: their input only), then merged
const dicts = [x, ...Array.from({ length: threads - 1 }, (_, t) => listed(pass(builds[0], false, batchesOf(t + 1)).dict))].map((l) => ({
  runs: [],
  df: new Int32Array(l.ids.length),
  ...l,
}));
const dir = mkdtempSync(join(tmpdir(), 'qexp-dictionary-ab-'));
const merged = [[], []];
const outputs = [];
for (let p = 0; p < 8; p++)
  merges.forEach((m, k) => {
    const file = join(dir, `terms-${k}.txt`);
    const w = new FileByteWriter(file, true);
    const t0 = performance.now();
    const r = m.mergeDictionaries(dicts, w);
    w.close();
    if (p > 0) merged[k].push(performance.now() - t0);
    else
      outputs[k] = [readFileSync(file), ...r.remap, ...r.localOf.map((b) => new Int32Array(b))].map((v) =>
        Buffer.from(v.buffer, v.byteOffset, v.byteLength),
      );
  });
rmSync(dir, { recursive: true, force: true });
if (!outputs[0].every((v, i) => v.equals(outputs[1][i]))) throw new Error('the builds merge the dictionaries differently');
console.log(`${threads} dictionaries of ${dicts.map((d) => d.ids.length).join(', ')} terms`);
report('merge', merged);
