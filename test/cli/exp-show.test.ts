import { afterAll, describe, expect, it } from 'vitest';
import { writeToyCollection } from '../helpers/toy-collection.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());
writeToyCollection(
  ws,
  8,
  (i) => `w${i}c w${i}d`,
  (i) => `w${i}b`,
);

const yaml = (k1s: number[]) => `name: tbl
datasets:
  toy: {queries: data/queries.tsv, qrels: data/qrels.txt, corpus: data/corpus.tsv}
stages:
  toy: {kind: dataset, dataset: toy}
  index: {kind: index, corpus: toy}
  bm25: {kind: retrieve, index: index, topics: toy}
  eval: {kind: evaluate, run: bm25, qrels: toy, measures: [nDCG@10, AP@1000]}
ablations:
  axes:
    retrieval.bm25.k1: [${k1s.join(', ')}]
`;

interface Row {
  id: string;
  kind: string;
  variant: string | null;
  run: string | null;
  settings: string[];
  metrics: Record<string, number>;
  params: Record<string, unknown>;
}
interface Table {
  columns: { metrics: string[]; params: string[]; constant_params_hidden: number };
  rows: Row[];
  runs: Record<string, { total: number; computed: number }>;
}

/** The aggregate values each evaluate fingerprint stored, read straight from DuckDB. */
async function stored(): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  for (const r of await ws.sql(
    `SELECT s.run_id, b.variant, m.measure, m.value FROM metrics m JOIN stages s USING (fingerprint)
     LEFT JOIN variant_stages b ON b.fingerprint = m.fingerprint WHERE m.qid = 'all'`,
  )) {
    const key = `${r.run_id} ${r.variant ?? '-'}`;
    out.set(key, { ...(out.get(key) ?? {}), [`eval:${r.measure}`]: Number(r.value) });
  }
  return out;
}

