// What a read at random in a large array costs on this machine: the index build's lookups in its
// term dictionary, its sorts and its merge read tables of tens of megabytes at random, so a
// machine's memory latency, and how many misses it overlaps, set much of the build's speed, and
// not Lucene's alike (qexp's other work per token is smaller). Compare machines with it before
// comparing their qexp / Lucene ratios.
//
//   node bench/lib/random-reads.mjs [MB]     (default 64: one thread's term table at 1M passages)
//
// Prints, for MB of Int32s on huge pages (as `qexp index` builds: hugePageEnv) and without, ns a
// read for independent reads (addresses known ahead: misses overlap, as the lookups' read-ahead
// lets them) and for dependent ones (each address from the last read: the full latency), best of 3.
import { spawnSync } from 'node:child_process';
import { hugePageEnv } from '../../dist/retrieval/index/build-process.js';

const MB = Number(process.argv[2] ?? 64);

if (process.env.QEXP_RANDOM_READS_CHILD) {
  const n = (MB << 20) >> 2;
  const a = new Int32Array(n).fill(1);
  const reads = 8_000_000;
  const at = new Int32Array(reads);
  let x = 12345;
  for (let i = 0; i < reads; i++) {
    x = (Math.imul(x, 1103515245) + 12345) | 0;
    at[i] = (x >>> 3) % n;
  }
  let independent = Infinity;
  let dependent = Infinity;
  let sink = 0;
  for (let round = 0; round < 3; round++) {
    let t0 = performance.now();
    for (let i = 0; i < reads; i++) sink ^= a[at[i]];
    independent = Math.min(independent, ((performance.now() - t0) * 1e6) / reads);
    t0 = performance.now();
    let p = 0;
    const chain = reads / 8;
    for (let i = 0; i < chain; i++) p = (at[i] + a[(at[i] + p) % n]) & 0xffff;
    dependent = Math.min(dependent, ((performance.now() - t0) * 1e6) / chain);
    sink ^= p;
  }
  console.log(`  independent ${independent.toFixed(1)} ns a read, dependent ${dependent.toFixed(1)} ns (${sink & 1})`);
} else {
  for (const [name, env] of [
    ['huge pages for malloc (as `qexp index` builds)', hugePageEnv(process.env) ?? process.env],
    ['default pages', { ...process.env, QEXP_HUGE_PAGES: '0', GLIBC_TUNABLES: '' }],
  ]) {
    console.log(`${name}, ${MB} MB:`);
    const r = spawnSync(process.execPath, [import.meta.filename, String(MB)], {
      env: { ...env, QEXP_RANDOM_READS_CHILD: '1' },
      encoding: 'utf8',
    });
    process.stdout.write(r.stdout + r.stderr);
  }
}
