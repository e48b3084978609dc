import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, describe, expect, it } from 'vitest';
import { readTopics } from '../../src/data/topics.js';
import { MIRROR } from '../helpers/mirror.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

/** Output files of the stages, by stage name and output name (the last variant that ran). */
async function outputs(): Promise<Map<string, Map<string, string>>> {
  const db = await DuckDBInstance.create(ws.path('results/qexp.duckdb'), { access_mode: 'READ_ONLY' });
  const conn = await db.connect();
  const rows = (
    await conn.runAndReadAll(
      `SELECT b.stage, b.variant, a.name, a.path FROM variant_stages b JOIN artifacts a ON a.fingerprint = b.fingerprint ORDER BY b.variant`,
    )
  ).getRowObjectsJson() as { stage: string; variant: string; name: string; path: string }[];
  conn.closeSync();
  db.closeSync();
  const out = new Map<string, Map<string, string>>();
  for (const r of rows) {
    const key = r.variant === 'base' ? r.stage : `${r.stage}@${r.variant}`;
    const m = out.get(key) ?? new Map<string, string>();
    m.set(r.name, r.path);
    out.set(key, m);
  }
  return out;
}

const jsonl = <T>(path: string): T[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);

describe.skipIf(!MIRROR)('retrieval feedback, pairs and training data on CACM (real data)', () => {
  const cacm = (f: string) => join(MIRROR as string, 'cacm', f);
  const hook = (body: string) => `def keep(pair):\n${body}\n`;
  const experiment = (keepBody: string) =>
    JSON.stringify({
      name: 'cacm-feedback',
      seed: 7,
      datasets: { cacm: { id: 'cacm' } },
      models: {
        same: { provider: 'replay', file: 'same.jsonl' },
        generic: { provider: 'replay', file: 'generic.jsonl' },
        short: { provider: 'replay', file: 'short.jsonl' },
      },
      prompts: {
        student: {
          messages: [
            { role: 'system', content: 'You expand search queries.' },
            { role: 'user', content: 'Write a passage that answers: {{query}}' },
          ],
        },
      },
      hooks: { chosen_long: { python: hook(keepBody), function: 'keep', timeout_ms: 60_000 } },
      stages: {
        data: { kind: 'dataset', dataset: 'cacm' },
        idx: { kind: 'index', corpus: 'data' },
        'gen-same': { kind: 'generate', model: 'same', prompt: 'student', queries: 'data' },
        'gen-generic': { kind: 'generate', model: 'generic', prompt: 'student', queries: 'data' },
        'gen-short': { kind: 'generate', model: 'short', prompt: 'student', queries: 'data' },
        fb: { kind: 'feedback', index: 'idx', qrels: 'data', pool: ['gen-same', 'gen-generic', 'gen-short'] },
        pairs: { kind: 'pairs', feedback: 'fb', strategy: 'all-pairs', keep: 'chosen_long' },
        sft: { kind: 'sft-data', feedback: 'fb', prompt: 'student', selection: 'best-per-query', validation: 0.2 },
        dpo: { kind: 'dpo-data', pairs: 'pairs', prompt: 'student', validation: 0.2 },
      },
      ablations: { axes: { 'pairs.min_delta': [0.05, 0.1, 0.2] } },
    });

  it('scores candidates exactly as qexp search + qexp eval do, and pair counts fall as min_delta rises', async () => {
    // three recorded "expansion" pools: the query itself, a generic sentence, the query's first words
    const topics = await readTopics(cacm('topics.cacm.txt'));
    const write = (name: string, text: (q: string) => string) =>
      writeFileSync(ws.path(name), topics.map((t) => `${JSON.stringify({ qid: t.qid, text: text(t.text) })}\n`).join(''));
    write('same.jsonl', (q) => q);
    write('generic.jsonl', () => 'computer programs algorithms systems data languages');
    write('short.jsonl', (q) => q.split(/\s+/).slice(0, 4).join(' '));
    ws.write('exp.yaml', experiment('    return True'));
    const r = await ws.qexp(['run', 'exp.yaml'], { QEXP_DATA_HOME: ws.path('data-home') });
    expect(r.exitCode, r.all).toBe(0);
    const out = await outputs();
    const fbPath = out.get('fb@pairs.min_delta=0.1')?.get('feedback') as string;
    const fb = jsonl<{ qid: string; query: string; pool: string; text: string; value: number; baseline: number }>(fbPath);
    expect(new Set(fb.map((f) => f.pool))).toEqual(new Set(['gen-same', 'gen-generic', 'gen-short']));
    expect(fb.length).toBe(3 * 52); // the 52 judged queries

    // the same formulated queries through the CLI
    const indexDir = out.get('idx@pairs.min_delta=0.1')?.get('index') as string;
    // `qexp search --hits 10` then `qexp eval -q -c -m ndcg_cut.10` on a topics file: nDCG@10 per query
    const searchAndEval = async (name: string, topics: string) => {
      ws.write(`${name}.tsv`, topics);
      const r = await ws.qexp(['search', '--index', indexDir, '--topics', `${name}.tsv`, '--output', `${name}.run`, '--hits', '10']);
      expect(r.exitCode, r.all).toBe(0);
      const ev = await ws.json<{ per_query: Record<string, { ndcg_cut_10: number }> }>([
        'eval',
        '-q',
        '-c',
        '-m',
        'ndcg_cut.10',
        cacm('qrels.cacm.txt'),
        `${name}.run`,
      ]);
      return (qid: string) => ev.data.per_query[qid]?.ndcg_cut_10;
    };
    for (const pool of ['gen-generic', 'gen-short']) {
      const rows = fb.filter((f) => f.pool === pool);
      const ndcg = await searchAndEval(pool, rows.map((f) => `${f.qid}\t${Array(5).fill(f.query).concat(f.text).join(' ')}`).join('\n'));
      for (const f of rows) expect(f.value, `${pool} ${f.qid}`).toBe(ndcg(f.qid));
    }
    // the baseline is the query alone
    const alone = await searchAndEval('alone', [...new Map(fb.map((f) => [f.qid, f.query]))].map(([q, t]) => `${q}\t${t}`).join('\n'));
    for (const f of fb) expect(f.baseline).toBe(alone(f.qid));

    const counts = ['0.05', '0.1', '0.2'].map((d) => jsonl(out.get(`pairs@pairs.min_delta=${d}`)?.get('pairs') as string).length);
    // measured here: 46, 12 and 0 pairs
    expect(counts[0]).toBeGreaterThan(counts[1] as number);
    expect(counts[1]).toBeGreaterThan(counts[2] as number);
    const summary = JSON.parse(readFileSync(out.get('pairs@pairs.min_delta=0.1')?.get('summary') as string, 'utf8'));
    expect(summary.pairs).toBe(counts[1]);
    expect(Object.keys(summary.best_by_pool).sort()).toEqual(['gen-generic', 'gen-same', 'gen-short']);
    expect(summary.queries_without_pair).toBeDefined();
  });

  it("writes SFT and DPO files that validate against the schemas of TRL's formats, split by query", () => {
    return (async () => {
      const out = await outputs();
      const ajv = new Ajv2020({ allErrors: true, strict: false });
      const sftSchema = ajv.compile(JSON.parse(readFileSync('schemas/trl-conversational-language-modeling.schema.json', 'utf8')));
      const dpoSchema = ajv.compile(JSON.parse(readFileSync('schemas/trl-conversational-preference.schema.json', 'utf8')));
      const sft = out.get('sft@pairs.min_delta=0.1') as Map<string, string>;
      const dpo = out.get('dpo@pairs.min_delta=0.1') as Map<string, string>;
      const sftLines = [...jsonl<object>(sft.get('train') as string), ...jsonl<object>(sft.get('validation') as string)];
      const dpoTrain = jsonl<{ prompt: { content: string }[] }>(dpo.get('train') as string);
      const dpoVal = jsonl<{ prompt: { content: string }[] }>(dpo.get('validation') as string);
      expect(sftLines.length).toBe(52); // best-per-query
      for (const l of sftLines) expect(sftSchema(l), JSON.stringify(sftSchema.errors)).toBe(true);
      for (const l of [...dpoTrain, ...dpoVal]) expect(dpoSchema(l), JSON.stringify(dpoSchema.errors)).toBe(true);
      expect(dpoVal.length).toBeGreaterThan(0);
      // a query's examples are all on one side
      const side = new Map<string, string>();
      for (const [name, list] of [
        ['train', dpoTrain],
        ['validation', dpoVal],
      ] as const) {
        for (const l of list) {
          const q = l.prompt[1]?.content as string;
          expect(side.get(q) ?? name).toBe(name);
          side.set(q, name);
        }
      }
      const manifest = JSON.parse(readFileSync(dpo.get('manifest') as string, 'utf8'));
      expect(manifest.format).toBe('trl-conversational-preference');
      expect(manifest.counts.train + manifest.counts.validation).toBe(dpoTrain.length + dpoVal.length);
      expect(Object.keys(manifest.sources)).toEqual(['pairs']);
    })();
  });

  it('a hook edit re-runs only the stages after it; a looping hook is stopped; a hook that opens a file fails clearly', async () => {
    ws.write('exp.yaml', experiment("    return pair['delta'] > 0.15"));
    const plan = await ws.qexp(['plan', 'exp.yaml', '--json']);
    const stale = (JSON.parse(plan.stdout).stages as { stage: string; status: string }[])
      .filter((s) => s.status !== 'done')
      .map((s) => s.stage);
    expect([...new Set(stale)].sort()).toEqual(['dpo', 'pairs']);
    const r = await ws.qexp(['run', 'exp.yaml']);
    expect(r.exitCode, r.all).toBe(0);
    const out = await outputs();
    const pairs = jsonl<{ delta: number }>(out.get('pairs@pairs.min_delta=0.1')?.get('pairs') as string);
    expect(pairs.every((p) => p.delta > 0.15)).toBe(true);

    ws.write('exp.yaml', experiment('    while True:\n        pass'));
    const loop = await ws.qexp(['run', 'exp.yaml', '--only', 'pairs', '--variant', 'pairs.min_delta=0.1']);
    expect(loop.exitCode).toBe(1);
    expect(loop.all).toMatch(/hook chosen_long \(.*exp\.yaml:\d+:\d+\) ran past its time limit of 2000 ms and was stopped/);

    ws.write('exp.yaml', experiment("    return len(open('/etc/passwd').read()) > 0"));
    const file = await ws.qexp(['run', 'exp.yaml', '--only', 'pairs', '--variant', 'pairs.min_delta=0.1']);
    expect(file.exitCode).toBe(1);
    expect(file.all).toMatch(/hook chosen_long \(.*exp\.yaml:\d+:\d+\) raised an error/);
    expect(file.all).toMatch(/PermissionError: qexp hooks cannot open files \(open\)/);
  });
});
