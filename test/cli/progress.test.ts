import { readdirSync, readFileSync } from 'node:fs';
import { stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { createDisplay, duration, formatAmount, formatProgress, formatRate, ProgressBoard } from '../../src/cli/progress.js';
import type { DagNode } from '../../src/dag/build-dag.js';
import { corpusMeter, estimateDocs, readCorpus } from '../../src/data/corpus.js';
import { writeToyCollection } from '../helpers/toy-collection.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

/** A clock that moves only when the test says so. */
function fakeClock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('progress numbers', () => {
  it('formats counts, bytes and rates with SI prefixes', () => {
    expect(formatRate(2_048_000)).toBe('2.0 M/s');
    expect(formatAmount(808_000, 'bytes')).toBe('808 kB');
    expect(formatAmount(999, 'bytes')).toBe('999 B');
    expect(formatAmount(1_500_000_000, 'bytes')).toBe('1.5 GB');
    expect(formatAmount(151_234)).toBe('151 k');
    expect(formatAmount(9_960)).toBe('10.0 k');
    expect(formatAmount(99_960)).toBe('100 k');
    expect(formatAmount(42)).toBe('42');
    expect(formatRate(1.5)).toBe('1.5/s');
    expect(formatRate(15_880)).toBe('15.9 k/s');
    expect(formatRate(12_345_678, 'bytes')).toBe('12.3 MB/s');
  });

  it('gives percent and ETA from the total and the rate so far', () => {
    // 12,500 of 40,000 docs in 10 s: 1,250/s, 27,500 left → 22 s
    expect(formatProgress({ done: 12_500, total: 40_000, unit: 'docs' }, 10_000)).toBe('12.5 k/40.0 k docs (31%) · 1.3 k/s · ETA 22s');
    expect(formatProgress({ done: 3 }, 2_000)).toBe('3 · 1.5/s');
    // bytes: no unit word after the amounts
    expect(formatProgress({ done: 404_000, total: 808_000, unit: 'bytes' }, 2_000)).toBe('404 kB/808 kB (50%) · 202 kB/s · ETA 2.0s');
    // an estimated total is marked, and never below what is done
    expect(formatProgress({ done: 151_000, total: 8_841_823, unit: 'docs', estimated: true }, 10_000)).toBe(
      '151 k/≈8.8 M docs (1%) · 15.1 k/s · ETA 9m36s',
    );
    expect(formatProgress({ done: 120, total: 100, unit: 'docs', estimated: true }, 0)).toBe('120/≈120 docs (100%)');
    // work resumed from an earlier attempt does not count in the rate: 100 new in 10 s, 800 left
    expect(formatProgress({ done: 200, total: 1000, unit: 'requests', from: 100 }, 10_000)).toBe(
      '200/1.0 k requests (20%) · 10/s · ETA 1m20s',
    );
    expect(duration(3_723_000)).toBe('1h02m');
    expect(duration(95_000)).toBe('1m35s');
  });

  it('estimates a corpus size in documents from the share of its bytes read', async () => {
    const n = 40_000;
    const lines = Array.from({ length: n }, (_, i) => `d${i}\tsome words of document number ${i} and more`).join('\n');
    const path = ws.write('corpus.tsv', `${lines}\n`);
    const meter = corpusMeter(path);
    expect(meter.total).toBe(Buffer.byteLength(`${lines}\n`));
    let docs = 0;
    let quarter: number | undefined;
    for await (const _ of readCorpus(path, meter)) {
      docs++;
      if (docs === n / 4) quarter = estimateDocs(meter, docs);
    }
    // read-ahead makes the estimate low while reading, not by much; exact at the end
    expect(quarter).toBeGreaterThan(0.6 * n);
    expect(quarter).toBeLessThanOrEqual(n);
    expect(estimateDocs(meter, docs)).toBe(n);
    expect(meter.read).toBe(meter.total);
  });
});

describe('the progress board', () => {
  it('shows queued stages as queued, running ones with time, counts, rate, ETA and their step', () => {
    const clock = fakeClock();
    const b = new ProgressBoard(
      [
        { id: 'a', title: 'index' },
        { id: 'b', title: 'bm25' },
      ],
      clock.now,
    );
    expect(b.render({ rows: 24, columns: 100, frame: 0 })).toBe('◌ index · queued\n◌ bm25 · queued');
    b.start('a');
    clock.advance(10_000);
    b.progress('a', { done: 0, total: 300_000, unit: 'docs', estimated: true });
    b.progress('a', { done: 100_000, total: 300_000, unit: 'docs', estimated: true });
    expect(b.line('a', 0)).toBe('⠋ index · 10s · 100 k/≈300 k docs (33%) · 10.0 k/s · ETA 20s');
    // a step without counts keeps the numbers in view; time goes on
    b.progress('a', { done: 300_000, total: 300_000, unit: 'docs' });
    clock.advance(20_000);
    b.step('a', 'merging postings');
    clock.advance(5_000);
    expect(b.line('a', 1)).toBe('⠙ index · 35s · 300 k/300 k docs (100%) · 8.6 k/s · merging postings');
    expect(b.line('b')).toBe('◌ bm25 · queued');
    b.end('a', 'done');
    expect(b.line('a')).toBe('✔ index · done in 35s');
    b.start('b');
    clock.advance(1_000);
    b.end('b', 'failed', 'index damaged\nmore');
    expect(b.line('b')).toBe('✖ bm25 · failed after 1.0s: index damaged');
  });

  it('keeps the running stages in view in a short terminal and counts the rest', () => {
    const clock = fakeClock();
    const ids = Array.from({ length: 30 }, (_, i) => ({ id: `s${i}`, title: `stage-${i}` }));
    const b = new ProgressBoard(ids, clock.now);
    for (let i = 0; i < 20; i++) {
      b.start(`s${i}`);
      clock.advance(1000);
      b.end(`s${i}`, 'done');
    }
    for (const i of [20, 21, 22]) b.start(`s${i}`);
    b.log('s21', 'loading the model');
    b.progress('s22', { done: 5, total: 10, unit: 'queries' });
    const out = b.render({ rows: 8, columns: 60 }).split('\n');
    expect(out.length).toBeLessThanOrEqual(7);
    for (const i of [20, 21, 22]) expect(out.some((l) => l.includes(`stage-${i} ·`))).toBe(true);
    // then the next queued stage, the latest done, and a count of the rest
    expect(out.filter((l) => l.startsWith('◌'))).toEqual(['◌ stage-23 · queued']);
    expect(out.at(-1)).toBe('  … not shown: 6 queued, 19 done');
    expect(out.some((l) => l.includes('stage-19 · done'))).toBe(true);
    expect(out.join('\n')).toContain('    › loading the model');
    // in stage order, and no line wider than the terminal
    expect(out.slice(0, -1).map((l) => Number(/stage-(\d+)/.exec(l)?.[1]))).toEqual(
      [...out.slice(0, -1).map((l) => Number(/stage-(\d+)/.exec(l)?.[1]))].sort((x, y) => x - y),
    );
    for (const l of out) expect([...l].length).toBeLessThan(60);

    // three rows: the running stages win over everything else
    const tiny = b.render({ rows: 4, columns: 60 }).split('\n');
    expect(tiny.length).toBe(3);
    expect(tiny.slice(0, 2).every((l) => /stage-2[012] ·/.test(l) && !l.startsWith('◌') && !l.startsWith('✔'))).toBe(true);
    expect(tiny[2]).toBe('  … not shown: 1 running, 7 queued, 20 done');

    // a tall terminal shows every stage
    expect(b.render({ rows: 100, columns: 60 }).split('\n')).toHaveLength(31);
  });

  it('cuts lines by display columns: a wide (CJK) character takes two', () => {
    const clock = fakeClock();
    const b = new ProgressBoard([{ id: 'g', title: 'generate-zh' }], clock.now);
    b.start('g');
    b.log('g', '查询扩展：北京的天气怎么样，明天会下雨吗，需要带伞吗');
    const out = b.render({ rows: 10, columns: 30 }).split('\n');
    // columns a line takes: two for each character of the CJK blocks used here, one for the others
    const columns = (l: string) => [...l].reduce((n, c) => n + (/[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]/.test(c) ? 2 : 1), 0);
    const log = out.find((l) => l.includes('查询')) as string;
    expect(columns(log)).toBeLessThanOrEqual(29);
    expect(columns(log)).toBeGreaterThanOrEqual(27);
    expect(log.endsWith('…')).toBe(true);
    for (const l of out) expect(columns(l)).toBeLessThanOrEqual(29);
  });

  it('prints plain lines in CI: starts, steps, ends, and progress once per 10 s of the clock', async () => {
    const clock = fakeClock();
    const written: string[] = [];
    const out = { write: (s: string) => written.push(s), rows: 0, columns: 0 } as unknown as NodeJS.WriteStream;
    const node = { fingerprint: 'f', stage: 'index', variants: ['v'] } as DagNode;
    const d = createDisplay([node], 1, 'plain', out, clock.now);
    d.events.start?.(node, '');
    for (let i = 0; i <= 30; i++) {
      d.events.progress?.(node, i * 1000, 30_000, 'docs');
      clock.advance(1000);
    }
    d.events.step?.(node, 'merging postings');
    d.events.end?.(node, { fingerprint: 'f', stage: 'index', variants: ['v'], outcome: 'done', durationMs: 0 });
    await d.finish();
    expect(written.join('')).toBe(
      [
        '▶ index',
        '  index: 0/30.0 k docs (0%)',
        '  index: 10.0 k/30.0 k docs (33%) · 1.0 k/s · ETA 20s',
        '  index: 20.0 k/30.0 k docs (66%) · 1.0 k/s · ETA 10s',
        '  index: 30.0 k/30.0 k docs (100%) · 1.0 k/s',
        '  index: merging postings',
        '✔ index · done in 31s',
        '',
      ].join('\n'),
    );
  });
});

describe('the interactive display', () => {
  it('redraws within the terminal and leaves the whole board in the scrollback at the end', async () => {
    const clock = fakeClock();
    const written: string[] = [];
    const out = { write: (s: string) => written.push(s), rows: 5, columns: 80, isTTY: true } as unknown as NodeJS.WriteStream;
    const nodes = Array.from({ length: 8 }, (_, i) => ({ fingerprint: `f${i}`, stage: `stage-${i}`, variants: ['v'] }) as DagNode);
    const d = createDisplay(nodes, 1, 'interactive', out, clock.now);
    // the first frame is drawn at once, cut to the terminal (4 rows)
    const board = (s: string) => stripVTControlCharacters(s);
    const first = board(written.join(''));
    expect(first.trimEnd().split('\n')).toEqual([
      '◌ stage-0 · queued',
      '◌ stage-1 · queued',
      '◌ stage-2 · queued',
      '  … not shown: 5 queued',
    ]);
    for (const n of nodes) {
      d.events.start?.(n, '');
      clock.advance(1000);
      d.events.end?.(n, { fingerprint: n.fingerprint, stage: n.stage, variants: ['v'], outcome: 'done', durationMs: 0 });
    }
    written.length = 0;
    await d.finish();
    const last = board(written.join('')).trimEnd().split('\n');
    expect(last).toEqual(nodes.map((n) => `✔ ${n.stage} · done in 1.0s`));
  });
});

describe('progress of real stages', () => {
  it('shows a shell stage’s `qexp:progress` lines as plain progress lines in CI', async () => {
    ws.write(
      'p.yaml',
      `name: prog
stages:
  count:
    kind: shell
    command: "for i in 0 1 2 3 4; do echo qexp:progress $i/4 docs; echo line $i; sleep 0.1; done; echo ok > {{outs.x}}"
    outs: {x: null}
`,
    );
    const r = await ws.qexp(['run', 'p.yaml']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/ {2}count: 0\/4 docs \(0%\)/);
    expect(r.stdout).toMatch(/ {2}count: 4\/4 docs \(100%\)/);
    // progress lines are not copied into the log as output; ordinary lines are
    const dir = ws.path('results/logs/prog');
    const log = readFileSync(`${dir}/${readdirSync(dir)[0]}`, 'utf8');
    expect(log).toContain('line 3');
    expect(log).not.toMatch(/^qexp:progress/m);
  });

  it('index and retrieve say their totals from the start, and the index its steps after the analysis', async () => {
    writeToyCollection(
      ws,
      8,
      (i) => `w${i}c`,
      (i) => `w${i}b`,
    );
    ws.write(
      'ir.yaml',
      `name: ir
datasets:
  toy: {queries: data/queries.tsv, qrels: data/qrels.txt, corpus: data/corpus.tsv}
stages:
  toy: {kind: dataset, dataset: toy}
  index: {kind: index, corpus: toy}
  bm25: {kind: retrieve, index: index, topics: toy}
`,
    );
    const r = await ws.qexp(['run', 'ir.yaml', '--progress', 'plain']);
    expect(r.exitCode, r.all).toBe(0);
    const lines = r.stdout.split('\n');
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    // 40 documents in one batch: the whole corpus read, so the total is exact
    expect(at(/^ {2}index: 40\/40 docs \(100%\)/)).toBeGreaterThan(at(/^▶ index$/));
    expect(at(/^ {2}index: merging postings$/)).toBeGreaterThan(at(/^ {2}index: 40\/40 docs/));
    expect(at(/^✔ index · done in /)).toBeGreaterThan(at(/^ {2}index: writing postings files/));
    expect(at(/^ {2}bm25: 0\/8 queries \(0%\)$/)).toBeGreaterThan(at(/^▶ bm25$/));
    expect(at(/^ {2}bm25: 8\/8 queries \(100%\)/)).toBeGreaterThan(at(/^ {2}bm25: 0\/8 queries/));
    // the log keeps the steps too
    const log = readFileSync(
      `${ws.path('results/logs/ir')}/${readdirSync(ws.path('results/logs/ir')).find((f) => f.includes('index'))}`,
      'utf8',
    );
    expect(log).toContain('# merging postings');
  });
});
