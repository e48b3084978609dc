// Where group scoring's time goes, kernel function by kernel function: one group of the bench's
// queries scored by `groupTopK` with each of the kernel's functions timed around its calls, and
// the work they did counted (pairs added, additions pruning saved, candidates completed). V8's
// sampling profiler (profile-search.mjs) puts much of a WebAssembly function's time under its
// js-to-wasm wrapper, and cannot say which of two functions of one signature ran.
//
//   node bench/lib/group-calls.mjs INDEX_DIR [K=10] [PASSES=3] [GROUP=2000] [QUERIES=feedback]
//
// QUERIES: `feedback` (feedback-speed.mjs's candidates) or `expanded`. Prints, for the fastest of
// the passes after a warm-up, each function's calls, milliseconds and share of the pass, then the
// counts per query. The timers add ~0.1 µs a call: read shares, not the pass's speed.
// INDEX_DIR: the bench corpus indexed with the whitespace analyzer (see group-tuning.mjs).
import { groupKernel } from '../../dist/retrieval/search/group-kernel.js';
import { groupTopK } from '../../dist/retrieval/search/group-search.js';
import { groupQueries } from './group-queries.mjs';

const [dir, kArg = '10', passesArg = '3', groupArg = '2000', which = 'feedback'] = process.argv.slice(2);
if (!dir) throw new Error('usage: node bench/lib/group-calls.mjs INDEX_DIR [K] [PASSES] [GROUP] [QUERIES]');
const k = Number(kArg);
const group = Number(groupArg);
const { reader, searcher, queries, exact } = groupQueries(dir, k, group, which);

const inner = groupKernel();
const plain = inner.run;
let ms = {};
let calls = {};
let counts = {};
const count = (key, n) => {
  counts[key] = (counts[key] ?? 0) + n;
};
const i32 = () => new Int32Array(inner.buffer);
// the counts read the kernel's memory as the window loop laid it out (group-kernel.wat documents it)
const before = {
  addSegments: (_acc, segs, n, table, _pairs, sparse) => {
    const m = i32();
    for (let i = 0; i < n; i++) count('pairs added', m[(table >> 2) + 3 * m[(segs >> 2) + i] + 1]);
    count('pairs added', sparse);
  },
  scan: (_acc, width, _cut, kk, heap) => {
    count('documents scanned', width);
    if (kk === 0 && heap === 0) count('MaxScore scans', 1);
  },
  complete: (_slots, _sums, n) => count('candidates completed', n),
};
const after = {
  nonEssential: ([, split, , , , scratch]) => count('additions pruning saved', i32()[(scratch >> 2) + 4 * split]),
};
const run = {};
for (const [name, f] of Object.entries(plain)) {
  if (typeof f !== 'function') continue;
  run[name] = (...args) => {
    before[name]?.(...args);
    const t0 = performance.now();
    const r = f(...args);
    ms[name] = (ms[name] ?? 0) + performance.now() - t0;
    calls[name] = (calls[name] ?? 0) + 1;
    after[name]?.(args);
    return r;
  };
}
// the kernel with its functions timed: the rest (memory, buffers) is the kernel's own
const kernel = new Proxy(inner, {
  get(target, p) {
    if (p === 'run') return run;
    const v = Reflect.get(target, p, target);
    return typeof v === 'function' ? v.bind(target) : v;
  },
});

let best;
for (let pass = 0; pass <= Number(passesArg); pass++) {
  ms = {};
  calls = {};
  counts = {};
  const t0 = performance.now();
  groupTopK(queries, k, searcher.kernelNorms, reader.docOrder, exact, searcher.niOfNorm, { kernel });
  const total = performance.now() - t0;
  if (pass > 0 && (!best || total < best.total)) best = { total, ms, calls, counts };
}
const inKernel = Object.values(best.ms).reduce((a, b) => a + b, 0);
console.log(
  `${group} ${which} queries, top-${k}, ${reader.meta.docCount} passages: fastest of ${passesArg} passes ${best.total.toFixed(0)} ms ` +
    `(${((1000 * group) / best.total).toFixed(0)} queries/s under the timers), ${((100 * inKernel) / best.total).toFixed(1)}% in the kernel`,
);
console.table(
  Object.entries(best.ms)
    .sort((a, b) => b[1] - a[1])
    .map(([name, t]) => ({ function: name, calls: best.calls[name], ms: Math.round(t), share: `${((100 * t) / best.total).toFixed(1)}%` })),
);
console.table(Object.entries(best.counts).map(([what, n]) => ({ what, 'per query': Math.round(n / group), 'in all': n })));
console.log(`the kernel's memory after the group: ${(inner.buffer.byteLength / 2 ** 20).toFixed(0)} MiB`);
