// Where an index build's time goes, thread by thread: one build of the bench's synthetic corpus
// (as bench/index-speed.mjs builds it: a process of its own, huge pages, every CPU by default)
// under V8's sampling profiler (node --cpu-prof, which profiles the main thread and each indexing
// worker apart), each thread's self time summed by function. Shows how evenly the threads share
// the work: each one's idle time is time the build waited on another.
//
//   node bench/lib/profile-build.mjs [--threads N] [--docs N] [--no-vectors] [--least PERCENT]
//
// Prints the build's rate, phases, CPU and kernel time, then per thread its profiled time, idle and
// garbage-collection time, and the functions holding PERCENT (default 2) of its samples or more.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildInChild } from './build.mjs';
import { printSelfTimes, selfTimes } from './self-time.mjs';
import { corpusFile } from './synthetic.mjs';

const { values } = parseArgs({
  options: {
    threads: { type: 'string', default: String(availableParallelism()) },
    docs: { type: 'string', default: '1000000' },
    'no-vectors': { type: 'boolean', default: false },
    least: { type: 'string', default: '2' },
  },
});
const docs = Number(values.docs);
const corpus = await corpusFile(docs);
const work = mkdtempSync(join(tmpdir(), 'qexp-profile-build-'));
const profiles = join(work, 'profiles');
try {
  const r = buildInChild(corpus, join(work, 'index'), {
    threads: values.threads,
    vectors: !values['no-vectors'],
    nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-interval=500'],
  });
  const phases = Object.entries(r.phases)
    .map(([name, s]) => `${name} ${s.toFixed(2)} s`)
    .join(', ');
  console.log(
    `build of ${docs} passages on ${values.threads} thread(s)${values['no-vectors'] ? ', no term vectors' : ''}: ${r.secs.toFixed(2)} s ` +
      `(${Math.round(docs / r.secs)} passages/s; the profiler slows it), ${r.cpuSecs.toFixed(1)} CPU-s (${r.systemSecs.toFixed(1)} in the kernel), ` +
      `${r.pageFaults} page faults, peak RSS ${Math.round(r.maxRssMB)} MB\nphases: ${phases}`,
  );
  // CPU.<date>.<time>.<pid>.<thread id>.<sequence>.cpuprofile: thread 0 is the main thread
  const files = readdirSync(profiles)
    .filter((f) => f.endsWith('.cpuprofile'))
    .map((f) => ({ f, thread: Number(f.split('.')[4]) }))
    .sort((a, b) => a.thread - b.thread);
  for (const { f, thread } of files) {
    const profile = JSON.parse(readFileSync(join(profiles, f), 'utf8'));
    const times = selfTimes(profile);
    const secs = (profile.endTime - profile.startTime) / 1e6;
    const share = (name) => (times.byFunction.find(([n]) => n === name)?.[1] ?? 0) / times.total;
    console.log(
      `\nthread ${thread}${thread === 0 ? ' (main: reads the corpus, indexes batches, lays the files out)' : ' (worker)'}: ` +
        `${secs.toFixed(2)} s profiled, idle ${(share('(idle)') * secs).toFixed(2)} s, garbage collection ${(share('(garbage collector)') * secs).toFixed(2)} s`,
    );
    printSelfTimes(times, Number(values.least) / 100);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
