// Indexing speed and memory against Lucene 8, on the seeded synthetic corpus of
// bench/lib/synthetic.mjs (its header says how it is drawn).
//
//   BENCH_DOCS       passages (default 1,000,000, the issue's scale; 8,841,823 for MS MARCO v1's)
//   BENCH_PASSES     rounds (default 3); each round builds with qexp, then with Lucene
//   BENCH_ANALYZER   whitespace (default: the corpus is pre-analyzed text) or english
//   BENCH_LUCENE     0 to leave Lucene out
//   BENCH_LUCENE_RAM_MB  Lucene's indexing buffer (default 1024)
//   BENCH_LUCENE_THREADS 0 to leave out Lucene's builds on every CPU (default: on, with several CPUs)
//   BENCH_ONE_THREAD 0 to leave out qexp's build on one thread (default: on, with several CPUs)
//   BENCH_NO_VECTORS 0 to leave out qexp's builds without term vectors (`qexp index --no-vectors`)
//   QEXP_HUGE_PAGES  0 to build without huge pages (as `qexp index` then does), and run Lucene's JVM
//                    without -XX:+UseTransparentHugePages
//
// qexp builds on every CPU (`qexp index`'s default), and on one thread, with term vectors and without
// them (`--no-vectors`, each compared with Lucene built the same way), in a process of its own
// (bench/lib/build-child.mjs), so that its peak RSS and CPU time are the build's, with the
// environment `qexp index` gives its build process (hugePageEnv: glibc's malloc on huge pages). Lucene 8 (Debian's liblucene8-java jars, installed as
// root when missing, as the search benches install them; compiled against by bench/peers/LuceneIndex.java, which says what its documents hold: the same content as
// qexp's index, frequencies and term vectors) indexes on one thread in one JVM kept between passes,
// with and without term vectors; a second JVM indexes on every CPU, so that qexp on N threads also
// meets Lucene on N threads (the issue's target compares qexp's per-thread rate with Lucene on one). The passes alternate, since this machine's speed swings by up to 2x
// within minutes; each figure is given as best and median. Also printed: the analyzer alone on one
// thread (tokenizing every passage and nothing else), and so the share of the build's CPU time that is
// not analysis, the part the index code owns.
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { readCorpus } from '../dist/data/corpus.js';
import { getAnalyzer } from '../dist/retrieval/analysis/analyzers.js';
import { median } from './lib/alternate.mjs';
import { buildInChild } from './lib/build.mjs';
import { corpusFile } from './lib/synthetic.mjs';
import { luceneJars } from './peers/lucene-peer.mjs';

const DOCS = Number(process.env.BENCH_DOCS ?? 1_000_000);
const PASSES = Number(process.env.BENCH_PASSES ?? 3);
const ANALYZER = process.env.BENCH_ANALYZER ?? 'whitespace';
const RAM_MB = Number(process.env.BENCH_LUCENE_RAM_MB ?? 1024);
const cpus = availableParallelism();
const corpus = await corpusFile(DOCS);
const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-index-'));
const load = () => loadavg()[0].toFixed(1);

/** The Lucene peer: a JVM that indexes the corpus on THREADS threads once per line it is sent, or null (with the reason printed). */
function startLucene(threads) {
  if (process.env.BENCH_LUCENE === '0') return null;
  const jars = luceneJars();
  if (!jars) return null;
  const classes = join(import.meta.dirname, '.peers', 'lucene');
  mkdirSync(classes, { recursive: true });
  const cp = jars.join(':');
  execFileSync('javac', ['-d', classes, '-cp', cp, join(import.meta.dirname, 'peers', 'LuceneIndex.java')]);
  // one thread: serial GC and merges in the indexing thread (SerialMergeScheduler); several: the
  // throughput collector on those threads
  const gc = threads === 1 ? ['-XX:+UseSerialGC'] : ['-XX:+UseParallelGC', `-XX:ParallelGCThreads=${threads}`];
  // huge pages for the JVM's heap too, as qexp's build has them for its buffers
  const pages = process.platform === 'linux' && process.env.QEXP_HUGE_PAGES !== '0' ? ['-XX:+UseTransparentHugePages'] : [];
  const args = ['-Xmx3g', ...gc, ...pages, '-cp', `${cp}:${classes}`, 'LuceneIndex', String(RAM_MB), ANALYZER, String(threads)];
  const jvm = spawn('java', args, {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: jvm.stdout });
  const waiting = [];
  lines.on('line', (line) => {
    const pass = waiting.shift();
    const r = JSON.parse(line);
    if (r.docs === DOCS) pass?.resolve(r);
    else pass?.reject(new Error(`Lucene on ${threads} thread(s) indexed ${r.docs} of ${DOCS} passages`));
  });
  // a JVM that dies (out of memory, say) answers no more passes: fail them rather than wait forever
  let exited = null;
  jvm.on('exit', (code, signal) => {
    exited = new Error(`Lucene's JVM (${threads} thread(s)) exited (${signal ?? code}); what it printed, if anything, is above`);
    for (const pass of waiting.splice(0)) pass.reject(exited);
  });
  return {
    index(out, vectors) {
      return new Promise((resolve, reject) => {
        if (exited) return reject(exited);
        waiting.push({ resolve, reject });
        jvm.stdin.write(`${corpus} ${out} ${vectors ? 1 : 0}\n`);
      });
    },
    close() {
      jvm.stdin.end();
    },
  };
}

