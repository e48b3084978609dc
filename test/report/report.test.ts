import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findChromium, screenshot } from '../../scripts/report-screenshot.mjs';
import { holmBonferroni, pairedTTest } from '../../src/eval/significance.js';
import { writeToyCollection } from '../helpers/toy-collection.js';
import { Workspace } from '../helpers/workspace.js';

/** The toy collection with `good` expansions (the missing words) and `bad` ones (another query's words). */
function writeData(ws: Workspace): void {
  // good for 9 of 12 queries, so that the student is not better everywhere
  writeToyCollection(
    ws,
    12,
    (i) => (i < 9 ? Array(8).fill(`w${i}c w${i}d`).join(' ') : `w${(i + 1) % 12}c`),
    (i) => `w${(i + 1) % 12}c w${(i + 1) % 12}d`,
  );
}

const EXPERIMENT = `
name: rep
seed: 5
datasets:
  toy: {queries: data/queries.tsv, qrels: data/qrels.txt, corpus: data/corpus.tsv}
models:
  good: {provider: replay, file: good.jsonl}
  bad: {provider: replay, file: bad.jsonl}
  student: {provider: replay, file: "\${env:STUDENT:-good.jsonl}"}
prompts:
  p: {messages: [{role: user, content: "{{query}}"}]}
stages:
  data: {kind: dataset, dataset: toy}
  idx: {kind: index, corpus: data}
  bm25: {kind: retrieve, index: idx, topics: data, hits: 100}
  teacher: {kind: generate, model: good, prompt: p, queries: data}
  student: {kind: generate, model: student, prompt: p, queries: data}
  run-teacher: {kind: retrieve, index: idx, topics: data, expansions: teacher, hits: 100}
  run-student: {kind: retrieve, index: idx, topics: data, expansions: student, hits: 100}
  ev-bm25: {kind: evaluate, run: bm25, qrels: data, measures: [nDCG@10, AP@100]}
  ev-teacher: {kind: evaluate, run: run-teacher, qrels: data, measures: [nDCG@10, AP@100]}
  ev-student: {kind: evaluate, run: run-student, qrels: data, measures: [nDCG@10, AP@100]}
ablations:
  axes:
    run-student.formulation.repeat_query: [1, 5]
report:
  title: Toy report
  rows: {BM25: ev-bm25, Teacher: ev-teacher, Student: ev-student}
  baseline: BM25
  teacher: Teacher
  student: Student
  formats: [md, html, csv, latex, json]
gates:
  baseline: baselines/rep.json
  checks:
    - {run: "Student [run-student.formulation.repeat_query=5]", measure: nDCG@10, max_drop: 0.05}
    - {run: BM25, measure: nDCG@10, min: 0.1}
`;

const ws = new Workspace();
afterAll(() => ws.remove());

