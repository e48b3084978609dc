import { existsSync } from 'node:fs';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, Workspace } from '../helpers/workspace.js';

/*
 * qexp eval beside the C programs on seeded random judgments, runs and options: the same bytes on
 * stdout, and an error exactly where trec_eval stops. Runs where TREC_EVAL_9 and/or TREC_EVAL_10
 * name built trec_eval binaries (9.0.x and 10.0; e.g. from github.com/usnistgov/trec_eval built
 * with its Makefile); skipped otherwise.
 */
const BINS = ([9, 10] as const).flatMap((v) => {
  const bin = process.env[`TREC_EVAL_${v}`];
  return bin && existsSync(bin) ? [{ version: v, bin }] : [];
});
if (BINS.length === 0) console.warn('trec_eval differential test skipped: set TREC_EVAL_9 and/or TREC_EVAL_10 to built trec_eval binaries');

/** mulberry32 */
function generator(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Judgments and a run with ties, scores that tie only as floats, NaN and infinities, repeats, missing queries. */
function randomCase(rand: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  let qrels = '';
  let run = '';
  const nq = 1 + Math.floor(rand() * 5);
  for (let q = 0; q < nq; q++) {
    const qid = `${pick(['1', '2', '10', 'a', 'b3', '301'])}${q}`;
    if (rand() < 0.9) {
      const judged = new Map<string, number>();
      for (let d = 0; d < 1 + Math.floor(rand() * 20); d++) judged.set(`D${Math.floor(rand() * 40)}`, pick([-1, 0, 0, 0, 1, 1, 2, 3, 4]));
      for (const [d, g] of judged) qrels += `${qid} 0 ${d} ${g}\n`;
      if (rand() < 0.03) qrels += `${qid} 0 ${[...judged.keys()][0]} 1\n`; // judged twice
    }
    if (rand() < 0.85) {
      const seen = new Set<string>();
      for (let r = 0; r < 1 + Math.floor(rand() * 40); r++) {
        const doc = `D${Math.floor(rand() * 50)}`;
        if (seen.has(doc) && rand() > 0.05) continue;
        seen.add(doc);
        const score = pick([
          () => String(Math.floor(rand() * 5)),
          () => (16 + rand()).toFixed(6),
          () => (17.123456 + Math.floor(rand() * 3) * 1e-6).toFixed(6),
          () => (rand() * 100).toFixed(pick([1, 2, 9])),
          () => pick(['1e2', '-3.5', '0x1p3', '.5', '5.', 'nan', 'inf', '-inf', '1e999']),
        ])();
        run += `${qid} Q0 ${doc} ${r + 1} ${score} tag${pick(['A', 'B'])}${rand() < 0.1 ? ' extra columns' : ''}\n`;
      }
    }
  }
  const args: string[] = [];
  if (rand() < 0.5) args.push('-q');
  if (rand() < 0.3) args.push('-c');
  if (rand() < 0.3) args.push(`-l${pick([0, 1, 2, 3, 5])}`);
  if (rand() < 0.3) args.push(`-M${pick([1, 2, 5, 10, 20])}`);
  if (rand() < 0.15) args.push('-J');
  if (rand() < 0.2) args.push('-N', '1000');
  args.push(
    ...pick([
      ['-m', 'all_trec'],
      [],
      ['-m', 'ndcg.1=2,2=0.5,3=9', '-m', 'G.0=1,1=3', '-m', 'Rndcg', '-m', 'ndcg_rel.2=1', '-m', 'yaap'],
      ['-m', 'P.3,1', '-m', 'P.2', '-m', 'iprec_at_recall.0.33,0.5', '-m', 'relstring.5', '-m', 'set'],
    ]),
  );
  return { qrels, run, args };
}

const ws = new Workspace();
afterAll(() => ws.remove());

describe.skipIf(BINS.length === 0)('qexp eval beside C trec_eval on random inputs', () => {
  for (const { version, bin } of BINS) {
    it(`gives trec_eval ${version}'s bytes on 60 random cases`, async () => {
      const rand = generator(version * 1000 + 7);
      for (let i = 0; i < 60; i++) {
        const c = randomCase(rand);
        if (!c.qrels || !c.run) continue;
        ws.write('q.txt', c.qrels);
        ws.write('r.txt', c.run);
        const opts = { cwd: ws.dir, reject: false, encoding: 'buffer', stripFinalNewline: false } as const;
        const [want, got] = await Promise.all([
          execa(bin, [...c.args, 'q.txt', 'r.txt'], opts),
          execa('node', [CLI, 'eval', '--trec-eval-version', String(version), ...c.args, 'q.txt', 'r.txt'], opts),
        ]);
        const label = `case ${i}: ${c.args.join(' ')}\n${c.qrels}---\n${c.run}`;
        expect(got.exitCode === 0, label).toBe(want.exitCode === 0);
        if (want.exitCode === 0)
          expect(Buffer.from(got.stdout).toString('latin1'), label).toBe(Buffer.from(want.stdout).toString('latin1'));
      }
    }, 600_000);
  }
});
