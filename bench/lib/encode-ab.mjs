// The postings encoder (`encodeTermPostings`, the merge's last step for every posting) of two built
// checkouts, alternating in one process on the same synthetic postings: Zipfian dfs (400,000
// terms, ~30M postings over 1M documents), mostly tf 1. Checks first that both write the same
// words, then prints ns a posting per pass and the median of the paired ratios (B over A).
//
//   node bench/lib/encode-ab.mjs A_ROOT [B_ROOT] [PASSES=7]
//
// A_ROOT and B_ROOT are checkouts with dist/ built; B_ROOT defaults to this one.
import { resolve } from 'node:path';
import { median } from './alternate.mjs';

const [aRoot, bRoot = resolve(import.meta.dirname, '../..'), passesArg = '7'] = process.argv.slice(2);
if (!aRoot) throw new Error('usage: node bench/lib/encode-ab.mjs A_ROOT [B_ROOT] [PASSES]');
const codec = (root) => import(`${resolve(root)}/dist/retrieval/index/postings-codec.js`);
const sides = [await codec(aRoot), await codec(bRoot)];

const DOCS = 1_000_000;
let seed = 7;
const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
const norms = new Uint8Array(DOCS);
for (let i = 0; i < DOCS; i++) norms[i] = 100 + Math.floor(rnd() * 40);
const terms = [];
let total = 0;
for (let r = 1; r <= 400_000; r++) {
  const df = Math.max(1, Math.min(DOCS / 2, Math.floor(2_500_000 / r)));
  const docs = new Int32Array(df);
  const tfs = new Int32Array(df);
  const step = DOCS / df;
  for (let i = 0; i < df; i++) {
    docs[i] = Math.floor(i * step + rnd() * (step - 1));
    tfs[i] = rnd() < 0.85 ? 1 : 1 + Math.floor(rnd() * 4);
  }
  terms.push([docs, tfs]);
  total += df;
}

/** Encodes every term; returns ms and a checksum of the words written. */
function pass({ encodeTermPostings, WordWriter }) {
  const ww = new WordWriter();
  let sum = 0;
  const flush = () => {
    for (let i = 0; i < ww.length; i++) sum = (Math.imul(sum, 31) + ww.buf[i]) | 0;
    ww.length = 0;
  };
  let ms = 0;
  for (const [docs, tfs] of terms) {
    const t0 = performance.now();
    encodeTermPostings(docs, tfs, docs.length, norms, false, ww);
    ms += performance.now() - t0;
    if (ww.length > 1 << 20) flush();
  }
  flush();
  return { ms, sum };
}

console.log(`${terms.length} terms, ${total} postings`);
const ratios = [];
let sums = null;
for (let p = 0; p < Number(passesArg); p++) {
  const [a, b] = [pass(sides[0]), pass(sides[1])];
  if (a.sum !== b.sum) throw new Error(`A and B wrote different words (checksums ${a.sum} and ${b.sum})`);
  sums = a.sum;
  const ns = (r) => ((r.ms * 1e6) / total).toFixed(1);
  console.log(`pass ${p}: A ${ns(a)} ns a posting, B ${ns(b)}`);
  // the first pass warms up both sides' code
  if (p > 0) ratios.push(b.ms / a.ms);
}
console.log(`same words (checksum ${sums}); B/A time: median ${median(ratios).toFixed(3)} (${ratios.map((r) => r.toFixed(2)).join(', ')})`);
