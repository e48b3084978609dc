import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterAll, describe, expect, it } from 'vitest';
import type { ExperimentDoc } from '../../src/config/types.js';
import { fingerprintOf } from '../../src/dag/fingerprint.js';
import { loadExperiment } from '../../src/dag/load-experiment.js';
import { defineStage, input, type RunContext, uses } from '../../src/stages/contract.js';
import { allStageKinds } from '../../src/stages/registry.js';
import { stageScope } from '../../src/stages/scope.js';
import { BM25_K1, FORMULATION } from '../../src/stages/settings.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

/** A kind written only for this test: every part of the contract, declared once. */
const probe = defineStage({
  kind: 'probe',
  version: 3,
  title: 'Probes the contract.',
  description: 'A stage kind for tests.',
  inputs: {
    index: input({ accepts: 'index', output: 'index', description: 'An index.' }),
    pool: input({ accepts: 'generations', output: 'generations', list: true, description: 'Generations.' }),
    extra: input({ accepts: 'run', output: 'run', optional: true, description: 'A run.' }),
    data: input({ accepts: 'sft-examples', output: 'train', stageOnly: true, optional: true, description: 'Examples.' }),
  },
  settings: { k1: uses(BM25_K1), formulation: uses(FORMULATION, { merge: true, when: (d) => d.extra !== undefined }) },
  hooks: { keep: { description: 'A hook.' } },
  properties: { depth: Type.Optional(Type.Integer({ description: 'Depth.', default: 3 })) },
  outputs: { out: 'file' },
  resolve: (_scope, decl) => ({ own: { depth: decl.depth ?? 3 } }),
  async run(ctx) {
    return { out: { path: JSON.stringify({ input: ctx.input, settings: ctx.settings, own: ctx.own, ref: ctx.ref }), managed: false } };
  },
});

/** A real experiment whose stage `p` is read through the probe kind (the registry does not know it). */
function experiment(probeDecl: string, retrieval = '') {
  ws.write('c.tsv', 'd1\thello world\n');
  ws.write('q.tsv', '1\thello\n');
  ws.write('qrels.txt', '1 0 d1 1\n');
  const f = ws.write(
    `exp-${Math.random().toString(36).slice(2)}.yaml`,
    `name: c
datasets: {toy: {queries: q.tsv, corpus: c.tsv, qrels: qrels.txt}}
${retrieval}
stages:
  data: {kind: dataset, dataset: toy}
  idx: {kind: index, corpus: data}
  gen: {kind: shell, command: "true", outs: {generations: null}}
  bm: {kind: retrieve, index: idx, topics: data}
  ev: {kind: evaluate, run: bm, qrels: data, measures: [P@1]}
  p: {kind: shell, command: "true"}
`,
  );
  const exp = loadExperiment(f);
  const decl = { kind: 'probe', ...(JSON.parse(probeDecl) as object) };
  const doc = { ...exp.doc, stages: { ...exp.doc.stages, p: decl } } as ExperimentDoc;
  return { exp, doc, decl, scope: stageScope(doc, exp.map, 'p', 'base', exp.root) };
}