describe('qexp exp show and qexp diff', () => {
  let firstRun = '';

  it('shows each variant with the parameters that differ and its metrics, as stored', async () => {
    ws.write('tbl.yaml', yaml([0.9, 1.2]));
    expect((await ws.qexp(['run', 'tbl.yaml'])).exitCode).toBe(0);
    const t = await ws.json<Table>(['exp', 'show', 'tbl.yaml']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.data.rows.map((r) => [r.id, r.kind])).toEqual([
      ['retrieval.bm25.k1=0.9', 'variant'],
      ['retrieval.bm25.k1=1.2', 'variant'],
    ]);
    // only the ablated setting differs; the rest is hidden and counted
    expect(t.data.columns.params).toEqual(['retrieval.bm25.k1']);
    expect(t.data.columns.constant_params_hidden).toBeGreaterThan(5);
    expect(t.data.rows.map((r) => r.params['retrieval.bm25.k1'])).toEqual([0.9, 1.2]);
    expect(t.data.columns.metrics).toEqual(['eval:nDCG@10', 'eval:AP@1000']);
    firstRun = t.data.rows[0]?.run as string;
    const db = await stored();
    for (const r of t.data.rows) expect(r.metrics).toEqual(db.get(`${r.run} ${r.variant}`));
    expect(t.data.runs).toEqual({ tbl: { total: 1, computed: 0 } });

    const text = await ws.qexp(['exp', 'show', 'tbl.yaml']);
    expect(text.stdout).toMatch(/^row +kind +run +eval:nDCG@10 +eval:AP@1000 +retrieval\.bm25\.k1\n/);
    expect(text.stdout).toMatch(/parameters with the same value in every row not shown \(--all-params shows them\)/);
  });

  it('keeps the results of an earlier run with other settings (-S) as rows of their own, and diffs any two rows', async () => {
    const r = await ws.qexp(['run', 'tbl.yaml', '-S', 'retrieval.hits=2']);
    expect(r.exitCode, r.all).toBe(0);
    const t = await ws.json<Table>(['exp', 'show', 'tbl.yaml']);
    const kinds = t.data.rows.map((x) => [x.id, x.kind, x.params['retrieval.hits']]);
    expect(kinds).toEqual([
      ['retrieval.bm25.k1=0.9', 'variant', 2],
      ['retrieval.bm25.k1=1.2', 'variant', 2],
      [`${firstRun}#1`, 'earlier run', 1000],
      [`${firstRun}#2`, 'earlier run', 1000],
    ]);
    expect(t.data.rows.slice(2).map((x) => x.params['retrieval.bm25.k1'])).toEqual([0.9, 1.2]);
    expect(t.data.columns.params).toEqual(['retrieval.bm25.k1', 'retrieval.hits']);
    const second = t.data.rows[0]?.run as string;
    expect(second).not.toBe(firstRun);
    expect(t.data.runs).toEqual({ tbl: { total: 2, computed: 1 } });
    // the earlier rows hold the values the first run stored
    const db = await stored();
    for (const x of t.data.rows.slice(2)) {
      const mine = [...db.entries()].filter(([k]) => k.startsWith(`${firstRun} `)).map(([, v]) => v);
      expect(mine).toContainEqual(x.metrics);
    }

    const d = await ws.json<{ params: { key: string; a: unknown; b: unknown }[]; metrics: { key: string; change: number }[] }>([
      'diff',
      'retrieval.bm25.k1=0.9',
      `${firstRun}#1`,
      'tbl.yaml',
    ]);
    expect(d.code, d.stderr).toBe(0);
    expect(d.data.params).toEqual([{ key: 'retrieval.hits', a: 2, b: 1000 }]);
    const a = t.data.rows[0] as Row;
    const b = t.data.rows[2] as Row;
    for (const m of d.data.metrics) expect(m.change).toBeCloseTo((b.metrics[m.key] as number) - (a.metrics[m.key] as number), 12);
    // two hits leave out the relevant documents BM25 ranks third and fourth: the metrics differ
    expect(d.data.metrics.map((m) => m.key).sort()).toEqual(['eval:AP@1000', 'eval:nDCG@10']);
    expect(d.data.metrics.length).toBe(Object.keys(a.metrics).filter((k) => a.metrics[k] !== b.metrics[k]).length);

    // the rows' -S settings are said under the table
    expect(t.data.rows.map((x) => x.settings)).toEqual([['retrieval.hits=2'], ['retrieval.hits=2'], [], []]);
    expect((await ws.qexp(['exp', 'show', 'tbl.yaml'])).stdout).toContain(`run ${second} had -S retrieval.hits=2.`);

    const text = await ws.qexp(['diff', 'retrieval.bm25.k1=0.9', `${firstRun}#1`, 'tbl.yaml']);
    expect(text.stdout).toMatch(/^param +retrieval\.hits +2 +1000/m);
    const bad = await ws.qexp(['diff', 'retrieval.bm25.k1=0.9', firstRun, 'tbl.yaml']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain(`run ${firstRun} computed several variants: give one of ${firstRun}#1, ${firstRun}#2`);
    const none = await ws.qexp(['diff', 'nope', 'retrieval.bm25.k1=0.9', 'tbl.yaml']);
    expect(none.exitCode).toBe(2);
    expect(none.stderr).toMatch(/no variant or run nope; the table has: retrieval\.bm25\.k1=0\.9, /);
  });

  it('selects, sorts and formats columns', async () => {
    const only = await ws.json<Table>(['exp', 'show', 'tbl.yaml', '--only-params']);
    expect(only.data.columns.metrics).toEqual([]);
    const m = await ws.json<Table>([
      'exp',
      'show',
      'tbl.yaml',
      '--metric',
      'nDCG@10',
      '--param',
      'retrieval.bm25.*',
      '--param',
      'retrieval.hits',
    ]);
    // chosen parameters are shown even when constant (b)
    expect(m.data.columns).toEqual({
      metrics: ['eval:nDCG@10'],
      params: ['retrieval.bm25.b', 'retrieval.bm25.k1', 'retrieval.hits'],
      constant_params_hidden: 0,
    });
    const sorted = await ws.json<Table>(['exp', 'show', 'tbl.yaml', '--sort-by', 'eval:AP@1000', '--sort-order', 'desc']);
    const ap = sorted.data.rows.map((r) => r.metrics['eval:AP@1000'] as number);
    expect(ap).toEqual([...ap].sort((x, y) => y - x));

    const csv = await ws.qexp(['exp', 'show', 'tbl.yaml', '--csv']);
    const lines = csv.stdout.trimEnd().split('\r\n');
    expect(lines[0]).toBe('experiment,row,kind,variant,run,finished_at,eval:nDCG@10,eval:AP@1000,retrieval.bm25.k1,retrieval.hits');
    expect(lines).toHaveLength(5);
    const md = await ws.qexp(['exp', 'show', 'tbl.yaml', '--md']);
    expect(md.stdout).toMatch(
      /^\| row \| kind \| run \| eval:nDCG@10 \| eval:AP@1000 \| retrieval\.bm25\.k1 \| retrieval\.hits \|\n\|---\|---\|---\|---:\|---:\|---\|---\|\n/,
    );
    const badSort = await ws.qexp(['exp', 'show', 'tbl.yaml', '--sort-by', 'nope']);
    expect(badSort.exitCode).toBe(2);
  });

  it('a variant the file no longer has is shown as an earlier variant; without a file, every experiment in the store', async () => {
    ws.write('tbl.yaml', yaml([0.9, 1.5]));
    expect((await ws.qexp(['run', 'tbl.yaml', '-S', 'retrieval.hits=2'])).exitCode).toBe(0);
    const t = await ws.json<Table>(['exp', 'show', 'tbl.yaml']);
    expect(t.data.rows.slice(0, 3).map((x) => [x.id, x.kind])).toEqual([
      ['retrieval.bm25.k1=0.9', 'variant'],
      ['retrieval.bm25.k1=1.5', 'variant'],
      ['retrieval.bm25.k1=1.2', 'earlier variant'],
    ]);
    const all = await ws.json<Table>(['exp', 'show']);
    expect(all.data.rows.map((x) => x.id).sort()).toEqual(t.data.rows.map((x) => x.id).sort());
  });
});