const ONE_THREAD = cpus > 1 && process.env.BENCH_ONE_THREAD !== '0';

const NO_VECTORS = process.env.BENCH_NO_VECTORS !== '0';
const qexpBuild = (out, threads, vectors) => buildInChild(corpus, out, { analyzer: ANALYZER, threads, vectors });

const fmt = (x) => Math.round(x).toLocaleString('en-US');

// reading alone, then reading and the analyzer, on one thread: every passage tokenized, each token
// seen, nothing kept
const analyzer = getAnalyzer(ANALYZER);
const cpuOf = async (analyze) => {
  const cpu0 = process.cpuUsage();
  let tokens = 0;
  for await (const doc of readCorpus(corpus)) {
    if (!analyze) continue;
    if (analyzer.spans)
      analyzer.spans(doc.text, () => {
        tokens++;
      });
    else tokens += analyzer.analyze(doc.text).length;
  }
  const used = process.cpuUsage(cpu0);
  return { secs: (used.user + used.system) / 1e6, tokens };
};
const reading = (await cpuOf(false)).secs;
const { secs: readAndAnalyze, tokens } = await cpuOf(true);
console.log(
  `${DOCS} passages, ${tokens} tokens: on one thread, reading the corpus takes ${reading.toFixed(1)} CPU-s, and ${ANALYZER} analysis ${(readAndAnalyze - reading).toFixed(1)} more`,
);

const lucene = startLucene(1);
const luceneN = lucene && cpus > 1 && process.env.BENCH_LUCENE_THREADS !== '0' ? startLucene(cpus) : null;
// qexp: with term vectors, on every CPU and on one; the same without them
const runs = {
  qexp: [],
  qexp1: [],
  qexpNoVectors: [],
  qexpNoVectors1: [],
  lucene: [],
  luceneNoVectors: [],
  luceneN: [],
  luceneNoVectorsN: [],
};
for (let pass = 0; pass < PASSES; pass++) {
  for (const vectors of NO_VECTORS ? [true, false] : [true])
    for (const threads of ONE_THREAD ? [cpus, 1] : [cpus]) {
      const q = qexpBuild(join(dir, 'qexp'), threads, vectors);
      const one = threads === 1 && cpus > 1;
      (vectors ? (one ? runs.qexp1 : runs.qexp) : one ? runs.qexpNoVectors1 : runs.qexpNoVectors).push(q);
      console.log(
        `pass ${pass + 1} (load ${load()}): qexp ${vectors ? 'with' : 'without'} term vectors on ${threads} thread(s) ${q.secs.toFixed(1)} s = ${fmt(DOCS / q.secs)} passages/s ` +
          `(${fmt(DOCS / q.secs / threads)} per thread), ${q.cpuSecs.toFixed(1)} CPU-s (${q.systemSecs.toFixed(1)} in the kernel, ${fmt(q.pageFaults)} page faults), peak RSS ${fmt(q.maxRssMB)} MB; ` +
          Object.entries(q.phases)
            .map(([p, s]) => `${p} ${s.toFixed(1)} s`)
            .join(', '),
      );
      rmSync(join(dir, 'qexp'), { recursive: true, force: true });
    }
  for (const [peer, threads, withVectors, withoutVectors] of [
    [lucene, 1, runs.lucene, runs.luceneNoVectors],
    [luceneN, cpus, runs.luceneN, runs.luceneNoVectorsN],
  ]) {
    if (!peer) continue;
    for (const vectors of [true, false]) {
      const l = await peer.index(join(dir, 'lucene'), vectors);
      (vectors ? withVectors : withoutVectors).push(l);
      console.log(
        `pass ${pass + 1} (load ${load()}): Lucene ${vectors ? 'with' : 'without'} term vectors on ${threads} thread(s) ${l.secs.toFixed(1)} s = ${fmt(DOCS / l.secs)} passages/s, ` +
          `${l.cpuSecs.toFixed(1)} CPU-s (the JVM's, JIT and GC included), peak RSS ${fmt(l.peakRssMB)} MB`,
      );
      rmSync(join(dir, 'lucene'), { recursive: true, force: true });
    }
  }
}
lucene?.close();
luceneN?.close();
rmSync(dir, { recursive: true, force: true });

