// What a first touch of fresh memory costs here, against a touch of memory already mapped: an index
// build touches some 1.2-1.5 GB of new buffers at 1M passages (postings and their sort buffers,
// dictionary tables, runs), and on a virtual machine each new page is a fault the host may have to
// back, so this cost can be a large share of a build's CPU time (its kernel time).
//
//   node bench/lib/fresh-pages.mjs [MB]
//
// Runs itself twice: as qexp's build process runs (huge pages for glibc's malloc: hugePageEnv) and
// without. Each line: the buffer kind, then ms per MB for the first touch (one write per 4 KiB page)
// and for a second touch of the same pages, in 5 rounds (a new buffer each). With huge pages the
// first touch is cheap when the kernel has 2 MB pages free and dear when it has to find them.
import { spawnSync } from 'node:child_process';
import { hugePageEnv } from '../../dist/retrieval/index/build-process.js';

const MB = Number(process.argv[2] ?? 256);
const INTS = (MB << 20) >> 2;

function touch(a) {
  const t = performance.now();
  for (let i = 0; i < a.length; i += 1024) a[i] = i;
  return (performance.now() - t) / MB;
}

const kinds = {
  ArrayBuffer: () => new Int32Array(INTS),
  SharedArrayBuffer: () => new Int32Array(new SharedArrayBuffer(4 * INTS)),
  'growable SharedArrayBuffer': () => {
    const b = new SharedArrayBuffer(4096, { maxByteLength: 4 * INTS });
    b.grow(4 * INTS);
    return new Int32Array(b, 0, INTS);
  },
  // the dictionary's table (dictionary-kernel.wat): V8 maps it itself, so never on huge pages here
  'shared WebAssembly.Memory': () =>
    new Int32Array(new WebAssembly.Memory({ initial: MB * 16, maximum: 65536, shared: true }).buffer, 0, INTS),
};

if (process.env.QEXP_FRESH_PAGES_CHILD) {
  for (const [name, make] of Object.entries(kinds)) {
    const first = [];
    const again = [];
    for (let round = 0; round < 5; round++) {
      const a = make();
      first.push(touch(a));
      again.push(touch(a));
    }
    const ms = (xs) => xs.map((x) => x.toFixed(2)).join(', ');
    console.log(`  ${name.padEnd(27)} first touch ${ms(first)} ms/MB; again ${ms(again)}`);
  }
} else {
  const huge = hugePageEnv();
  const runs = [
    ['huge pages for malloc (as `qexp index` builds)', huge],
    ['default pages', { ...process.env, QEXP_HUGE_PAGES: '0', GLIBC_TUNABLES: '' }],
  ];
  for (const [label, env] of runs) {
    if (!env) {
      console.log(`${label}: not available here`);
      continue;
    }
    console.log(`${label}, ${MB} MB buffers:`);
    const r = spawnSync(process.execPath, [import.meta.filename, String(MB)], {
      env: { ...env, QEXP_FRESH_PAGES_CHILD: '1' },
      encoding: 'utf8',
    });
    if (r.status !== 0) throw new Error(r.stderr);
    process.stdout.write(r.stdout);
  }
}
