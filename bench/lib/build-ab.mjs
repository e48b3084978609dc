// Index builds of two checkouts alternating, each in a process of its own (build-child.mjs), on the
// bench's synthetic corpus: this machine's speed drifts by up to 2× within minutes, so only builds
// run side by side compare. Prints each build and the median of the paired ratios (B over A).
//
//   node bench/lib/build-ab.mjs A_ROOT [B_ROOT] [--threads N] [--rounds R] [--docs N] [--no-vectors] [--detach-a]
//
// A_ROOT and B_ROOT are checkouts with dist/ built (`git worktree add /tmp/a COMMIT && cd /tmp/a &&
// npm ci && npm run build`); B_ROOT defaults to this one. --detach-a makes A's process detach an
// ArrayBuffer before it builds (V8 checks typed-array accesses for detachment from then on);
// --no-vectors builds indexes without term vectors (`qexp index --no-vectors`).
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from './alternate.mjs';
import { buildInChild } from './build.mjs';
import { corpusFile } from './synthetic.mjs';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    docs: { type: 'string', default: '1000000' },
    'no-vectors': { type: 'boolean', default: false },
    'detach-a': { type: 'boolean', default: false },
  },
});
if (positionals.length < 1)
  throw new Error('usage: node bench/lib/build-ab.mjs A_ROOT [B_ROOT] [--threads N] [--rounds R] [--docs N] [--no-vectors] [--detach-a]');
const roots = { A: resolve(positionals[0]), B: resolve(positionals[1] ?? join(import.meta.dirname, '..', '..')) };
const corpus = await corpusFile(Number(values.docs));
const out = join(tmpdir(), `qexp-build-ab-${process.pid}`);
const detach = 'data:text/javascript,const b=new ArrayBuffer(8);structuredClone(b,{transfer:[b]});';

function build(name) {
  rmSync(out, { recursive: true, force: true });
  const nodeArgs = name === 'A' && values['detach-a'] ? ['--import', detach] : [];
  const r = buildInChild(corpus, out, { threads: values.threads, root: roots[name], nodeArgs, vectors: !values['no-vectors'] });
  rmSync(out, { recursive: true, force: true });
  const p = r.phases;
  console.log(
    `${name}: ${r.secs.toFixed(2)} s, ${r.cpuSecs.toFixed(1)} CPU-s (${r.systemSecs.toFixed(1)} in the kernel), ` +
      `${r.pageFaults} page faults, peak RSS ${r.maxRssMB.toFixed(0)} MB; analysis ${p.analysis.toFixed(2)} s, merge ${p.merge.toFixed(2)} s`,
  );
  return r;
}

const ratios = { secs: [], cpuSecs: [], analysis: [], merge: [] };
for (let round = 0; round < Number(values.rounds); round++) {
  // A first in even rounds, B first in odd ones: a build may leave the next one a different
  // machine (free huge pages, the page cache), which would otherwise favour one side
  const r = {};
  for (const name of round % 2 ? ['B', 'A'] : ['A', 'B']) r[name] = build(name);
  const { A: a, B: b } = r;
  ratios.secs.push(b.secs / a.secs);
  ratios.cpuSecs.push(b.cpuSecs / a.cpuSecs);
  ratios.analysis.push(b.phases.analysis / a.phases.analysis);
  ratios.merge.push(b.phases.merge / a.phases.merge);
}
for (const [key, xs] of Object.entries(ratios))
  console.log(`B/A ${key}: median ${median(xs).toFixed(3)} (${xs.map((x) => x.toFixed(2)).join(', ')})`);
