// What a snapshot for readers costs `qexp run` (src/store/snapshot.ts): CHECKPOINT + copy + fsync
// + rename of the store, against its peer, a plain copy of the same file (cp), at the sizes given
// (default 100 MB and 1 GB; `node bench/store-snapshot.mjs 2000` for 2 GB). The store is filled
// with generations of incompressible text, as a large generate stage writes them. Each publish
// follows a committed change (the publisher skips an unchanged store), as after a stage in a run.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DuckDBInstance } from '@duckdb/node-api';
import { openStoreForReading } from '../dist/store/open-for-reading.js';
import { snapshotPathOf } from '../dist/store/snapshot.js';
import { Store } from '../dist/store/store.js';

const sizesMb = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-snapshot-'));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mb = (bytes) => bytes / 1e6;

try {
  for (const target of sizesMb.length ? sizesMb : [100, 1000]) {
    const path = join(dir, `s${target}.duckdb`);
    (await Store.open(path)).close(); // the schema
    // ~600 bytes of hex per row; DuckDB stores it at roughly half that
    const rows = Math.round((target * 1e6) / 330);
    const fill = await DuckDBInstance.create(path);
    const conn = await fill.connect();
    await conn.run(
      `INSERT INTO generations SELECT 'g' || (i // 100000), 'q' || i, 0,
           md5(i::VARCHAR) || md5((i + 1)::VARCHAR) || md5((i + 2)::VARCHAR) || md5((i + 3)::VARCHAR) || md5((i * 7)::VARCHAR) ||
           md5((i * 11)::VARCHAR) || md5((i * 13)::VARCHAR) || md5((i * 17)::VARCHAR) || md5((i * 19)::VARCHAR) || md5((i * 23)::VARCHAR) ||
           md5((i * 29)::VARCHAR) || md5((i * 31)::VARCHAR) || md5((i * 37)::VARCHAR) || md5((i * 41)::VARCHAR) || md5((i * 43)::VARCHAR) ||
           md5((i * 47)::VARCHAR) || md5((i * 53)::VARCHAR) || md5((i * 59)::VARCHAR), NULL FROM range(?) t(i)`,
      [rows],
    );
    conn.closeSync();
    fill.closeSync();
    const store = await Store.open(path);
    const bytes = statSync(path).size;

    const publish = [];
    for (let i = 0; i < 3; i++) {
      await store.put(`/bench/${i}`, i, i, 'x'.repeat(64)); // a change, as a stage's end makes one
      publish.push(await store.publishSnapshot({ pid: process.pid, runId: 'bench', command: 'bench' }));
    }
    const copy = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      execFileSync('cp', [path, join(dir, 'peer.duckdb')]);
      copy.push(performance.now() - t0);
      rmSync(join(dir, 'peer.duckdb'));
    }
    // a reader while the store is held: lock conflict, then the snapshot opened and read
    const read = [];
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await openStoreForReading(path, { waitSeconds: 0 });
      await r.generationStats('f'.repeat(64));
      r.close();
      read.push(performance.now() - t0);
    }
    store.close();
    const held = median(publish.map((t) => t.heldMs));
    const p = median(publish.map((t) => t.totalMs));
    const c = median(copy);
    console.log(
      `store ${mb(bytes).toFixed(0)} MB: publish ${p.toFixed(0)} ms in all (${(mb(bytes) / (p / 1000)).toFixed(0)} MB/s), ` +
        `of which the store's other calls wait ${held.toFixed(0)} ms (checkpoint + copy; then fsync + rename); ` +
        `cp ${c.toFixed(0)} ms (ratio of the wait to cp ${(held / c).toFixed(2)}); ` +
        `a reader opens the snapshot in ${median(read).toFixed(0)} ms; ` +
        `at most one publish per ${((20 * held) / 1000).toFixed(1)} s of run (throttle: 20 × the wait, ≥ 1 s)`,
    );
    rmSync(path, { force: true });
    rmSync(snapshotPathOf(path), { force: true });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
