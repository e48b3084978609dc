import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Diagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import type { ExperimentDoc, StageDecl } from '../config/types.js';
import { readTopics, type Topic } from '../data/topics.js';
import { hooks } from '../hooks/hook-runtime.js';
import { type GenerateContext, generate, type ResolvedModel } from '../llm/answer.js';
import { fewShotPool } from '../llm/few-shot-pool.js';
import { type Exemplar, type PromptDecl, promptProblems } from '../llm/prompt.js';
import type { ModelDecl, ModelIdentity, Provider } from '../llm/providers/provider.js';
import { findProvider, getProvider } from '../llm/providers/registry.js';
import { checkHookRef, hookOf, resolveHook } from './hook-ref.js';
import { checkOutputRef, splitStageRef, stageInput } from './output-ref.js';
import type { Json, Resolved, RunContext, StageKind, StageOutput, StageScope } from './stage-kind.js';

interface GenerateStage extends StageDecl {
  kind: 'generate';
  model: string;
  prompt: string;
  queries: string;
  samples: number;
  limit?: number;
  examples_pool?: string;
  postprocess_hook?: string;
}

/** The stage's own part of its fingerprint. */
interface GenerateOwn {
  model: string;
  prompt: string;
  queries: string;
  samples: number;
  limit: number | null;
  examples_pool: string | null;
  seed: number;
  postprocess_hook: string | null;
}

