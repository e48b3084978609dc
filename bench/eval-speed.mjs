// Speed of qexp eval on a DL19-sized run: 43 queries × 1,000 documents, judged with the real DL19
// qrels when the data mirror is there (QEXP_DATA_MIRROR or ../shared/datasets), synthetic ones otherwise.
// Prints the time to read, to evaluate in-process, and of the whole `qexp eval` command.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { dataMirror } from '../dist/data/locations.js';
import { readQrels } from '../dist/data/qrels.js';
import { readRun } from '../dist/data/runs.js';
import { evaluateRun } from '../dist/eval/evaluate-run.js';
import { parseTrecMeasures } from '../dist/eval/measure-spec.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-bench-'));
let seed = 42;
const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;

const mirror = dataMirror();
let qrelsPath =
  mirror && existsSync(join(mirror, 'trec-dl/qrels.dl19-passage.txt')) ? join(mirror, 'trec-dl/qrels.dl19-passage.txt') : undefined;
if (!qrelsPath) {
  qrelsPath = join(dir, 'qrels.txt');
  let text = '';
  for (let q = 0; q < 43; q++) for (let d = 0; d < 215; d++) text += `q${q} 0 p${q}_${d} ${Math.floor(rand() * 4)}\n`;
  writeFileSync(qrelsPath, text);
}
const qrels = await readQrels(qrelsPath);
let runText = '';
for (const [qid, docs] of qrels) {
  // a third of the ranking from the judged documents (shuffled), the rest unjudged
  const judged = [...docs.keys()].sort(() => rand() - 0.5).slice(0, 333);
  const ranking = [...judged, ...Array.from({ length: 1000 - judged.length }, (_, i) => `x${qid}_${i}`)].sort(() => rand() - 0.5);
  ranking.forEach((docid, r) => {
    runText += `${qid} Q0 ${docid} ${r + 1} ${(1000 - r + rand()).toFixed(4)} bench\n`;
  });
}
const runPath = join(dir, 'run.txt');
writeFileSync(runPath, runText);

const time = async (fn, reps) => {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) await fn();
  return (performance.now() - t0) / reps;
};
const specs = parseTrecMeasures(['official', 'ndcg_cut.10', 'recall.1000'], 1);
const run = await readRun(runPath);
const readMs = await time(async () => {
  await readQrels(qrelsPath);
  await readRun(runPath);
}, 5);
const evalMs = await time(() => evaluateRun(qrels, run, specs), 20);
const cli = join(import.meta.dirname, '../dist/cli/main.js');
const cliMs = await time(
  () => execFileSync('node', [cli, 'eval', qrelsPath, runPath, '-m', 'official', '-m', 'ndcg_cut.10', '-m', 'recall.1000']),
  3,
);
const nodeMs = await time(() => execFileSync('node', ['-e', '0']), 3);

console.log(
  `qexp eval on ${run.byQuery.size} queries × 1000 documents (${qrelsPath.includes('dl19') ? 'real DL19 qrels' : 'synthetic qrels'}); ${cpus()[0]?.model ?? 'cpu'}`,
);
console.table([
  { step: 'read qrels + run', ms: readMs.toFixed(1) },
  { step: `evaluate ${specs.length} measures (in-process)`, ms: evalMs.toFixed(1) },
  { step: 'whole `qexp eval` command', ms: cliMs.toFixed(0) },
  { step: '  of which node start-up (node -e 0)', ms: nodeMs.toFixed(0) },
]);