describe('qexp report', () => {
  let run: Awaited<ReturnType<Workspace['qexp']>>;
  beforeAll(async () => {
    writeData(ws);
    ws.write('exp.yaml', EXPERIMENT);
    run = await ws.qexp(['run', 'exp.yaml']);
  });

  it('qexp run prints the ablation table and writes every declared format', () => {
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toMatch(/\| run \| nDCG@10 \| AP@100 \| % teacher \|/);
    // a row whose stages differ across variants shows once per setting; the others once
    const rows = run.stdout.split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| run'));
    expect(rows.map((l) => l.split(' | ')[0])).toEqual([
      '| BM25',
      '| Teacher',
      '| Student [run-student.formulation.repeat_query=1]',
      '| Student [run-student.formulation.repeat_query=5]',
    ]);
    for (const ext of ['md', 'html', 'csv', 'tex', 'json']) expect(existsSync(ws.path(`results/reports/rep/report.${ext}`))).toBe(true);
  });

  it('with another store (--store), the report files go beside it, not into results/', async () => {
    const other = await ws.qexp(['run', 'exp.yaml', '--store', 'other/q.duckdb']);
    expect(other.exitCode, other.all).toBe(0);
    expect(other.stdout).toMatch(/report: other\/reports\/rep\/report\.md/);
    expect(readFileSync(ws.path('other/reports/rep/report.md'), 'utf8')).toBe(
      readFileSync(ws.path('results/reports/rep/report.md'), 'utf8'),
    );
  });

  it('values, % of teacher and significance come from the stored per-query values (Holm over the rows of a column)', async () => {
    const json = JSON.parse(readFileSync(ws.path('results/reports/rep/report.json'), 'utf8'));
    const col = json.columns.findIndex((c: { kind: string; measure: string }) => c.kind === 'measure' && c.measure === 'nDCG@10');
    const pct = json.columns.findIndex((c: { kind: string }) => c.kind === 'pct-teacher');
    const per = async (stage: string, variant = 'run-student.formulation.repeat_query=5') => {
      const rows = await ws.sql(`SELECT m.qid, m.value FROM metrics m JOIN variant_stages v ON v.fingerprint = m.fingerprint
         WHERE v.stage = '${stage}' AND v.variant = '${variant}' AND m.measure = 'nDCG@10' ORDER BY m.qid`);
      return new Map(rows.map((r) => [String(r.qid), Number(r.value)]));
    };
    const bm25 = await per('ev-bm25');
    const teacher = await per('ev-teacher');
    const s1 = await per('ev-student', 'run-student.formulation.repeat_query=1');
    const s5 = await per('ev-student');
    const judged = [...bm25.keys()].filter((q) => q !== 'all');
    const vec = (m: Map<string, number>) => judged.map((q) => m.get(q) as number);
    const raw = [teacher, s1, s5].map((m) => pairedTTest(vec(m), vec(bm25)).p);
    const holm = holmBonferroni(raw);
    const got = json.rows.slice(1).map((r: { cells: { p: number }[] }) => r.cells[col]?.p);
    got.forEach((p: number, i: number) => {
      expect(p).toBeCloseTo(holm[i] as number, 12);
    });
    expect(json.rows[0].cells[col].p).toBeNull();
    // each row's mean is the stored aggregate, and % teacher divides by the teacher's
    expect(json.rows[1].cells[col].value).toBe(teacher.get('all'));
    expect(json.rows[2].cells[pct].value).toBeCloseTo((100 * (s1.get('all') as number)) / (teacher.get('all') as number), 10);
    // the teacher is far better than BM25 here: marked, and the best of the column is bold in Markdown
    expect(json.rows[1].cells[col].sig).toBe('better');
    expect(json.legend[0]).toMatch(/paired t-test .* Holm/);
    const md = readFileSync(ws.path('results/reports/rep/report.md'), 'utf8');
    const best = Math.max(...json.rows.map((r: { cells: { value: number }[] }) => r.cells[col]?.value ?? 0));
    expect(md).toContain(`**${best.toFixed(4)}**`);
  });

  it('LaTeX uses booktabs; CSV has full precision and p-values; HTML inlines the plots', () => {
    const tex = readFileSync(ws.path('results/reports/rep/report.tex'), 'utf8');
    for (const k of ['\\toprule', '\\midrule', '\\bottomrule', '\\textbf{', '$^\\dagger$']) expect(tex).toContain(k);
    const csv = readFileSync(ws.path('results/reports/rep/report.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('run,toy:nDCG@10,toy:nDCG@10:p,toy:AP@100,toy:AP@100:p,toy:% teacher');
    expect(csv).toHaveLength(5);
    const html = readFileSync(ws.path('results/reports/rep/report.html'), 'utf8');
    expect(html).toContain('<table id="results">');
    // per-query wins/losses of the student against the teacher, and no network resource
    expect(html).toMatch(/wins, \d+ ties, \d+ losses/);
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(1);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it.skipIf(!findChromium())('headless Chromium shows the HTML report: the table and the plots, not a blank page', () => {
    const shot = screenshot(ws.path('results/reports/rep/report.html'), ws.path('report.png'));
    expect(shot.width).toBe(1200);
    // the rendered page has the table's rows and the figures' SVG
    expect(shot.dom).toContain('<table id="results">');
    expect((shot.dom.match(/<tr>/g) ?? []).length).toBe(6);
    expect(shot.dom).toContain('Student [run-student.formulation.repeat_query=5]');
    expect((shot.dom.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(2);
    expect(shot.inked).toBeGreaterThan(0.01);
    // the ink check can fail: a page without the report is blank
    ws.write('blank.html', '<!doctype html><html><body></body></html>');
    expect(screenshot(ws.path('blank.html'), ws.path('blank.png')).inked).toBeLessThan(0.001);
  });

  it('qexp report prints any format to stdout and refuses an unknown one', async () => {
    const r = await ws.qexp(['report', 'exp.yaml', '--format', 'csv']);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^run,toy:nDCG@10/);
    const bad = await ws.qexp(['report', 'exp.yaml', '--format', 'docx']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(/--format docx: use one of md, csv, latex, json, html/);
  });

  it('a report row naming a stage that is not an evaluate stage is a validation error with its position', async () => {
    ws.write('badrep.yaml', EXPERIMENT.replace('Teacher: ev-teacher', 'Teacher: run-teacher').replace('baseline: BM25', 'baseline: Bm25'));
    const r = await ws.qexp(['validate', 'badrep.yaml']);
    expect(r.exitCode).toBe(2);
    const line = EXPERIMENT.split('\n').findIndex((l) => l.includes('rows: {BM25')) + 1;
    expect(r.stderr).toContain(`badrep.yaml:${line}:`);
    expect(r.stderr).toMatch(/stage 'run-teacher' is retrieve: a report row shows evaluate stages/);
    expect(r.stderr).toMatch(/no report row 'Bm25' \(did you mean 'BM25'\?\)|no report row 'Bm25'.*BM25/);
  });
});

describe('qexp gate', () => {
  it('passes against its own baseline, fails on a regressed run (1), passes an improved one (0), rejects a broken baseline (2)', async () => {
    // the baseline is written from the good student
    const up = await ws.qexp(['baseline', 'update', 'exp.yaml']);
    expect(up.exitCode, up.all).toBe(0);
    const baseline = JSON.parse(readFileSync(ws.path('baselines/rep.json'), 'utf8'));
    expect(baseline.values.BM25.toy['nDCG@10']).toBeGreaterThan(0);
    let g = await ws.qexp(['gate', 'exp.yaml']);
    expect(g.exitCode, g.all).toBe(0);
    expect(g.stdout).toMatch(/all 2 gates pass/);

    // a regressed student: its expansions are another query's words
    expect((await ws.qexp(['run', 'exp.yaml'], { STUDENT: 'bad.jsonl' })).exitCode).toBe(0);
    g = await ws.qexp(['gate', 'exp.yaml'], { STUDENT: 'bad.jsonl' });
    expect(g.exitCode, g.all).toBe(1);
    expect(g.stdout).toMatch(/1 of 2 gates regressed/);
    expect(g.stdout).toMatch(
      /\| Student \[run-student\.formulation\.repeat_query=5\] toy nDCG@10 \| [\d.]+ \| [\d.]+ \| −[\d.]+ worse \| drop ≤ 0\.05 \| \*\*fail\*\*: fell by/,
    );

    // the baseline now records the bad student; the good one is an improvement
    expect((await ws.qexp(['baseline', 'update', 'exp.yaml'], { STUDENT: 'bad.jsonl' })).exitCode).toBe(0);
    g = await ws.qexp(['gate', 'exp.yaml']);
    expect(g.exitCode, g.all).toBe(0);
    expect(g.stdout).toMatch(/\+[\d.]+ better/);

    writeFileSync(ws.path('baselines/rep.json'), '{"qexp_baseline": 1, "values": {');
    g = await ws.qexp(['gate', 'exp.yaml']);
    expect(g.exitCode).toBe(2);
    expect(g.stderr).toMatch(/baseline .*rep\.json is not valid JSON/);
    writeFileSync(ws.path('baselines/rep.json'), '{"qexp_baseline": 1, "values": {"BM25": {"toy": {"nDCG@10": "high"}}}}');
    g = await ws.qexp(['gate', 'exp.yaml']);
    expect(g.exitCode).toBe(2);
    expect(g.stderr).toMatch(/values\["BM25"\]\["toy"\]\["nDCG@10"\] is "high", not a number/);
  });
});
