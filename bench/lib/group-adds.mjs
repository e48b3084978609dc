// What group scoring's additions cost where a group keeps its scores: each query adds, window by
// window, ~110 runs of a segment's (slot, score) pairs picked from all the group's segments of
// that window, so the speed depends on how large that region is (which cache holds it). Times the
// built kernel's `addSegments` and `scan` (dist/retrieval/search/group-kernel.wasm) over regions of
// the sizes given, medians of 6 passes after a warm-up; kernel-ab.mjs times pairs already in cache.
//
//   node bench/lib/group-adds.mjs [REGION_MB ...]              (windows of 16,384; default 0.9 3.5 14)
//   node bench/lib/group-adds.mjs --windows [DOCUMENTS ...]    (default 16384 8192 4096 2048)
//
// A group of 2,048 expanded queries at 1M passages has up to 3.8 MB of pairs a window. With
// --windows, the same postings are cut into windows of each size: the region and each segment's
// run shrink with the window while a query still adds ~110 runs, and the figure that counts is
// the last, adds and scan together per pair added.
import { readFileSync } from 'node:fs';
import { median } from './alternate.mjs';
import { generator } from './synthetic.mjs';

const WINDOW = 1 << 14;
/** pairs of a segment in a 16,384-document window, on average, and segments a query adds */
const SEGMENT = 145;
const USES = 110;
/** query-windows timed per pass at windows of 16,384 (more at smaller windows: the same pairs) */
const REPEAT = 3000;
const REGION_MB = 3.5;
const args = process.argv.slice(2);
const byWindow = args[0] === '--windows';
const values = (byWindow ? args.slice(1) : args).map(Number);
const wasm = readFileSync(new URL('../../dist/retrieval/search/group-kernel.wasm', import.meta.url));

/** Times query-windows of `window` documents over a region of `mb` whose segments average `segment` pairs. */
function measure(window, mb, segment) {
  const rand = generator(7);
  const repeat = Math.round((REPEAT * WINDOW) / window);
  const segments = Math.round((mb * 2 ** 20) / (6 * segment));
  const lengths = Array.from({ length: segments }, () => Math.max(1, Math.floor(segment * (0.2 + 1.6 * rand()))));
  // 64 queries' segment lists, ascending as a group lays them out
  const choices = Array.from({ length: 64 }, () => {
    const s = new Set();
    while (s.size < Math.min(USES, segments)) s.add(Math.floor(rand() * segments));
    return [...s].sort((a, b) => a - b);
  });
  const k = new WebAssembly.Instance(new WebAssembly.Module(wasm), {}).exports;
  const accAt = 1 << 16;
  const outSlotsAt = accAt + 8 * window;
  const outSumsAt = outSlotsAt + 4 * window;
  const tableAt = outSumsAt + 8 * window;
  const segsAt = tableAt + 12 * segments;
  const pairsAt = segsAt + 4 * 64 * USES;
  k.memory.grow(Math.ceil((pairsAt + (6 * segment * 1.8 + 24) * segments) / 65536));
  const view = new DataView(k.memory.buffer);
  let at = pairsAt;
  // in scoreWindow's blocks: four slots (u16), then their four scores (f32), the last padded
  lengths.forEach((n, s) => {
    view.setInt32(tableAt + 12 * s, at, true);
    view.setInt32(tableAt + 12 * s + 4, n, true);
    const slots = Array.from({ length: n }, () => Math.floor(rand() * window)).sort((a, b) => a - b);
    for (let b = 0; b < n; b += 4) {
      for (let lane = 0; lane < 4; lane++) {
        view.setUint16(at + 2 * lane, b + lane < n ? slots[b + lane] : 0, true);
        view.setFloat32(at + 8 + 4 * lane, b + lane < n ? (2 * rand()) / 10 : 0, true);
      }
      at += 24;
    }
  });
  choices.forEach((c, i) => {
    c.forEach((s, j) => {
      view.setInt32(segsAt + 4 * (i * USES + j), s, true);
    });
  });
  let pairs = 0;
  for (const c of choices) for (const s of c) pairs += lengths[s];
  pairs /= choices.length;
  const add = [];
  const scan = [];
  const both = [];
  for (let pass = 0; pass < 7; pass++) {
    let a = 0;
    let b = 0;
    for (let r = 0; r < repeat; r++) {
      const t0 = performance.now();
      k.addSegments(accAt, segsAt + 4 * USES * (r & 63), choices[r & 63].length, tableAt, 0, 0);
      const t1 = performance.now();
      // a cut few sums pass, and k = 0: a top-k already full, as in nearly every window
      k.scan(accAt, window, 9.5, 0, 0, outSlotsAt, outSumsAt);
      b += performance.now() - t1;
      a += t1 - t0;
    }
    // the same calls untimed one by one: the timers cost more than a small window's work
    const t2 = performance.now();
    for (let r = 0; r < repeat; r++) {
      k.addSegments(accAt, segsAt + 4 * USES * (r & 63), choices[r & 63].length, tableAt, 0, 0);
      k.scan(accAt, window, 9.5, 0, 0, outSlotsAt, outSumsAt);
    }
    const c = performance.now() - t2;
    if (pass === 0) continue;
    add.push((a * 1e6) / (repeat * pairs));
    scan.push((b * 1e6) / (repeat * window));
    both.push((c * 1e6) / (repeat * pairs));
  }
  console.log(
    `window ${window}, region ${((at - pairsAt) / 2 ** 20).toFixed(1)} MB, ${pairs.toFixed(0)} pairs a query: ` +
      `add ${median(add).toFixed(3)} ns a pair, scan ${median(scan).toFixed(3)} ns a document, ` +
      `both ${median(both).toFixed(3)} ns a pair added`,
  );
}

if (byWindow)
  for (const w of values.length ? values : [16384, 8192, 4096, 2048]) measure(w, (REGION_MB * w) / WINDOW, (SEGMENT * w) / WINDOW);
else for (const mb of values.length ? values : [0.9, 3.5, 14]) measure(WINDOW, mb, SEGMENT);