const rates = (list) => list.map((r) => DOCS / r.secs);
const perCpu = (list) => list.map((r) => DOCS / r.cpuSecs);
/** Per round, qexp's rate (divided by `div`: per thread) over Lucene's: builds minutes apart, the least disturbed by the machine's swings. */
const sameRound = (qRuns, list, div = 1) => list.map((r, i) => r.secs / qRuns[i].secs / div);
const q = rates(runs.qexp);
const result = {
  threads: cpus,
  docs: DOCS,
  'index.qexp': Math.max(...q),
  'index.qexp.median': median(q),
  'index.qexp.perCpuSecond': Math.max(...perCpu(runs.qexp)),
  'index.qexp.peakRssMB': Math.max(...runs.qexp.map((r) => r.maxRssMB)),
  'index.qexp.cpuSecs': Math.min(...runs.qexp.map((r) => r.cpuSecs)),
  'index.qexp.readingCpuSecs': reading,
  'index.qexp.analysisCpuSecs': readAndAnalyze - reading,
};
const q1 = rates(runs.qexp1);
if (q1.length) {
  result['index.qexp.1t'] = Math.max(...q1);
  result['index.qexp.1t.median'] = median(q1);
  result['index.qexp.1t.peakRssMB'] = Math.max(...runs.qexp1.map((r) => r.maxRssMB));
  console.log(`qexp on one thread: best ${fmt(Math.max(...q1))}, median ${fmt(median(q1))} passages/s`);
}
console.log(
  `qexp: best ${fmt(Math.max(...q))}, median ${fmt(median(q))} passages/s on ${cpus} threads (${fmt(Math.max(...q) / cpus)} and ${fmt(median(q) / cpus)} per thread); ` +
    `${fmt(Math.max(...perCpu(runs.qexp)))} passages per CPU-second; of its ${result['index.qexp.cpuSecs'].toFixed(1)} CPU-s (best pass), analysis takes ~${(readAndAnalyze - reading).toFixed(1)}, the rest (reading, inverting, merging, writing) ~${(result['index.qexp.cpuSecs'] - readAndAnalyze + reading).toFixed(1)}`,
);
const qn = rates(runs.qexpNoVectors);
const qn1 = rates(runs.qexpNoVectors1);
if (qn.length) {
  result['index.qexp-novectors'] = Math.max(...qn);
  result['index.qexp-novectors.median'] = median(qn);
  result['index.qexp-novectors.peakRssMB'] = Math.max(...runs.qexpNoVectors.map((r) => r.maxRssMB));
  if (qn1.length) {
    result['index.qexp-novectors.1t'] = Math.max(...qn1);
    result['index.qexp-novectors.1t.median'] = median(qn1);
  }
  console.log(
    `qexp without term vectors: best ${fmt(Math.max(...qn))}, median ${fmt(median(qn))} passages/s on ${cpus} threads` +
      (qn1.length ? `; on one thread best ${fmt(Math.max(...qn1))}, median ${fmt(median(qn1))}` : ''),
  );
}
if (runs.lucene.length) {
  // each Lucene build against qexp's build of the same content: with term vectors, and without
  // (the latter also against qexp's index with them, the stricter reading earlier notes used)
  for (const [key, list, what, qRuns, q1Runs, prefix] of [
    ['index.lucene', runs.lucene, 'with term vectors (what a qexp index holds)', runs.qexp, runs.qexp1, 'ratio'],
    ['index.lucene-novectors', runs.luceneNoVectors, 'without term vectors', runs.qexp, runs.qexp1, 'ratio'],
    [
      'index.lucene-novectors',
      runs.luceneNoVectors,
      'without term vectors, against qexp without them',
      runs.qexpNoVectors,
      runs.qexpNoVectors1,
      'ratio.novectors',
    ],
  ]) {
    if (!qRuns.length) continue;
    const q = rates(qRuns);
    const q1 = rates(q1Runs);
    const l = rates(list);
    result[key] = Math.max(...l);
    result[`${key}.median`] = median(l);
    result[`${key}.perCpuSecond`] = Math.max(...perCpu(list));
    result[`${key}.peakRssMB`] = Math.max(...list.map((r) => r.peakRssMB));
    result[`${prefix}.perThread.${key}`] = Math.max(...q) / cpus / Math.max(...l);
    result[`${prefix}.perThread.${key}.median`] = median(q) / cpus / median(l);
    result[`${prefix}.perCpuSecond.${key}`] = Math.max(...perCpu(qRuns)) / Math.max(...perCpu(list));
    const paired = sameRound(qRuns, list, cpus);
    result[`${prefix}.perThread.${key}.paired.median`] = median(paired);
    let oneThread = '';
    if (q1.length) {
      const paired1 = sameRound(q1Runs, list);
      result[`${prefix}.oneThread.${key}.paired.median`] = median(paired1);
      oneThread = `; qexp on one thread / Lucene, same round: ${paired1.map((x) => x.toFixed(2)).join(', ')}`;
    }
    console.log(
      `Lucene ${what}: best ${fmt(Math.max(...l))}, median ${fmt(median(l))} passages/s on 1 thread, ${fmt(Math.max(...perCpu(list)))} per CPU-second; ` +
        `qexp / Lucene per thread: ${result[`${prefix}.perThread.${key}`].toFixed(2)}x (best), ${result[`${prefix}.perThread.${key}.median`].toFixed(2)}x (median), ` +
        `same round: ${paired.map((x) => x.toFixed(2)).join(', ')}; per CPU-second ${result[`${prefix}.perCpuSecond.${key}`].toFixed(2)}x${oneThread}`,
    );
  }
}
if (runs.luceneN.length) {
  // like for like in threads: qexp and Lucene both on every CPU, each round's builds paired
  for (const [key, list, qRuns, one, what] of [
    ['index.lucene', runs.luceneN, runs.qexp, runs.lucene, 'with term vectors'],
    ['index.lucene-novectors', runs.luceneNoVectorsN, runs.qexpNoVectors, runs.luceneNoVectors, 'without term vectors'],
  ]) {
    if (!qRuns.length) continue;
    const l = rates(list);
    const q = rates(qRuns);
    const k = `${key}.${cpus}t`;
    result[k] = Math.max(...l);
    result[`${k}.median`] = median(l);
    result[`${k}.peakRssMB`] = Math.max(...list.map((r) => r.peakRssMB));
    result[`ratio.sameThreads.${k}`] = Math.max(...q) / Math.max(...l);
    result[`ratio.sameThreads.${k}.median`] = median(q) / median(l);
    const paired = sameRound(qRuns, list);
    result[`ratio.sameThreads.${k}.paired.median`] = median(paired);
    const scaling = one.length ? `; Lucene on ${cpus} threads / on one: ${(median(l) / median(rates(one))).toFixed(2)}x (medians)` : '';
    console.log(
      `Lucene ${what} on ${cpus} threads: best ${fmt(Math.max(...l))}, median ${fmt(median(l))} passages/s; qexp / Lucene, both on ${cpus} threads: ` +
        `${result[`ratio.sameThreads.${k}`].toFixed(2)}x (best), ${result[`ratio.sameThreads.${k}.median`].toFixed(2)}x (median), same round: ${paired.map((x) => x.toFixed(2)).join(', ')}${scaling}`,
    );
  }
}
console.log(`RESULT ${JSON.stringify(result)}`);
