// The whitespace analyzer's scan of the indexing threads (`TokenRanges.pushWhitespaceAll`, or
// `pushWhitespace` a document at a time in builds before it: tokens cut, hashed and their first
// code units kept) timed for two builds of qexp in one process,
// passes alternating (medians of 6 after a warm-up pass), on the bench's synthetic passages.
//
//   node bench/lib/tokens-ab.mjs OLD_DIST NEW_DIST [PASSAGES]
//   (OLD_DIST: the dist folder of a worktree at the older commit, built with
//   npx tsc -p tsconfig.build.json; PASSAGES default 200,000)
//
// Both builds must give the same tokens, hashes and code units.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { median } from './alternate.mjs';
import { corpusFile } from './synthetic.mjs';

const [oldDist, newDist, passagesArg] = process.argv.slice(2);
if (!oldDist || !newDist) throw new Error('usage: node bench/lib/tokens-ab.mjs OLD_DIST NEW_DIST [PASSAGES]');
const passages = Number(passagesArg ?? 200_000);
const builds = await Promise.all([oldDist, newDist].map((d) => import(resolve(d, 'retrieval/index/term-dictionary.js'))));
// the first passages of the 1M corpus (made if absent), as the index bench reads them
const lines = readFileSync(await corpusFile(1_000_000), 'utf8').split('\n', passages);
const texts = lines.map((l) => l.slice(l.indexOf('\t') + 1));
let units = 0;
for (const t of texts) units += t.length;
const BATCH = 4000;

/** One pass over the texts in the builder's batches; returns ms, and each batch's tokens when asked for. */
function pass({ TokenRanges }, keep = false) {
  const kept = [];
  let t = new TokenRanges();
  const t0 = performance.now();
  for (let b = 0; b < texts.length; b += BATCH) {
    if (keep) t = new TokenRanges();
    t.reset();
    const batch = texts.slice(b, b + BATCH);
    t.src = batch;
    // the whole batch at once where the build has it (the token kernel), as the inverter cuts it
    if (t.pushWhitespaceAll) t.pushWhitespaceAll(new Int32Array(batch.length));
    else for (let i = 0; i < batch.length; i++) t.pushWhitespace(i);
    if (keep) kept.push(t);
  }
  return { ms: performance.now() - t0, kept };
}

const [olds, news] = builds.map((m) => pass(m, true).kept);
olds.forEach((a, k) => {
  const b = news[k];
  const where = `batch ${k + 1}`;
  if (a.n !== b.n) throw new Error(`the builds cut different tokens in ${where}: ${a.n} against ${b.n}`);
  for (const key of ['from', 'len', 'hash'])
    for (let i = 0; i < a.n; i++) if (a[key][i] !== b[key][i]) throw new Error(`the builds differ in ${key} of token ${i} of ${where}`);
  for (let i = 0; i < 4 * a.n; i++)
    if (a.inline[i] !== b.inline[i]) throw new Error(`the builds differ in the code units of token ${i >> 2} of ${where}`);
});

const times = [[], []];
for (let p = 0; p < 6; p++)
  builds.forEach((m, k) => {
    times[k].push(pass(m).ms);
  });
const [oldMs, newMs] = times.map(median);
console.log(`${passages} passages, ${units} code units, one thread; medians of 6 alternating passes`);
console.log(
  `old ${((oldMs * 1e6) / units).toFixed(2)} ns a code unit, new ${((newMs * 1e6) / units).toFixed(2)}: new/old ${(newMs / oldMs).toFixed(3)}`,
);
