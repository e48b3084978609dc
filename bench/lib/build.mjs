// One qexp index build in a process of its own (build-child.mjs), with the environment `qexp index`
// gives its build process (huge pages for glibc's malloc: hugePageEnv), so that a bench measures the
// product's build and reads that build's own peak RSS and CPU time.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hugePageEnv } from '../../dist/retrieval/index/build-process.js';

/**
 * Builds CORPUS into OUT; returns build-child.mjs's figures ({secs, cpuSecs, systemSecs, pageFaults,
 * maxRssMB, phases, meta}). `vectors: false`: an index without term vectors. `root`: the checkout
 * whose build-child.mjs runs (another one for A/B runs); `nodeArgs`: options for node before the script.
 */
export function buildInChild(corpus, out, { analyzer = 'whitespace', threads, memoryPostings, vectors = true, root, nodeArgs = [] }) {
  const script = join(root ?? join(import.meta.dirname, '..', '..'), 'bench', 'lib', 'build-child.mjs');
  const args = [
    ...nodeArgs,
    script,
    corpus,
    out,
    analyzer,
    String(threads),
    ...(memoryPostings ? [String(memoryPostings)] : []),
    ...(vectors ? [] : ['--no-vectors']),
  ];
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 1 << 26, env: hugePageEnv() ?? process.env });
  if (r.status !== 0) throw new Error(`qexp index build failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}
