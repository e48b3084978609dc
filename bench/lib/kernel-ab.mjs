// Group scoring's two per-query loops, `add` and `scan`, timed for two versions of the kernel's
// source in one process, passes alternating (medians of 6 after a warm-up pass): a change to the
// kernel is read off here, where this machine's drift cancels out, before the search benches.
//
//   node bench/lib/kernel-ab.mjs OLD.wat NEW.wat
//   (OLD.wat from git, e.g. git show COMMIT:src/retrieval/search/group-kernel.wat > /tmp/old.wat)
//
// Each pass adds 16,384 (slot, score) pairs at random slots of a 16,384-document window (the
// default GROUP_WINDOW) and scans the window with a cut few sums pass, 4,000 times.
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
  // the same seeded pairs in every kernel: four sets, taken in turn
  const view = new DataView(k.memory.buffer);
  const rand = generator(7);
  for (let i = 0; i < 4 * PAIRS; i++) {
    view.setInt32(pairsAt + 8 * i, Math.floor(rand() * WINDOW), true);
    view.setFloat32(pairsAt + 8 * i + 4, 2 * rand(), true);
  }
  return { k, accAt, pairsAt, outSlotsAt, outSumsAt, add: [], scan: [], found: 0 };
});

for (let pass = 0; pass < 7; pass++)
  for (const x of kernels) {
    let add = 0;
    let scan = 0;
    let found = 0;
    for (let r = 0; r < REPEAT; r++) {
      const t0 = performance.now();
      x.k.add(x.accAt, x.pairsAt + 8 * PAIRS * (r & 3), PAIRS);
      const t1 = performance.now();
      found += x.k.scan(x.accAt, WINDOW, 9.5, x.outSlotsAt, x.outSumsAt);
      scan += performance.now() - t1;
      add += t1 - t0;
    }
    if (pass === 0) continue;
    x.add.push((add * 1e6) / (REPEAT * PAIRS));
    x.scan.push((scan * 1e6) / (REPEAT * WINDOW));
    x.found = found;
  }
if (new Set(kernels.map((x) => x.found)).size > 1)
  throw new Error(`the kernels' scans found different counts: ${kernels.map((x) => x.found)}`);
const [a] = kernels;
files.forEach((file, i) => {
  const x = kernels[i];
  const vs = (m) => (i === 0 ? '' : ` (${(median(x[m]) / median(a[m])).toFixed(2)}×)`);
  console.log(
    `${file}: add ${median(x.add).toFixed(3)} ns a pair${vs('add')}, scan ${median(x.scan).toFixed(3)} ns a document${vs('scan')}`,
  );
});
