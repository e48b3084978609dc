// Speed of `qexp eval` beside C trec_eval, on
//   1. a DL19-sized run: 43 queries × 1,000 documents, judged with the real DL19 qrels when the data
//      mirror is there (QEXP_DATA_MIRROR or ../shared/datasets), synthetic ones otherwise;
//   2. a large run: 7,000 queries × 1,000 documents (QEXP_BENCH_EVAL_QUERIES to change), MS MARCO-like
//      docids and six-decimal BM25-like scores, 200 judgments per query; seeded, written once under
//      bench/.data (about 450 MB).
// Each program runs several times, alternating (the machine is shared and noisy): best and median wall
// time of the whole command, and the ratio qexp / trec_eval. Both outputs must be the same bytes.
// The C program: TREC_EVAL (a built binary) or TREC_EVAL_SRC (its source folder: copied under
// bench/.data and built there with its own Makefile), else that peer is skipped with a message.
// trec_eval 10 sources are compared with `qexp eval --trec-eval-version 10`.
import { spawnSync } from 'node:child_process';
import { cpSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { dataMirror } from '../dist/data/locations.js';
import { readJudgments } from '../dist/data/qrels.js';
import { readRun } from '../dist/data/runs.js';
import { initMeasures, parseMeasureArgs, trecEval } from '../dist/eval/trec-eval.js';

const DATA = join(import.meta.dirname, '.data');
mkdirSync(DATA, { recursive: true });
const CLI = join(import.meta.dirname, '../dist/cli/main.js');

/** mulberry32 */
function generator(seed) {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ---- the C peer ----
function trecEvalPeer() {
  if (process.env.TREC_EVAL) return { bin: process.env.TREC_EVAL, how: `TREC_EVAL=${process.env.TREC_EVAL}` };
  const src = process.env.TREC_EVAL_SRC;
  if (!src)
    return { skip: 'set TREC_EVAL_SRC to a trec_eval source folder (github.com/usnistgov/trec_eval) or TREC_EVAL to a built binary' };
  if (!existsSync(join(src, 'Makefile'))) return { skip: `TREC_EVAL_SRC=${src} has no Makefile` };
  const version = /^VERSIONID\s*=\s*(\S+)/m.exec(readFileSync(join(src, 'Makefile'), 'utf8'))?.[1] ?? 'unknown';
  const build = join(DATA, `trec_eval-${version}`);
  if (!existsSync(join(build, 'trec_eval'))) {
    cpSync(src, build, { recursive: true, filter: (p) => !p.endsWith('/.git') });
    const r = spawnSync('make', ['-C', build, 'trec_eval'], { encoding: 'utf8' });
    if (r.status !== 0) return { skip: `building trec_eval in ${build} failed:\n${r.stderr.slice(-2000)}` };
  }
  return { bin: join(build, 'trec_eval'), how: `built from TREC_EVAL_SRC with its Makefile (${build})` };
}

function versionOf(bin) {
  const r = spawnSync(bin, ['-v'], { encoding: 'utf8' });
  const v = /version\s+(\d+)/.exec(`${r.stdout}${r.stderr}`)?.[1];
  return v === '10' ? 10 : 9;
}

// ---- data ----
function dl19Files() {
  const mirror = dataMirror();
  const real = mirror && !mirror.startsWith('http') ? join(mirror, 'trec-dl/qrels.dl19-passage.txt') : undefined;
  const rand = generator(42);
  let qrelsPath = real && existsSync(real) ? real : undefined;
  if (!qrelsPath) {
    qrelsPath = join(DATA, 'eval-dl19-synthetic.qrels');
    let text = '';
    for (let q = 0; q < 43; q++) for (let d = 0; d < 215; d++) text += `q${q} 0 p${q}_${d} ${Math.floor(rand() * 4)}\n`;
    writeFileSync(qrelsPath, text);
  }
  // the run: a third judged documents (shuffled), the rest unjudged; BM25-like scores with 6 decimals
  const byQuery = new Map();
  for (const line of readFileSync(qrelsPath, 'utf8').split('\n')) {
    const [q, , d] = line.trim().split(/\s+/);
    if (!d) continue;
    if (!byQuery.has(q)) byQuery.set(q, []);
    byQuery.get(q).push(d);
  }
  let run = '';
  for (const [qid, docs] of byQuery) {
    const judged = [...new Set(docs)].sort(() => rand() - 0.5).slice(0, 333);
    const ranking = [...judged, ...Array.from({ length: 1000 - judged.length }, (_, i) => `x${qid}_${i}`)].sort(() => rand() - 0.5);
    ranking.forEach((docid, r) => {
      run += `${qid} Q0 ${docid} ${r + 1} ${(27 - r * 0.015 + rand() * 0.001).toFixed(6)} bench\n`;
    });
  }
  const runPath = join(DATA, 'eval-dl19.run');
  writeFileSync(runPath, run);
  return {
    qrelsPath,
    runPath,
    label: `${byQuery.size} queries × 1,000 documents (${real && qrelsPath === real ? 'real DL19 qrels' : 'synthetic qrels'})`,
  };
}

async function largeFiles(queries) {
  const qrelsPath = join(DATA, `eval-large-${queries}.qrels`);
  const runPath = join(DATA, `eval-large-${queries}.run`);
  if (!existsSync(runPath)) {
    const rand = generator(7);
    const q = createWriteStream(`${qrelsPath}.tmp`);
    const r = createWriteStream(`${runPath}.tmp`);
    const write = (s, text) => (s.write(text) ? undefined : new Promise((ok) => s.once('drain', ok)));
    for (let i = 0; i < queries; i++) {
      const qid = String(100000 + i * 7);
      const judged = Array.from({ length: 200 }, (_, d) => `msmarco_passage_${d * 44000 + Math.floor(rand() * 44000)}`);
      await write(q, judged.map((d) => `${qid} 0 ${d} ${Math.floor(rand() * 4)}\n`).join(''));
      let text = '';
      for (let k = 0; k < 1000; k++) {
        const docid = k % 5 === 0 ? judged[k / 5] : `msmarco_passage_x${Math.floor(rand() * 8_800_000)}_${k}`;
        text += `${qid} Q0 ${docid} ${k + 1} ${(30 - k * 0.01 + rand() * 0.001).toFixed(6)} bm25\n`;
      }
      await write(r, text);
    }
    await Promise.all([new Promise((ok) => q.end(ok)), new Promise((ok) => r.end(ok))]);
    renameSync(`${qrelsPath}.tmp`, qrelsPath);
    renameSync(`${runPath}.tmp`, runPath);
  }
  return { qrelsPath, runPath, label: `${queries.toLocaleString('en')} queries × 1,000 documents (synthetic)` };
}

// ---- timing ----
// GNU time, where there is one, also gives each run's CPU time (user + sys): a figure the load of a
// shared machine changes much less than the wall time
const GNU_TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%U', 'true']).status === 0 ? '/usr/bin/time' : undefined;

function timeCommand(cmd, args) {
  const cpuFile = join(DATA, 'eval-cpu.txt');
  const [c, a] = GNU_TIME ? [GNU_TIME, ['-o', cpuFile, '-f', '%U %S', cmd, ...args]] : [cmd, args];
  const t0 = performance.now();
  const r = spawnSync(c, a, { maxBuffer: 1 << 30 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const cpuMs = GNU_TIME
    ? readFileSync(cpuFile, 'utf8')
        .trim()
        .split(/\s+/)
        .reduce((sum, x) => sum + Number(x) * 1000, 0)
    : Number.NaN;
  return { ms, cpuMs, out: r.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

function compare(files, reps, peer, version, measures) {
  const qexpArgs = [CLI, 'eval', ...(version === 10 ? ['--trec-eval-version', '10'] : []), ...measures, files.qrelsPath, files.runPath];
  const t = { qexp: [], c: [], qexpCpu: [], cCpu: [] };
  let same;
  for (let i = 0; i < reps; i++) {
    const q = timeCommand(process.execPath, qexpArgs);
    t.qexp.push(q.ms);
    t.qexpCpu.push(q.cpuMs);
    if (peer.bin) {
      const c = timeCommand(peer.bin, [...measures, files.qrelsPath, files.runPath]);
      t.c.push(c.ms);
      t.cCpu.push(c.cpuMs);
      same ??= c.out.equals(q.out);
    }
  }
  const best = (xs) => Math.min(...xs);
  const row = { case: files.label, 'qexp best': fmt(best(t.qexp)), 'qexp median': fmt(median(t.qexp)) };
  if (GNU_TIME) row['qexp cpu best'] = fmt(best(t.qexpCpu));
  if (peer.bin) {
    Object.assign(row, {
      'trec_eval best': fmt(best(t.c)),
      'trec_eval median': fmt(median(t.c)),
      'ratio best': (best(t.qexp) / best(t.c)).toFixed(2),
      'ratio median': (median(t.qexp) / median(t.c)).toFixed(2),
    });
    if (GNU_TIME) Object.assign(row, { 'trec_eval cpu best': fmt(best(t.cCpu)), 'cpu ratio': (best(t.qexpCpu) / best(t.cCpu)).toFixed(2) });
    row['same output'] = same ? 'yes' : 'NO';
  }
  return row;
}

const peer = trecEvalPeer();
const version = peer.bin ? versionOf(peer.bin) : 9;
console.log(`qexp eval beside C trec_eval; ${cpus()[0]?.model ?? 'cpu'}, ${cpus().length} CPUs`);
if (peer.skip) console.log(`C trec_eval: skipped — ${peer.skip}`);
else console.log(`C trec_eval ${version}: ${peer.how}`);

const dl19 = dl19Files();
// in-process split of the DL19 case: reading, then evaluating
const specsArgs = ['official', 'ndcg_cut.10', 'recall.1000'];
const t0 = performance.now();
const [judgments, run] = await Promise.all([readJudgments(dl19.qrelsPath), readRun(dl19.runPath)]);
const readMs = performance.now() - t0;
const { measures, size } = initMeasures(parseMeasureArgs(specsArgs, version), version);
const t1 = performance.now();
trecEval({ format: 'qrels', file: judgments }, run, measures, size, {
  relLevel: 1,
  maxDocs: 2147483647,
  judgedOnly: false,
  numDocsInColl: 0,
  version,
  perQuery: false,
  complete: false,
  summary: true,
});
const evalMs = performance.now() - t1;
const nodeRuns = Array.from({ length: 5 }, () => timeCommand(process.execPath, ['-e', '0']));
const nodeMs = Math.min(...nodeRuns.map((r) => r.ms));
const nodeCpu = Math.min(...nodeRuns.map((r) => r.cpuMs));
console.log(
  `DL19-sized run in one process: read qrels + run ${readMs.toFixed(1)} ms, evaluate ${size} values ${evalMs.toFixed(1)} ms; node start-up alone (best of 5) ${nodeMs.toFixed(0)} ms${GNU_TIME ? `, ${nodeCpu.toFixed(0)} ms CPU` : ''}`,
);

const measureArgs = specsArgs.flatMap((m) => ['-m', m]);
const rows = [compare(dl19, 9, peer, version, measureArgs)];
const large = await largeFiles(Number(process.env.QEXP_BENCH_EVAL_QUERIES ?? 7000));
rows.push(compare(large, 3, peer, version, []));
console.table(rows);
