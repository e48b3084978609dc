// The indexing threads' writing of term vectors to their temporary files (`ByteWriter.vector`, or
// a varint call a number in builds before it) timed for two builds of qexp in one process, passes
// alternating (medians of 9): 200,000 documents of 42 distinct terms, ids drawn as the synthetic
// corpus's thread dictionaries hold them (most small, up to 1.6M), tfs mostly 1.
//
//   node bench/lib/vector-write-ab.mjs OLD_DIST NEW_DIST
//
// Both builds must write the same bytes.
import { resolve } from 'node:path';
import { median } from './alternate.mjs';

const [oldDist, newDist] = process.argv.slice(2);
if (!oldDist || !newDist) throw new Error('usage: node bench/lib/vector-write-ab.mjs OLD_DIST NEW_DIST');
const builds = await Promise.all([oldDist, newDist].map((d) => import(resolve(d, 'retrieval/index/varint.js'))));
let seed = 3;
const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
const DOCS = 200_000;
const N = 42;
const ids = Int32Array.from({ length: DOCS * N }, () => Math.floor(rand() ** 2.2 * 1.6e6));
const tfs = Int32Array.from({ length: N }, () => (rand() < 0.1 ? 2 : 1));

// one loop per writing API, so that each sees one build's class (a loop shared by both would slow both)
function byVarint(w) {
  for (let d = 0; d < DOCS; d++) {
    w.varint(N);
    for (let q = 0; q < N; q++) {
      w.varint(ids[d * N + q]);
      w.varint(tfs[q]);
    }
    if (w.length > 1 << 22) w.length = 0;
  }
}
function byVector(w) {
  for (let d = 0; d < DOCS; d++) {
    w.vector(ids, d * N, tfs, N);
    if (w.length > 1 << 22) w.length = 0;
  }
}

/** Writes every document's vector as the inverter does; returns the ms and the bytes of the last 4 MB. */
function pass({ ByteWriter }) {
  const w = new ByteWriter();
  const t0 = performance.now();
  (w.vector ? byVector : byVarint)(w);
  return { ms: performance.now() - t0, bytes: Buffer.from(w.bytes()) };
}

const [a, b] = builds.map(pass);
if (!a.bytes.equals(b.bytes)) throw new Error('the builds write different bytes');
const times = [[], []];
for (let p = 0; p < 9; p++)
  builds.forEach((m, k) => {
    times[k].push(pass(m).ms);
  });
const [oldMs, newMs] = times.map(median);
const ns = (ms) => ((ms * 1e6) / (DOCS * N)).toFixed(2);
console.log(`${DOCS} documents of ${N} terms, one thread; medians of 9 alternating passes`);
console.log(`old ${ns(oldMs)} ns a term, new ${ns(newMs)}: new/old ${(newMs / oldMs).toFixed(3)}`);
