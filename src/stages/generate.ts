import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { writeGenerations } from '../artifacts/generations.js';
import type { Diagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import type { ExperimentDoc } from '../config/types.js';
import { readTopics, type Topic } from '../data/topics.js';
import { hooks } from '../hooks/hook-runtime.js';
import { type GenerateContext, generate, type ResolvedModel } from '../llm/answer.js';
import { fewShotPool } from '../llm/few-shot-pool.js';
import { type Exemplar, type PromptDecl, promptProblems } from '../llm/prompt.js';
import type { ModelDecl, ModelIdentity, Provider } from '../llm/providers/provider.js';
import { findProvider, getProvider } from '../llm/providers/registry.js';
import { defineStage, input, type Json, type StageRef, splitStageRef } from './contract.js';
import { Ref } from './schema-parts.js';

/** The model a stage names, with its provider, if both exist. */
function modelOf(
  decl: { model?: unknown },
  doc: Pick<ExperimentDoc, 'models'> | undefined,
): { model: ModelDecl; provider: Provider } | undefined {
  const name = decl.model;
  const model = typeof name === 'string' ? (doc?.models?.[name] as ModelDecl | undefined) : undefined;
  const provider = findProvider(model?.provider);
  return model && provider ? { model, provider } : undefined;
}

/** A JSON Pointer of keys. */
const pointer = (keys: string[]) => keys.map((k) => `/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');

/**
 * `generate`: a model × a prompt × a query set (× samples) → expansions. The model's provider
 * (`llm/providers/`) says what identifies its answers and answers the requests; `llm/answer.ts`
 * keys them by the endpoint's identity, the full request body and the prompt template's version,
 * and keeps every answer in the store's ledger as it arrives, so a rerun (after a crash, or in
 * another stage asking the same) sends only what is missing. Outputs `generations` (JSONL: qid,
 * query, sample, text, in query order) and `stats` (tokens, cost, latency).
 */
export const generateStage = defineStage({
  kind: 'generate',
  version: 1,
  title: 'Generates with a language model.',
  description:
    'Generates expansions: a model × a prompt × a query set (× samples). Every answer is stored as it arrives; a rerun sends only what is missing. Outputs `generations` (JSONL: qid, query, sample, text) and `stats` (tokens, cost, latency).',
  inputs: {
    queries: input({
      accepts: 'queries',
      output: 'queries',
      description: 'Stage whose output `queries` holds the topics (a dataset stage), or `STAGE.OUTPUT`.',
    }),
    examples_pool: input({
      accepts: ['queries', 'qrels', 'corpus'],
      output: 'queries',
      stageOnly: true,
      optional: true,
      list: true,
      single: true,
      description:
        'For a few-shot prompt without `examples.pool`: a dataset stage with queries, qrels and corpus (or stages that have them together, e.g. `[miracl-train, miracl-corpus]`); each judged query is paired with its first relevant document (e.g. MS MARCO training queries with their relevant passage).',
    }),
  },
  hooks: {
    postprocess_hook: {
      description: "A hook `postprocess(text, query) -> str` applied to every answer after the prompt's post-processing.",
    },
  },
  properties: {
    model: Ref.name('A model declared under `models`.'),
    prompt: Ref.name('A prompt declared under `prompts`.'),
    samples: Type.Optional(
      Type.Integer({
        description:
          'Requests per query, each a draw of its own (with seed + i when `sampling.seed` is set); each gives `sampling.n` completions.',
        minimum: 1,
        default: 1,
      }),
    ),
    limit: Type.Optional(Type.Integer({ description: 'Only the first N queries (for a trial run).', minimum: 1 })),
  },
  required: ['model', 'prompt'],
  outputs: { generations: 'generations', stats: 'generation-stats' },

  // a trained student runs after its training, a prf model after its index and corpus
  indirectRefs(decl, doc) {
    const m = modelOf(decl, doc);
    return (m?.provider.refs(m.model) ?? []).map((r): StageRef => ({ stage: splitStageRef(r.ref, r.output).stage, ptr: '/model' }));
  },

  check(scope, decl) {
    const s = decl;
    const out: Diagnostic[] = [];
    // a problem in the model's or the prompt's own settings is reported where they are written
    const under = (keys: string[], message: string) => out.push({ pos: scope.map.locate(pointer(keys)), path: keys.join('.'), message });
    const models = scope.doc.models ?? {};
    const prompts = scope.doc.prompts ?? {};
    const prompt = prompts[s.prompt] as PromptDecl | undefined;
    if (!models[s.model]) out.push(scope.at('model', `no model '${s.model}' under models${didYouMean(s.model, Object.keys(models))}`));
    if (!prompt) out.push(scope.at('prompt', `no prompt '${s.prompt}' under prompts${didYouMean(s.prompt, Object.keys(prompts))}`));
    const m = modelOf(decl, scope.doc);
    if (m) {
      for (const p of m.provider.check(m.model)) under(['models', s.model, ...p.key], p.message);
      for (const r of m.provider.refs(m.model)) {
        const stage = scope.doc.stages[splitStageRef(r.ref, r.output).stage];
        const target = stage?.kind;
        if (target !== undefined && target !== r.kind)
          under(
            ['models', s.model, r.key],
            `a '${m.provider.name}' model's '${r.key}' is ${/^[aeiou]/.test(r.kind) ? 'an' : 'a'} ${r.kind} stage (${r.what}); '${r.ref}' is ${target}`,
          );
        else if (r.vectors && target === 'index' && stage?.vectors === false)
          under(
            ['models', s.model, r.key],
            `this '${m.provider.name}' model reads the documents' term vectors, and index stage '${r.ref}' is declared with \`vectors: false\``,
          );
      }
    }
    if (prompt) {
      for (const p of promptProblems(prompt)) under(['prompts', s.prompt, ...p.key], p.message);
      if (prompt.examples && m?.provider.fewShot !== false) {
        if (!prompt.examples.pool && !s.examples_pool)
          out.push(
            scope.at(
              'prompt',
              `prompt '${s.prompt}' draws few-shot examples: give it examples.pool, or give this stage examples_pool (a dataset stage)`,
            ),
          );
        if (prompt.examples.pool && s.examples_pool) out.push(scope.at('examples_pool', `prompt '${s.prompt}' already has examples.pool`));
      }
    }
    if (s.examples_pool) {
      const pool = typeof s.examples_pool === 'string' ? [s.examples_pool] : s.examples_pool;
      const outs = pool.map((p) => scope.outputsOf(p));
      if (outs.every((o) => o !== undefined)) {
        const have = new Set(outs.flatMap((o) => Object.keys(o ?? {})));
        const missing = ['queries', 'qrels', 'corpus'].filter((n) => !have.has(n));
        const who = pool.length === 1 ? `stage '${pool[0]}' has` : `stages ${pool.map((p) => `'${p}'`).join(', ')} have`;
        const hint = missing.includes('corpus') ? '; list a stage with the corpus too, e.g. examples_pool: [train-queries, corpus]' : '';
        if (missing.length > 0)
          out.push(
            scope.at(
              'examples_pool',
              `${who} no output ${missing.map((m) => `'${m}'`).join(', ')}: the pool needs queries, qrels and a corpus${hint}`,
            ),
          );
      }
    }
    return out;
  },

  resolve(scope, decl) {
    const s = decl;
    const { model, provider } = modelOf(decl, scope.doc) as { model: ModelDecl; provider: Provider };
    const prompt = scope.doc.prompts?.[s.prompt] as unknown as PromptDecl;
    const refs = new Map(provider.refs(model).map((r) => [r.key, r]));
    const { identity, runtime, files } = provider.resolve(model, {
      resolvePath: (key, path) => scope.resolvePath(`/models/${s.model}/${key}`, path),
      recordPath: (abs) => scope.recordPath(abs),
      ref(key) {
        const r = refs.get(key);
        if (!r) throw new Error(`provider ${provider.name} resolves a reference '${key}' it does not declare`);
        const x = splitStageRef(r.ref, r.output);
        return `${x.stage}.${x.output}`;
      },
      bm25: scope.doc.retrieval.bm25,
    });
    let promptPart = prompt as unknown as Json;
    if (prompt.examples?.pool) {
      const pool = scope.resolvePath(`/prompts/${s.prompt}/examples/pool`, prompt.examples.pool);
      files.push(pool);
      promptPart = { ...prompt, examples: { ...prompt.examples, pool: scope.recordPath(pool) } } as unknown as Json;
    }
    const samples = s.samples ?? 1;
    // unseeded samples were once one request copied N times: such stages are new, so that they ask for their draws
    const draws = samples > 1 && provider.requests && typeof provider.requests.sampling(identity)?.seed !== 'number';
    return {
      own: {
        model: s.model,
        prompt: s.prompt,
        samples,
        limit: s.limit ?? null,
        seed: scope.doc.seed,
        ...(draws ? { draws: 'distinct' } : {}),
      },
      uses: { [`models.${s.model}`]: identity, [`prompts.${s.prompt}`]: promptPart },
      files,
      runtime: runtime as Json,
    };
  },

  effects(r) {
    const identity = r.uses[`models.${r.own.model}`] as { provider?: string };
    const rt = (r.runtime ?? {}) as {
      command?: string;
      serve?: { command: string };
      base_urls?: string[];
      api_key_env?: string;
      headers_env?: Record<string, string>;
    };
    if (identity.provider === 'local') return { commands: [`${rt.command ?? 'python3'} trainers/generate.py`] };
    if (identity.provider !== 'openai') return {};
    const credentials = [...(rt.api_key_env ? [rt.api_key_env] : []), ...Object.values(rt.headers_env ?? {})];
    return {
      commands: rt.serve ? [rt.serve.command] : [],
      network: (rt.base_urls ?? []).map((url) => ({ url, what: `the LLM endpoint of model ${r.own.model}`, credentials })),
    };
  },

  async run(ctx) {
    const own = ctx.own;
    const identity = ctx.resolved.uses[`models.${own.model}`] as ModelIdentity;
    const model: ResolvedModel = { provider: getProvider(identity.provider), identity, runtime: ctx.resolved.runtime };
    const prompt = ctx.resolved.uses[`prompts.${own.prompt}`] as unknown as PromptDecl;
    let topics: Topic[] = await readTopics(ctx.input.queries);
    if (own.limit !== null) topics = topics.slice(0, own.limit);
    const t0 = Date.now();
    const path = (ref: string) => {
      const { stage, output } = splitStageRef(ref, '');
      const p = ctx.inputs[stage]?.[output];
      if (!p) throw new Error(`stage ${stage} produced no output '${output}'`);
      return p;
    };
    const gctx: GenerateContext = {
      name: own.model,
      stage: ctx.stageName,
      root: ctx.root,
      tmpDir: ctx.tmpDir,
      env: process.env,
      input: path,
      stored: ctx.store,
      log: ctx.log,
      progress: ctx.progress,
      signal: ctx.signal,
    };
    let pool: Exemplar[] = [];
    if (model.provider.fewShot && prompt.examples) {
      if (prompt.examples.pool) pool = await fewShotPool({ file: join(ctx.root, prompt.examples.pool) });
      else if (ctx.ref.examples_pool.length > 0) {
        const outs = ctx.upstream('examples_pool');
        pool = await fewShotPool({
          dataset: { queries: outs.queries as string, qrels: outs.qrels as string, corpus: outs.corpus as string },
        });
      }
      ctx.log(`few-shot pool: ${pool.length} (query, passage) pairs; ${prompt.examples.k} per query (${prompt.examples.select})`);
    }
    const job = {
      topics,
      prompt,
      samples: own.samples,
      seed: own.seed,
      pool,
      fingerprint: ctx.fingerprint,
      fingerprintOf: (stage: string) => ctx.inputFingerprints[stage] as string,
    };
    const { generations: rows, stats } = await generate(model, job, ctx.store, gctx);
    const hook = ctx.hooks.postprocess_hook;
    if (hook) {
      const queryOf = new Map(topics.map((t) => [t.qid, t.text]));
      const texts = await hooks().call(
        hook,
        rows.map((r) => [r.text, queryOf.get(r.qid)]),
      );
      texts.forEach((t, i) => {
        if (typeof t !== 'string')
          throw new Error(`hook ${hook.name} (${hook.where}) returned ${JSON.stringify(t)}: postprocess must return a string`);
        (rows[i] as (typeof rows)[number]).text = t;
      });
      ctx.log(`hook ${hook.name} post-processed ${rows.length} generations`);
    }
    stats.wall_s = (Date.now() - t0) / 1000;
    stats.requests_per_s = (stats.wall_s as number) > 0 ? Number(stats.sent ?? 0) / (stats.wall_s as number) : 0;
    const byQid = new Map(topics.map((t) => [t.qid, t.text]));
    const out = join(ctx.tmpDir, 'generations.jsonl');
    await writeGenerations(
      out,
      rows.map((r) => ({ qid: r.qid, query: byQid.get(r.qid) as string, sample: r.sample, text: r.text })),
    );
    const statsPath = join(ctx.tmpDir, 'stats.json');
    await writeFile(statsPath, `${JSON.stringify(stats, null, 2)}\n`);
    await ctx.store.replaceGenerations(ctx.fingerprint, rows, stats);
    return { generations: { path: out, managed: true }, stats: { path: statsPath, managed: true } };
  },
});
