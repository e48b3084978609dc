// Group scoring of two built checkouts side by side: one group of the bench's expanded queries
// searched by each checkout's `rankTopics` (as a search thread runs a batch: analysis, term
// lookups and `groupTopK`), each checkout in a child process of its own (group-ab-child.mjs: its
// own heap, so that one side's garbage collections are not timed as the other's), passes
// alternating (alternate.mjs), in each child's CPU time, with its wall time beside. A change to
// group scoring is read off here, where this machine's drift cancels out, before the search
// benches. Checks first that both return the same hits and scores.
//
//   node bench/lib/group-ab.mjs INDEX_DIR A_ROOT [B_ROOT] [K=10] [ROUNDS=8] [GROUP=2048] [QUERIES=expanded]
//
// QUERIES: `expanded` (the bench's expanded queries) or `feedback` (feedback-speed.mjs's candidates:
// GROUP of them, query2doc formulations of 5 expansions a query, the query repeated 5 times).
//
// A_ROOT and B_ROOT are checkouts with dist/ built (`git worktree add /tmp/a COMMIT && cd /tmp/a &&
// npm ci && npm run build`, or a copy of dist/ beside a package.json); B_ROOT defaults to this one.
// INDEX_DIR: the bench corpus indexed with the whitespace analyzer (see group-tuning.mjs).
import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { alternate, fmtRatio, median, ratio } from './alternate.mjs';
import { feedbackTexts, querySets } from './synthetic.mjs';

const [dir, aRoot, bRoot = resolve(import.meta.dirname, '../..'), kArg = '10', roundsArg = '8', groupArg = '2048', which = 'expanded'] =
  process.argv.slice(2);
if (!dir || !aRoot) throw new Error('usage: node bench/lib/group-ab.mjs INDEX_DIR A_ROOT [B_ROOT] [K] [ROUNDS] [GROUP] [QUERIES]');
if (which !== 'expanded' && which !== 'feedback') throw new Error(`QUERIES must be expanded or feedback, not ${which}`);
const k = Number(kArg);
const group = Number(groupArg);
let texts;
if (which === 'expanded') texts = querySets(group).expanded;
else {
  const { formulate } = await import(`${resolve(aRoot)}/dist/retrieval/formulation.js`);
  texts = feedbackTexts(group, formulate);
}

// each checkout in its own process, on the same texts
const textsFile = join(mkdtempSync(join(tmpdir(), 'qexp-group-ab-')), 'texts.json');
writeFileSync(textsFile, JSON.stringify(texts));
const child = resolve(import.meta.dirname, 'group-ab-child.mjs');
const sides = [];
for (const [name, root] of [
  ['A', resolve(aRoot)],
  ['B', resolve(bRoot)],
]) {
  const proc = fork(child, [root, dir, String(k), textsFile], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const replies = [];
  let waiting = null;
  proc.on('message', (m) => {
    if (!waiting) return replies.push(m);
    const done = waiting;
    waiting = null;
    done(m);
  });
  proc.on('exit', (code) => {
    if (code !== 0) throw new Error(`group-ab-child.mjs for ${root} exited with code ${code}`);
  });
  const next = () => (replies.length ? Promise.resolve(replies.shift()) : new Promise((r) => (waiting = r)));
  const ask = (m) => {
    proc.send(m);
    return next();
  };
  await next();
  sides.push({ name, root, proc, ask, walls: [] });
}

const [a, b] = await Promise.all(sides.map((s) => s.ask('check')));
if (a.digest !== b.digest) throw new Error('the two checkouts return different hits or scores');

const figures = await alternate(
  sides.map((s) => ({
    key: s.name,
    count: texts.length,
    run: async () => {
      const { cpu, wall } = await s.ask('run');
      s.walls.push(wall);
      return cpu;
    },
  })),
  Number(roundsArg),
);
for (const s of sides) {
  s.proc.send('exit');
  const f = figures[s.name];
  // the first wall time is the untimed warm-up pass's
  const walls = s.walls.slice(1).map((ms) => texts.length / (ms / 1000));
  console.log(
    `${s.name} ${s.root}: ${f.best.toFixed(0)} queries/s best, ${f.median.toFixed(0)} median (CPU time); ` +
      `wall time ${Math.max(...walls).toFixed(0)} best, ${median(walls).toFixed(0)} median`,
  );
}
console.log(`B / A (k = ${k}, ${texts.length} ${which} queries, CPU time): ${fmtRatio(ratio(figures.B, figures.A))}`);
rmSync(dirname(textsFile), { recursive: true, force: true });
