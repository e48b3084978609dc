// What group scoring's additions cost where a group keeps its scores: each query adds, window by
// window, ~110 runs of a segment's (slot, score) pairs picked from all the group's segments of
// that window, so the speed depends on how large that region is (which cache holds it). Times the
// built kernel's `addSegments` and `scan` (dist/retrieval/search/group-kernel.wasm) over regions of
// the sizes given, medians of 6 passes after a warm-up; kernel-ab.mjs times pairs already in cache.
//
//   node bench/lib/group-adds.mjs [REGION_MB ...]   (default 0.9 3.5 14)
//
// A group of 2,048 expanded queries at 1M passages has about 4.5 MB of pairs a window.
import { readFileSync } from 'node:fs';
import { median } from './alternate.mjs';
import { generator } from './synthetic.mjs';

const WINDOW = 1 << 14;
/** pairs of a segment in a window, on average, and segments a query adds */
const SEGMENT = 145;
const USES = 110;
const REPEAT = 3000;
const sizes = process.argv.slice(2).map(Number);
const wasm = readFileSync(new URL('../../dist/retrieval/search/group-kernel.wasm', import.meta.url));

for (const mb of sizes.length ? sizes : [0.9, 3.5, 14]) {
  const rand = generator(7);
  const segments = Math.round((mb * 2 ** 20) / (8 * SEGMENT));
  const lengths = Array.from({ length: segments }, () => Math.floor(SEGMENT * (0.2 + 1.6 * rand())));
  // 64 queries' segment lists, ascending as a group lays them out
  const choices = Array.from({ length: 64 }, () => {
    const s = new Set();
    while (s.size < Math.min(USES, segments)) s.add(Math.floor(rand() * segments));
    return [...s].sort((a, b) => a - b);
  });
  const k = new WebAssembly.Instance(new WebAssembly.Module(wasm), {}).exports;
  const accAt = 1 << 16;
  const outSlotsAt = accAt + 8 * WINDOW;
  const outSumsAt = outSlotsAt + 4 * WINDOW;
  const tableAt = outSumsAt + 8 * WINDOW;
  const segsAt = tableAt + 12 * segments;
  const pairsAt = segsAt + 4 * 64 * USES;
  k.memory.grow(Math.ceil((pairsAt + 8 * SEGMENT * 1.8 * segments) / 65536));
  const view = new DataView(k.memory.buffer);
  let at = pairsAt;
  lengths.forEach((n, s) => {
    view.setInt32(tableAt + 12 * s, at, true);
    view.setInt32(tableAt + 12 * s + 4, n, true);
    const slots = Array.from({ length: n }, () => Math.floor(rand() * WINDOW)).sort((a, b) => a - b);
    for (const slot of slots) {
      view.setInt32(at, slot, true);
      view.setFloat32(at + 4, (2 * rand()) / 10, true);
      at += 8;
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
  for (let pass = 0; pass < 7; pass++) {
    let a = 0;
    let b = 0;
    for (let r = 0; r < REPEAT; r++) {
      const t0 = performance.now();
      k.addSegments(accAt, segsAt + 4 * USES * (r & 63), choices[r & 63].length, tableAt);
      const t1 = performance.now();
      k.scan(accAt, WINDOW, 9.5, outSlotsAt, outSumsAt);
      b += performance.now() - t1;
      a += t1 - t0;
    }
    if (pass === 0) continue;
    add.push((a * 1e6) / (REPEAT * pairs));
    scan.push((b * 1e6) / (REPEAT * WINDOW));
  }
  console.log(
    `region ${((at - pairsAt) / 2 ** 20).toFixed(1)} MB a window: add ${median(add).toFixed(3)} ns a pair, scan ${median(scan).toFixed(3)} ns a document`,
  );
}
