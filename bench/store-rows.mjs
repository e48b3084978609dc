// The store's row code against hand-written peers in the same process: the appender calls and the
// row decoding that tables.ts's declarations generate, and what store.ts wrote out by hand before
// them (feedback rows: fingerprint, qid, pool, sample, value, baseline). Then 200k feedback rows
// through DuckDB: appended, read back.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { appendRows, rowReader } from '../dist/store/columns.js';
import { Store } from '../dist/store/store.js';
import { FEEDBACK } from '../dist/store/tables.js';

const N = 200_000;
const rows = Array.from({ length: N }, (_, i) => ({ qid: `q${i % 5000}`, pool: 'p', sample: i, value: i / 7, baseline: 0.5 }));
const stored = rows.map((r) => ({ fingerprint: 'f', ...r }));
let sink = 0;
const app = {
  appendVarchar: (v) => (sink += v.length),
  appendInteger: (v) => (sink += v),
  appendDouble: (v) => (sink += v),
  appendNull: () => sink++,
  appendDefault: () => sink++,
  endRow: () => sink++,
};
const handAppend = () => {
  for (const r of rows) {
    app.appendVarchar('f');
    app.appendVarchar(r.qid);
    app.appendVarchar(r.pool);
    app.appendInteger(r.sample);
    app.appendDouble(r.value);
    app.appendDouble(r.baseline);
    app.endRow();
  }
};
const reader = rowReader(FEEDBACK, ['fingerprint']);
const handDecode = (r) => ({
  qid: String(r.qid),
  pool: String(r.pool),
  sample: Number(r.sample),
  value: Number(r.value),
  baseline: Number(r.baseline),
});

/** Median milliseconds of `f` over 7 runs after 3 warm-ups. */
function median(f) {
  for (let i = 0; i < 3; i++) f();
  const t = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return t.sort((a, b) => a - b)[3];
}

const report = (what, ours, peer) =>
  console.log(
    `${what}: generated ${ours.toFixed(1)} ms, hand-written ${peer.toFixed(1)} ms (ratio ${(ours / peer).toFixed(2)}) per ${N} rows`,
  );
report(
  'append calls',
  median(() => appendRows(app, FEEDBACK, rows, { fingerprint: 'f' })),
  median(handAppend),
);
report(
  'decode rows',
  median(() => stored.map(reader.decode)),
  median(() => stored.map(handDecode)),
);

const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-store-'));
try {
  const store = await Store.open(join(dir, 'qexp.duckdb'));
  const w = [];
  const r = [];
  for (let i = 0; i < 3; i++) {
    const fp = String(i).repeat(64);
    let t0 = performance.now();
    await store.appendFeedback(fp, rows);
    w.push(performance.now() - t0);
    t0 = performance.now();
    sink += (await store.feedback(fp)).length;
    r.push(performance.now() - t0);
  }
  store.close();
  const med = (a) => a.sort((x, y) => x - y)[1].toFixed(0);
  console.log(`through DuckDB (median of 3): appendFeedback ${med(w)} ms, feedback() read back ${med(r)} ms per ${N} rows`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (sink === -1) console.log(sink);
