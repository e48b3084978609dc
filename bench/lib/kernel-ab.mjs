// Group scoring's per-posting loops, `score`, `add` and `scan`, timed for two versions of the kernel's
// source in one process, passes alternating (medians of 6 after a warm-up pass): a change to the
// kernel is read off here, where this machine's drift cancels out, before the search benches.
//
//   node bench/lib/kernel-ab.mjs OLD.wat NEW.wat
//   (OLD.wat from git, e.g. git show COMMIT:src/retrieval/search/group-kernel.wat > /tmp/old.wat)
//
// Each pass scores 16,384 postings (sorted random slots of a 16,384-document window, the default
// GROUP_WINDOW) as 64 segments of 256, adds 16,384 (slot, score) pairs at random slots of the
// window and scans it with a cut few sums pass, 4,000 times. The kernels' scores must be equal.
import { readFileSync } from 'node:fs';
import wabtInit from 'wabt';
import { median } from './alternate.mjs';
import { generator } from './synthetic.mjs';

const files = process.argv.slice(2);
if (files.length < 2) throw new Error('usage: node bench/lib/kernel-ab.mjs OLD.wat NEW.wat');
const wabt = await wabtInit();
const WINDOW = 1 << 14;
const PAIRS = 1 << 14;
const REPEAT = 4000;
const SEGMENT = 256;

const kernels = files.map((file) => {
  const module = wabt.parseWat(file, readFileSync(file, 'utf8'));
  module.validate();
  const binary = module.toBinary({}).buffer;
  module.destroy();
  const k = new WebAssembly.Instance(new WebAssembly.Module(binary), {}).exports;
  k.memory.grow(200);
  const accAt = 1 << 16;
  const pairsAt = accAt + 8 * WINDOW;
  const outSlotsAt = pairsAt + 8 * 4 * PAIRS;
  const outSumsAt = outSlotsAt + 4 * WINDOW;
  const slotsAt = outSumsAt + 8 * WINDOW;
  const tfsAt = slotsAt + 4 * PAIRS;
  const normsAt = tfsAt + 4 * PAIRS;
  const scoredAt = normsAt + 4 * WINDOW;
  // the same seeded pairs in every kernel: four sets, taken in turn
  const view = new DataView(k.memory.buffer);
  const rand = generator(7);
  for (let i = 0; i < 4 * PAIRS; i++) {
    view.setInt32(pairsAt + 8 * i, Math.floor(rand() * WINDOW), true);
    view.setFloat32(pairsAt + 8 * i + 4, 2 * rand(), true);
  }
  // postings to score: a segment of 256 is 256 distinct sorted slots
  for (let i = 0; i < WINDOW; i++) view.setFloat32(normsAt + 4 * i, 0.2 + 2 * rand(), true);
  for (let seg = 0; seg < PAIRS / SEGMENT; seg++) {
    const slots = new Set();
    while (slots.size < SEGMENT) slots.add(Math.floor(rand() * WINDOW));
    [...slots]
      .sort((x, y) => x - y)
      .forEach((slot, i) => {
        view.setInt32(slotsAt + 4 * (seg * SEGMENT + i), slot, true);
        view.setInt32(tfsAt + 4 * (seg * SEGMENT + i), 1 + Math.floor(4 * rand() ** 3), true);
      });
  }
  return {
    k,
    accAt,
    pairsAt,
    outSlotsAt,
    outSumsAt,
    slotsAt,
    tfsAt,
    normsAt,
    scoredAt,
    score: [],
    add: [],
    scan: [],
    found: 0,
    most: 0,
  };
});

for (let pass = 0; pass < 7; pass++)
  for (const x of kernels) {
    let score = 0;
    let add = 0;
    let scan = 0;
    let found = 0;
    let most = 0;
    for (let r = 0; r < REPEAT; r++) {
      const ts = performance.now();
      for (let seg = 0; seg < PAIRS; seg += SEGMENT)
        most += x.k.score(x.slotsAt + 4 * seg, x.tfsAt + 4 * seg, SEGMENT, 1.5 + (r & 7), x.normsAt, x.scoredAt + 8 * seg);
      const t0 = performance.now();
      score += t0 - ts;
      x.k.add(x.accAt, x.pairsAt + 8 * PAIRS * (r & 3), PAIRS);
      const t1 = performance.now();
      found += x.k.scan(x.accAt, WINDOW, 9.5, 0, 0, x.outSlotsAt, x.outSumsAt);
      scan += performance.now() - t1;
      add += t1 - t0;
    }
    if (pass === 0) continue;
    x.score.push((score * 1e6) / (REPEAT * PAIRS));
    x.most = most;
    x.add.push((add * 1e6) / (REPEAT * PAIRS));
    x.scan.push((scan * 1e6) / (REPEAT * WINDOW));
    x.found = found;
  }
const scored = kernels.map((x) => Buffer.from(x.k.memory.buffer, x.scoredAt, 8 * PAIRS).toString('hex'));
if (new Set(scored).size > 1 || new Set(kernels.map((x) => x.most)).size > 1) throw new Error("the kernels' scores differ");
if (new Set(kernels.map((x) => x.found)).size > 1)
  throw new Error(`the kernels' scans found different counts: ${kernels.map((x) => x.found)}`);
const [a] = kernels;
files.forEach((file, i) => {
  const x = kernels[i];
  const vs = (m) => (i === 0 ? '' : ` (${(median(x[m]) / median(a[m])).toFixed(2)}×)`);
  console.log(
    `${file}: score ${median(x.score).toFixed(3)} ns a posting${vs('score')}, add ${median(x.add).toFixed(3)} ns a pair${vs('add')}, scan ${median(x.scan).toFixed(3)} ns a document${vs('scan')}`,
  );
});