/** The model a stage names, with its provider, if both exist. */
function modelOf(decl: StageDecl, doc: Pick<ExperimentDoc, 'models'> | undefined): { model: ModelDecl; provider: Provider } | undefined {
  const name = (decl as Partial<GenerateStage>).model;
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
export const generateStage: StageKind = {
  kind: 'generate',
  version: 1,

  refs(decl, doc) {
    const s = decl as GenerateStage;
    const out = [];
    if (typeof s.queries === 'string') out.push({ stage: splitStageRef(s.queries, 'queries').stage, ptr: '/queries' });
    if (typeof s.examples_pool === 'string') out.push({ stage: s.examples_pool, ptr: '/examples_pool' });
    // a trained student runs after its training, a prf model after its index and corpus
    const m = modelOf(decl, doc);
    for (const r of m?.provider.refs(m.model) ?? []) out.push({ stage: splitStageRef(r.ref, r.output).stage, ptr: '/model' });
    return out;
  },

  check(scope, decl) {
    const s = decl as GenerateStage;
    const out: Diagnostic[] = [];
    const at = (key: string, message: string) =>
      out.push({ pos: scope.map.locate(`${scope.ptr}/${key}`), path: `stages.${scope.stageName}.${key}`, message });
    // a problem in the model's or the prompt's own settings is reported where they are written
    const under = (keys: string[], message: string) => out.push({ pos: scope.map.locate(pointer(keys)), path: keys.join('.'), message });
    const models = scope.doc.models ?? {};
    const prompts = scope.doc.prompts ?? {};
    const prompt = prompts[s.prompt] as PromptDecl | undefined;
    if (!models[s.model]) at('model', `no model '${s.model}' under models${didYouMean(s.model, Object.keys(models))}`);
    if (!prompt) at('prompt', `no prompt '${s.prompt}' under prompts${didYouMean(s.prompt, Object.keys(prompts))}`);
    out.push(...checkOutputRef(scope, 'queries', s.queries, 'queries'));
    const m = modelOf(decl, scope.doc);
    if (m) {
      for (const p of m.provider.check(m.model)) under(['models', s.model, ...p.key], p.message);
      for (const r of m.provider.refs(m.model)) {
        const target = scope.doc.stages[splitStageRef(r.ref, r.output).stage]?.kind;
        if (target !== undefined && target !== r.kind)
          under(
            ['models', s.model, r.key],
            `a '${m.provider.name}' model's '${r.key}' is ${/^[aeiou]/.test(r.kind) ? 'an' : 'a'} ${r.kind} stage (${r.what}); '${r.ref}' is ${target}`,
          );
      }
    }
    if (prompt) {
      for (const p of promptProblems(prompt)) under(['prompts', s.prompt, ...p.key], p.message);
      if (prompt.examples && m?.provider.fewShot !== false) {
        if (!prompt.examples.pool && !s.examples_pool)
          at(
            'prompt',
            `prompt '${s.prompt}' draws few-shot examples: give it examples.pool, or give this stage examples_pool (a dataset stage)`,
          );
        if (prompt.examples.pool && s.examples_pool) at('examples_pool', `prompt '${s.prompt}' already has examples.pool`);
      }
    }
    out.push(...checkHookRef(scope, 'postprocess_hook', s.postprocess_hook));
    if (s.examples_pool) {
      const outs = scope.outputsOf(s.examples_pool);
      for (const need of ['queries', 'qrels', 'corpus'])
        if (outs && !outs.includes(need))
          at('examples_pool', `stage '${s.examples_pool}' has no output '${need}': the pool needs queries, qrels and a corpus`);
    }
    return out;
  },

  outputs() {
    return ['generations', 'stats'];
  },

  resolve(scope: StageScope, decl): Resolved {
    const s = decl as GenerateStage;
    const { model, provider } = modelOf(decl, scope.doc) as { model: ModelDecl; provider: Provider };
    const prompt = scope.doc.prompts?.[s.prompt] as unknown as PromptDecl;
    const queries = splitStageRef(s.queries, 'queries');
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
    const own: GenerateOwn = {
      model: s.model,
      prompt: s.prompt,
      queries: `${queries.stage}.${queries.output}`,
      samples: s.samples,
      limit: s.limit ?? null,
      examples_pool: s.examples_pool ?? null,
      seed: scope.doc.seed,
      postprocess_hook: s.postprocess_hook ?? null,
    };
    const resolved: Resolved = {
      own: own as unknown as Json,
      uses: { [`models.${s.model}`]: identity, [`prompts.${s.prompt}`]: promptPart },
      files,
      outputs: ['generations', 'stats'],
      publish: {},
      runtime: runtime as Json,
    };
    resolveHook(scope, s.postprocess_hook, resolved);
    return resolved;
  },

  async run(ctx: RunContext): Promise<Record<string, StageOutput>> {
    const own = ctx.resolved.own as unknown as GenerateOwn;
    const identity = ctx.resolved.uses[`models.${own.model}`] as ModelIdentity;
    const model: ResolvedModel = { provider: getProvider(identity.provider), identity, runtime: ctx.resolved.runtime };
    const prompt = ctx.resolved.uses[`prompts.${own.prompt}`] as unknown as PromptDecl;
    let topics: Topic[] = await readTopics(stageInput(ctx, own.queries));
    if (own.limit !== null) topics = topics.slice(0, own.limit);
    const t0 = Date.now();
    const gctx: GenerateContext = {
      name: own.model,
      stage: ctx.stageName,
      root: ctx.root,
      tmpDir: ctx.tmpDir,
      env: process.env,
      input: (ref) => stageInput(ctx, ref),
      stored: ctx.store,
      log: ctx.log,
      progress: ctx.progress,
      signal: ctx.signal,
    };
    const job = {
      topics,
      prompt,
      samples: own.samples,
      seed: own.seed,
      pool: model.provider.fewShot ? await poolOf(ctx, own, prompt) : [],
      fingerprint: ctx.fingerprint,
      fingerprintOf: (stage: string) => ctx.inputFingerprints[stage] as string,
    };
    const { generations: rows, stats } = await generate(model, job, ctx.store, gctx);
    const hook = hookOf(ctx, own.postprocess_hook);
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
    const path = join(ctx.tmpDir, 'generations.jsonl');
    await writeFile(
      path,
      rows.map((r) => `${JSON.stringify({ qid: r.qid, query: byQid.get(r.qid), sample: r.sample, text: r.text })}\n`).join(''),
    );
    const statsPath = join(ctx.tmpDir, 'stats.json');
    await writeFile(statsPath, `${JSON.stringify(stats, null, 2)}\n`);
    await ctx.store.replaceGenerations(ctx.fingerprint, rows, stats);
    return { generations: { path, managed: true }, stats: { path: statsPath, managed: true } };
  },
};

/** The prompt's few-shot pool: its `examples.pool` file, else the stage's `examples_pool` dataset (none without examples). */
async function poolOf(ctx: RunContext, own: GenerateOwn, prompt: PromptDecl): Promise<Exemplar[]> {
  if (!prompt.examples) return [];
  let pool: Exemplar[] = [];
  if (prompt.examples.pool) pool = await fewShotPool({ file: join(ctx.root, prompt.examples.pool) });
  else if (own.examples_pool) {
    const ref = (o: string) => stageInput(ctx, `${own.examples_pool}.${o}`);
    pool = await fewShotPool({ dataset: { queries: ref('queries'), qrels: ref('qrels'), corpus: ref('corpus') } });
  }
  ctx.log(`few-shot pool: ${pool.length} (query, passage) pairs; ${prompt.examples.k} per query (${prompt.examples.select})`);
  return pool;
}