describe('the stage contract: a kind declares its inputs and settings once', () => {
  it('derives references, with where they are written, from the inputs', () => {
    const { doc, decl } = experiment('{"index": "idx", "pool": ["gen", "gen.generations"], "data": "data", "keep": "h"}');
    expect(probe.refs(decl, doc)).toEqual([
      { stage: 'idx', ptr: '/index' },
      { stage: 'gen', ptr: '/pool/0' },
      { stage: 'gen', ptr: '/pool/1' },
      { stage: 'data', ptr: '/data' },
    ]);
  });

  it('checks that each reference names an output of a type the input accepts', () => {
    const { scope, decl } = experiment('{"index": "data.corpus", "pool": ["gen.generatoins"], "extra": "ev", "data": "data.train"}');
    const msgs = probe.check(scope, decl).map((d) => `${d.path}: ${d.message}`);
    expect(msgs).toEqual([
      "stages.p.index: 'data.corpus' is a corpus; index needs a BM25 index",
      "stages.p.pool[0]: stage 'gen' has no output 'generatoins'; did you mean 'generations'?",
      "stages.p.extra: stage 'ev' has no output 'run': it writes metrics (evaluation metrics), and extra needs a TREC run",
      "stages.p.data: write a stage name here, not STAGE.OUTPUT ('data.train')",
    ]);
  });

  it('resolves references into the fingerprint in one form, and settings into `uses` only when the stage does not set them', () => {
    const a = experiment('{"index": "idx", "pool": ["gen"]}');
    const r = probe.resolve(a.scope, a.decl);
    expect(r.own).toEqual({
      index: 'idx.index',
      pool: ['gen.generations'],
      extra: null,
      data: null,
      k1: null,
      formulation: null,
      keep: null,
      depth: 3,
    });
    expect(r.uses).toEqual({ 'retrieval.bm25.k1': 0.9 });
    expect(r.outputs).toEqual(['out']);

    // the same reference written as STAGE.OUTPUT is the same work
    const b = experiment('{"index": "idx.index", "pool": ["gen.generations"]}');
    const fp = (x: typeof a) => {
      const res = probe.resolve(x.scope, x.decl);
      return fingerprintOf({ kind: 'probe', version: 3, config: { own: res.own, uses: res.uses }, inputs: {}, files: {} });
    };
    expect(fp(b)).toBe(fp(a));
    // an experiment setting the stage reads changes its fingerprint
    const c = experiment('{"index": "idx", "pool": ["gen"]}', 'retrieval: {bm25: {k1: 1.2}}');
    expect(fp(c)).not.toBe(fp(a));

    // written on the stage, the value is the stage's own; `merge` lays it over the experiment's; `when` drops it
    const d = experiment('{"index": "idx", "pool": ["gen"], "extra": "gen.generations", "k1": 1.5, "formulation": {"repeat_query": 2}}');
    const rd = probe.resolve(d.scope, d.decl);
    expect(rd.uses).toEqual({});
    expect(rd.own).toMatchObject({
      k1: 1.5,
      extra: 'gen.generations',
      formulation: { mode: 'query2doc', repeat_query: 2, separator: ' ', concat: 1 },
    });
  });

  it('hands run() its inputs as paths and its settings as values, typed', async () => {
    const { scope, decl } = experiment('{"index": "idx", "pool": ["gen"], "data": "data", "k1": 1.1}');
    const resolved = probe.resolve(scope, { ...decl, data: undefined });
    const ctx = {
      resolved,
      inputs: { idx: { index: '/i' }, gen: { generations: '/g' } },
    } as unknown as RunContext;
    const out = await probe.run(ctx);
    expect(JSON.parse(out.out?.path as string)).toEqual({
      input: { index: '/i', pool: ['/g'] },
      settings: { k1: 1.1 },
      own: resolved.own,
      ref: { index: 'idx.index', pool: ['gen.generations'] },
    });
  });

  it('writes its schema entry from the declaration: inputs, settings with their defaults, own keys, required', () => {
    const s = probe.schema as { required: string[]; properties: Record<string, { description?: string }>; additionalProperties: boolean };
    expect(s.required).toEqual(['kind', 'index', 'pool']);
    expect(s.additionalProperties).toBe(false);
    expect(Object.keys(s.properties)).toEqual([
      'kind',
      'description',
      'from',
      'index',
      'pool',
      'extra',
      'data',
      'k1',
      'formulation',
      'keep',
      'depth',
    ]);
    expect(s.properties.k1?.description).toBe('BM25 k1; default `retrieval.bm25.k1`.');
  });

  it('every kind qexp ships is declared through the contract (no hand-written references)', () => {
    for (const k of allStageKinds()) {
      expect(typeof k.refs).toBe('function');
      expect((k.schema as { properties: Record<string, unknown> }).properties.kind).toMatchObject({ const: k.kind });
      for (const [name, spec] of Object.entries(k.inputs)) {
        if (spec.at) continue;
        expect((k.schema as { properties: Record<string, unknown> }).properties[name], `${k.kind}.${name}`).toBeDefined();
      }
    }
  });
});

describe('a stage kind in a real run', () => {
  it('reads its inputs through the declaration (index → retrieve → evaluate on a toy collection)', async () => {
    mkdirSync(ws.path('r'), { recursive: true });
    writeFileSync(join(ws.dir, 'r', 'c.tsv'), 'd1\tthe cat sat\nd2\tdogs bark loudly\n');
    writeFileSync(join(ws.dir, 'r', 'q.tsv'), '1\tcat\n');
    writeFileSync(join(ws.dir, 'r', 'qrels.txt'), '1 0 d1 1\n');
    const f = ws.write(
      'r/run.yaml',
      `name: r
datasets: {toy: {queries: q.tsv, corpus: c.tsv, qrels: qrels.txt}}
stages:
  data: {kind: dataset, dataset: toy}
  idx: {kind: index, corpus: data}
  bm25: {kind: retrieve, index: idx, topics: data.queries}
  ev: {kind: evaluate, run: bm25, qrels: data, measures: [P@1]}
`,
    );
    const r = await ws.qexp(['run', f, '--progress', 'plain']);
    expect(r.exitCode, r.all).toBe(0);
    const rows = await ws.sql("SELECT value FROM metrics WHERE qid = 'all' AND measure = 'P@1'");
    expect(rows).toEqual([{ value: 1 }]);
  });
});
