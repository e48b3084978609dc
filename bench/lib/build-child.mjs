// Builds one index in a process of its own, so that the bench reads the build's own peak RSS and CPU time.
// Usage: node build-child.mjs CORPUS OUT ANALYZER THREADS [MEMORY_POSTINGS] [--no-vectors] → one JSON line on stdout.
import { readCorpus } from '../../dist/data/corpus.js';
import { getAnalyzer } from '../../dist/retrieval/analysis/analyzers.js';
import { buildIndex } from '../../dist/retrieval/index/build-index.js';

const args = process.argv.slice(2);
const vectors = !args.includes('--no-vectors');
const [corpus, out, analyzer, threads, memoryPostings] = args.filter((a) => a !== '--no-vectors');
const phases = {};
const t0 = performance.now();
const meta = await buildIndex(readCorpus(corpus), getAnalyzer(analyzer), out, {
  threads: Number(threads),
  vectors,
  ...(memoryPostings ? { memoryPostings: Number(memoryPostings) } : {}),
  onPhase: (name, secs) => {
    phases[name] = secs;
  },
});
const secs = (performance.now() - t0) / 1000;
const usage = process.resourceUsage();
console.log(
  JSON.stringify({
    secs,
    cpuSecs: (usage.userCPUTime + usage.systemCPUTime) / 1e6,
    systemSecs: usage.systemCPUTime / 1e6,
    pageFaults: usage.minorPageFault + usage.majorPageFault,
    maxRssMB: usage.maxRSS / 1024,
    phases,
    meta,
  }),
);
