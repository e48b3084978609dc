import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Type } from '@sinclair/typebox';
import type { Diagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import { readCorpus } from '../data/corpus.js';
import { readQrels } from '../data/qrels.js';
import { readTopics, type Topic } from '../data/topics.js';
import { hooks } from '../hooks/hook-runtime.js';
import { AdaptiveLimit, ReplicaPool } from '../llm/limiter.js';
import { OpenAIEndpoint } from '../llm/openai-endpoint.js';
import { chooseExamples, type Exemplar, type PromptDecl, postprocess, renderMessages, templateVersion } from '../llm/prompt.js';
import { type Recorded, readPool, readRecorded } from '../llm/recorded.js';
import { type PlannedRequest, percentile, runRequests } from '../llm/runner.js';
import { acquireServer } from '../llm/serve.js';
import type { Completion, LocalModelDecl, ModelDecl, OpenAIModelDecl, PrfModelDecl } from '../llm/types.js';
import { getAnalyzer } from '../retrieval/analysis/analyzers.js';
import { IndexReader } from '../retrieval/index/read-index.js';
import { prfExpansions } from '../retrieval/prf-expansion.js';
import type { GenerationRow, LedgerAnswer, Store } from '../store/store.js';
import { canonicalJson } from '../util/canonical-json.js';
import { sha256Text } from '../util/hash.js';
import { runStreaming } from '../util/run-streaming.js';
import { defineStage, input, type Json, type RunContext, type StageRef, splitStageRef } from './contract.js';
import { hookOf } from './hook-ref.js';
import { stageInput } from './output-ref.js';
import { Ref } from './schema-parts.js';

/** Header names that carry credentials: they must come from `headers_env`, never from YAML. */
const SECRET_HEADERS = /^(authorization|proxy-authorization|api-key|x-api-key|cookie)$/i;

/** Settings of an OpenAI-compatible model that change what it answers (the rest only change how fast). */
function answerShaping(m: OpenAIModelDecl) {
  return {
    provider: 'openai' as const,
    model: m.model,
    endpoint: endpointIdentity(m),
    sampling: (m.sampling ?? {}) as Json,
    extra_body: (m.extra_body ?? {}) as Json,
    headers: (m.headers ?? {}) as Json,
    headers_env: (m.headers_env ?? {}) as Json,
  };
}

/** Settings of a local model that change what it answers. */
function localShaping(m: LocalModelDecl, path: string | null) {
  return {
    provider: 'local' as const,
    model: m.from ? `stage:${m.from}` : (path as string),
    from: m.from ?? null,
    path,
    endpoint: `local:${m.from ? `stage:${m.from}` : path}`,
    engine: m.engine,
    sampling: (m.sampling ?? {}) as Json,
    chat_template_kwargs: (m.chat_template_kwargs ?? {}) as Json,
  };
}

type LocalPart = ReturnType<typeof localShaping>;
type OpenAIPart = ReturnType<typeof answerShaping> & { from: string | null };

/** The endpoint's identity in request keys: `cache_key`, else the server command, else the base URLs. */
function endpointIdentity(m: OpenAIModelDecl): string {
  if (m.cache_key) return m.cache_key;
  if (m.from) return `student:${m.from}`;
  if (m.serve) return `serve:${m.serve.command}`;
  return baseUrls(m).sort().join(' ');
}

function baseUrls(m: OpenAIModelDecl): string[] {
  if (m.base_url !== undefined) return Array.isArray(m.base_url) ? m.base_url : [m.base_url];
  return m.serve ? [`http://127.0.0.1:${m.serve.port}/v1`] : [];
}

/** Removes every secret, and any 8-character piece of one, from text that may be stored or shown. */
export function redact(text: string, secrets: string[]): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 8) {
      if (s) out = out.split(s).join('[redacted]');
      continue;
    }
    out = out.split(s).join('[redacted]');
    for (let i = 0; i + 8 <= s.length; i++) {
      const piece = s.slice(i, i + 8);
      if (out.includes(piece)) out = out.split(piece).join('[redacted]');
    }
  }
  return out;
}

/** Answers are written in batches as they arrive (a crash loses what is in flight, nothing stored). */
class LedgerWriter {
  private pending: { answer: LedgerAnswer; done: () => void; fail: (err: Error) => void }[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly store: Store) {}

  write(answer: LedgerAnswer): Promise<void> {
    return new Promise((done, fail) => {
      this.pending.push({ answer, done, fail });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0);
      try {
        await this.store.recordAnswers(batch.map((b) => b.answer));
        for (const b of batch) b.done();
      } catch (err) {
        for (const b of batch) b.fail(err as Error);
      }
    }
    this.flushing = null;
  }
}

/** The few-shot pool of a dataset stage: each judged query with the text of its first relevant document. */
async function poolFromDataset(queriesPath: string, qrelsPath: string, corpusPath: string): Promise<Exemplar[]> {
  const topics = await readTopics(queriesPath);
  const qrels = await readQrels(qrelsPath);
  const wanted = new Map<string, string>(); // docid → qid
  const relevantOf = new Map<string, string>();
  for (const t of topics) {
    const judged = qrels.get(t.qid);
    if (!judged) continue;
    const first = [...judged].filter(([, grade]) => grade >= 1).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))[0];
    if (!first) continue;
    relevantOf.set(t.qid, first[0]);
    wanted.set(first[0], t.qid);
  }
  const passages = new Map<string, string>();
  for await (const d of readCorpus(corpusPath)) if (wanted.has(d.id)) passages.set(d.id, d.text);
  const out: Exemplar[] = [];
  for (const t of topics) {
    const doc = relevantOf.get(t.qid);
    const passage = doc === undefined ? undefined : passages.get(doc);
    if (passage !== undefined) out.push({ id: t.qid, query: t.text, passage });
  }
  return out;
}

interface Runtime {
  concurrency: number;
  timeout_s: number;
  max_retries: number;
  max_requests?: number;
  max_cost_usd?: number;
  max_error_rate: number;
  price?: { input_per_million: number; output_per_million: number };
  tokenizer: 'o200k_base' | 'cl100k_base';
  api_key_env?: string;
  base_urls: string[];
  serve?: OpenAIModelDecl['serve'];
}

interface LocalRuntime {
  command: string;
  cuda_visible_devices?: string;
  batch_size: number;
}

/** The model a stage uses, if it names one that exists. */
function modelOf(decl: { model?: unknown }, doc: { models?: Record<string, unknown> } | undefined): ModelDecl | undefined {
  const name = decl.model;
  return typeof name === 'string' ? (doc?.models?.[name] as ModelDecl | undefined) : undefined;
}

/** The trained checkpoint's path in place of `{{checkpoint}}`. */
const withCheckpoint = (text: string, path: string) => text.replace(/\{\{\s*checkpoint\s*\}\}/g, path);

/**
 * `generate`: a model × a prompt × a query set (× samples) → expansions. Requests are keyed by
 * the endpoint's identity, the full request body (canonical JSON) and the prompt template's
 * version; every answer goes to the store's ledger as it arrives, so a rerun (after a crash, or
 * in another stage asking the same) sends only what is missing. Outputs `generations` (JSONL:
 * qid, query, sample, text, in query order) and `stats` (tokens, cost, latency).
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
      accepts: 'queries',
      output: 'queries',
      stageOnly: true,
      optional: true,
      description:
        'For a few-shot prompt without `examples.pool`: a dataset stage with queries, qrels and corpus; each judged query is paired with its first relevant document (e.g. MS MARCO training queries with their relevant passage).',
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
        description: 'Requests per query (each with seed + i when `sampling.seed` is set); each gives `sampling.n` completions.',
        minimum: 1,
        default: 1,
      }),
    ),
    limit: Type.Optional(Type.Integer({ description: 'Only the first N queries (for a trial run).', minimum: 1 })),
  },
  required: ['model', 'prompt'],
  outputs: { generations: 'generations', stats: 'generation-stats' },

  indirectRefs(decl, doc) {
    const out: StageRef[] = [];
    // a trained student: the stage runs after its training
    const model = modelOf(decl, doc);
    if (model && 'from' in model && typeof model.from === 'string') out.push({ stage: model.from, ptr: '/model' });
    // a feedback expander reads an index and a corpus
    if (model?.provider === 'prf') {
      if (typeof model.index === 'string') out.push({ stage: splitStageRef(model.index, 'index').stage, ptr: '/model' });
      if (typeof model.corpus === 'string') out.push({ stage: splitStageRef(model.corpus, 'corpus').stage, ptr: '/model' });
    }
    return out;
  },

  check(scope, decl) {
    const s = decl;
    const out: Diagnostic[] = [];
    const at = (key: string, message: string, ptr = `${scope.ptr}/${key}`) =>
      out.push({ pos: scope.map.locate(ptr), path: `stages.${scope.stageName}.${key}`, message });
    const models = scope.doc.models ?? {};
    const prompts = scope.doc.prompts ?? {};
    const model = models[s.model] as ModelDecl | undefined;
    const prompt = prompts[s.prompt] as PromptDecl | undefined;
    if (!model) at('model', `no model '${s.model}' under models${didYouMean(s.model, Object.keys(models))}`);
    if (!prompt) at('prompt', `no prompt '${s.prompt}' under prompts${didYouMean(s.prompt, Object.keys(prompts))}`);
    if (model?.provider === 'openai') {
      const mp = `/models/${s.model}`;
      const here = (key: string, message: string) =>
        out.push({ pos: scope.map.locate(`${mp}${key ? `/${key}` : ''}`), path: `models.${s.model}${key ? `.${key}` : ''}`, message });
      if (!model.model) here('', "an 'openai' model needs 'model': the name the endpoint serves");
      if (model.base_url === undefined && !model.serve) here('', "an 'openai' model needs 'base_url' (or 'serve', to start its server)");
      for (const h of Object.keys(model.headers ?? {}))
        if (SECRET_HEADERS.test(h))
          here(`headers/${h}`, `header '${h}' carries a credential: give it with headers_env (the variable's name) or api_key_env`);
      if (model.max_cost_usd !== undefined && !model.price) here('max_cost_usd', 'max_cost_usd needs price (dollars per million tokens)');
    }
    if (model && (model.provider === 'openai' || model.provider === 'local') && model.from !== undefined) {
      const k = scope.doc.stages[model.from]?.kind;
      if (k !== undefined && k !== 'train')
        out.push({
          pos: scope.map.locate(`/models/${s.model}/from`),
          path: `models.${s.model}.from`,
          message: `a model's 'from' is a train stage (its checkpoint); '${model.from}' is ${k}`,
        });
    }
    if (model?.provider === 'local' && (model.from === undefined) === (model.path === undefined))
      out.push({
        pos: scope.map.locate(`/models/${s.model}`),
        path: `models.${s.model}`,
        message: "a 'local' model needs 'from' (a train stage) or 'path' (a model folder or id), one of them",
      });
    if (model?.provider === 'prf') {
      for (const key of ['index', 'corpus'] as const)
        if (typeof model[key] !== 'string')
          out.push({
            pos: scope.map.locate(`/models/${s.model}`),
            path: `models.${s.model}`,
            message: `a 'prf' model needs '${key}': ${key === 'index' ? 'the index stage it searches' : 'the dataset stage whose corpus gives the text'}`,
          });
      for (const [key, kind] of [
        ['index', 'index'],
        ['corpus', 'dataset'],
      ] as const) {
        if (typeof model[key] !== 'string') continue;
        const target = scope.doc.stages[splitStageRef(model[key], key).stage]?.kind;
        if (target !== undefined && target !== kind)
          out.push({
            pos: scope.map.locate(`/models/${s.model}/${key}`),
            path: `models.${s.model}.${key}`,
            message: `a 'prf' model's ${key} is ${kind === 'index' ? 'an index' : 'a dataset'} stage; '${model[key]}' is ${target}`,
          });
      }
    }
    if (model?.provider === 'replay') {
      if (!model.file && !model.stage)
        out.push({
          pos: scope.map.locate(`/models/${s.model}`),
          path: `models.${s.model}`,
          message: "a 'replay' model needs 'file' or 'stage'",
        });
    }
    if (prompt) {
      const usesSlot = prompt.messages.some((m) => /\{\{\s*examples\s*\}\}/.test(m.content));
      const pp = `/prompts/${s.prompt}`;
      if (usesSlot && !prompt.examples)
        out.push({
          pos: scope.map.locate(pp),
          path: `prompts.${s.prompt}`,
          message: 'the messages use {{examples}} but the prompt declares no examples',
        });
      if (prompt.examples && !usesSlot)
        out.push({
          pos: scope.map.locate(`${pp}/examples`),
          path: `prompts.${s.prompt}.examples`,
          message: 'examples are declared but no message has an {{examples}} slot',
        });
      if (prompt.examples?.select === 'fixed' && !prompt.examples.ids)
        out.push({ pos: scope.map.locate(`${pp}/examples`), path: `prompts.${s.prompt}.examples`, message: "select: fixed needs 'ids'" });
      if (prompt.examples && model?.provider !== 'replay') {
        if (!prompt.examples.pool && !s.examples_pool)
          at(
            'prompt',
            `prompt '${s.prompt}' draws few-shot examples: give it examples.pool, or give this stage examples_pool (a dataset stage)`,
          );
        if (prompt.examples.pool && s.examples_pool) at('examples_pool', `prompt '${s.prompt}' already has examples.pool`);
      }
    }
    if (s.examples_pool) {
      const outs = Object.keys(scope.outputsOf(s.examples_pool) ?? {});
      for (const need of ['queries', 'qrels', 'corpus'])
        if (scope.outputsOf(s.examples_pool) && !outs.includes(need))
          at('examples_pool', `stage '${s.examples_pool}' has no output '${need}': the pool needs queries, qrels and a corpus`);
    }
    return out;
  },

  resolve(scope, decl) {
    const s = decl;
    const model = scope.doc.models?.[s.model] as unknown as ModelDecl;
    const prompt = scope.doc.prompts?.[s.prompt] as unknown as PromptDecl;
    const files: string[] = [];
    let modelPart: Json;
    let runtime: Json = null;
    if (model.provider === 'local') {
      let path: string | null = null;
      if (model.path !== undefined) {
        // a folder here (checksummed into the fingerprint), or a hub id
        const local = scope.resolvePath(`/models/${s.model}/path`, model.path);
        if (existsSync(local)) {
          files.push(local);
          path = scope.recordPath(local);
        } else path = model.path;
      }
      modelPart = localShaping(model, path);
      const rt: LocalRuntime = {
        command: model.command ?? 'python3',
        cuda_visible_devices: model.cuda_visible_devices,
        batch_size: model.batch_size,
      };
      runtime = JSON.parse(JSON.stringify(rt)) as Json;
    } else if (model.provider === 'prf') {
      const index = splitStageRef(model.index, 'index');
      const corpus = splitStageRef(model.corpus, 'corpus');
      const r = scope.doc.retrieval;
      modelPart = {
        provider: 'prf',
        method: model.method,
        index: `${index.stage}.${index.output}`,
        corpus: `${corpus.stage}.${corpus.output}`,
        fb_docs: model.fb_docs,
        fb_terms: model.fb_terms,
        sentences: model.sentences,
        bm25: r.bm25,
      };
    } else if (model.provider === 'replay') {
      const file = model.file ? scope.resolvePath(`/models/${s.model}/file`, model.file) : undefined;
      if (file) files.push(file);
      modelPart = { provider: 'replay', file: file ? scope.recordPath(file) : null, stage: model.stage ?? null };
    } else {
      modelPart = { ...answerShaping(model), from: model.from ?? null };
      const rt: Runtime = {
        concurrency: model.concurrency,
        timeout_s: model.timeout_s,
        max_retries: model.max_retries,
        max_requests: model.max_requests,
        max_cost_usd: model.max_cost_usd,
        max_error_rate: model.max_error_rate,
        price: model.price,
        tokenizer: model.tokenizer,
        api_key_env: model.api_key_env,
        base_urls: baseUrls(model),
        serve: model.serve,
      };
      runtime = JSON.parse(JSON.stringify(rt)) as Json;
    }
    let promptPart = prompt as unknown as Json;
    if (prompt.examples?.pool) {
      const pool = scope.resolvePath(`/prompts/${s.prompt}/examples/pool`, prompt.examples.pool);
      files.push(pool);
      promptPart = { ...prompt, examples: { ...prompt.examples, pool: scope.recordPath(pool) } } as unknown as Json;
    }
    return {
      own: { model: s.model, prompt: s.prompt, samples: s.samples ?? 1, limit: s.limit ?? null, seed: scope.doc.seed },
      uses: { [`models.${s.model}`]: modelPart, [`prompts.${s.prompt}`]: promptPart },
      files,
      runtime,
    };
  },

  async run(ctx) {
    const own = ctx.resolved.own as {
      model: string;
      prompt: string;
      queries: string;
      samples: number;
      limit: number | null;
      examples_pool: string | null;
      seed: number;
      postprocess_hook: string | null;
    };
    const modelPart = ctx.resolved.uses[`models.${own.model}`] as unknown as
      | OpenAIPart
      | LocalPart
      | { provider: 'replay'; file: string | null; stage: string | null }
      | PrfPart;
    const prompt = ctx.resolved.uses[`prompts.${own.prompt}`] as unknown as PromptDecl;
    let topics: Topic[] = await readTopics(stageInput(ctx, own.queries));
    if (own.limit !== null) topics = topics.slice(0, own.limit);
    const t0 = Date.now();
    let rows: GenerationRow[];
    let stats: Record<string, Json>;
    if (modelPart.provider === 'replay') {
      ({ rows, stats } = await replay(ctx, modelPart, prompt, topics, own.samples));
    } else if (modelPart.provider === 'prf') {
      ({ rows, stats } = await feedbackExpansions(ctx, modelPart, prompt, topics, own.samples));
    } else {
      ({ rows, stats } = await generate(ctx, own, modelPart, prompt, topics));
    }
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
        (rows[i] as GenerationRow).text = t;
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
});

/** A `prf` model as fingerprinted: its settings (stage references as STAGE.OUTPUT) and the BM25 parameters it searches with. */
type PrfPart = Omit<PrfModelDecl, 'description'> & { bm25: { k1: number; b: number } };

/** A `prf` model's expansions: BM25 feedback from the index, the documents' text from the corpus (read once). */
async function feedbackExpansions(
  ctx: RunContext,
  model: PrfPart,
  prompt: PromptDecl,
  topics: Topic[],
  samples: number,
): Promise<{ rows: GenerationRow[]; stats: Record<string, Json> }> {
  const index = new IndexReader(IndexReader.load(stageInput(ctx, model.index), model.method === 'rm3-terms'));
  const corpus = stageInput(ctx, model.corpus);
  const textOf = async (ids: Set<string>) => {
    const out = new Map<string, string>();
    for await (const d of readCorpus(corpus)) {
      if (ids.has(d.id)) out.set(d.id, d.text);
      if (out.size === ids.size) break;
    }
    return out;
  };
  const t0 = Date.now();
  const found = await prfExpansions(
    index,
    getAnalyzer(index.meta.analyzer.name),
    model.bm25,
    topics,
    { method: model.method, fbDocs: model.fb_docs, fbTerms: model.fb_terms, sentences: model.sentences, samples },
    textOf,
  );
  const rows = found.map((e) => ({ qid: e.qid, sample: e.sample, text: postprocess(e.text, prompt.postprocess), requestKey: null }));
  const empty = rows.filter((r) => r.text === '').length;
  if (empty) ctx.log(`warning: ${empty} of ${rows.length} expansions are empty (a query with no hit, or fewer hits than samples)`);
  const words = rows.reduce((a, r) => a + (r.text ? r.text.split(' ').length : 0), 0);
  ctx.log(`${rows.length} ${model.method} expansions for ${topics.length} queries in ${Date.now() - t0} ms`);
  return {
    rows,
    stats: {
      provider: 'prf',
      method: model.method,
      queries: topics.length,
      generations: rows.length,
      words_per_generation: rows.length ? words / rows.length : 0,
      requests: 0,
      sent: 0,
      cost_usd: 0,
    },
  };
}

async function replay(
  ctx: RunContext,
  model: { file: string | null; stage: string | null },
  prompt: PromptDecl,
  topics: Topic[],
  samples: number,
): Promise<{ rows: GenerationRow[]; stats: Record<string, Json> }> {
  let recorded: Recorded;
  let source: string;
  if (model.file) {
    source = model.file;
    recorded = readRecorded(join(ctx.root, model.file));
  } else {
    const fp = await ctx.store.latestDone(model.stage as string);
    if (!fp)
      throw new Error(`replay: no stage '${model.stage}' has completed in ${ctx.store.path}; run it first, or replay an exported file`);
    source = `stage ${model.stage} (${fp.slice(0, 12)})`;
    recorded = new Map();
    for (const r of await ctx.store.generations(fp)) {
      const list = recorded.get(r.qid) ?? [];
      list[r.sample] = r.text;
      recorded.set(r.qid, list);
    }
  }
  const rows: GenerationRow[] = [];
  for (const t of topics) {
    const texts = recorded.get(t.qid);
    for (let s = 0; s < samples; s++) {
      const text = texts?.[s];
      if (text === undefined)
        throw new Error(`replay: ${source} has no generation for query ${t.qid}${samples > 1 ? ` (sample ${s})` : ''} ("${t.text}")`);
      rows.push({ qid: t.qid, sample: s, text: postprocess(text, prompt.postprocess), requestKey: null });
    }
  }
  ctx.log(`replayed ${rows.length} generations for ${topics.length} queries from ${source}`);
  return {
    rows,
    stats: { provider: 'replay', source, queries: topics.length, generations: rows.length, requests: 0, sent: 0, cost_usd: 0 },
  };
}

async function generate(
  ctx: RunContext,
  own: { model: string; prompt: string; samples: number; examples_pool: string | null; seed: number },
  model: OpenAIPart | LocalPart,
  prompt: PromptDecl,
  topics: Topic[],
): Promise<{ rows: GenerationRow[]; stats: Record<string, Json> }> {
  // a trained student's answers are keyed by its training too: a retrained student is asked again
  const endpoint = model.from ? `${model.endpoint}@${ctx.inputFingerprints[model.from]}` : model.endpoint;
  const sampling = model.sampling as Record<string, unknown>;
  const n = typeof sampling.n === 'number' ? sampling.n : 1;
  const tv = templateVersion(prompt);

  let pool: Exemplar[] = [];
  if (prompt.examples) {
    if (prompt.examples.pool) pool = readPool(join(ctx.root, prompt.examples.pool));
    else if (own.examples_pool) {
      const ref = (o: string) => stageInput(ctx, `${own.examples_pool}.${o}`);
      pool = await poolFromDataset(ref('queries'), ref('qrels'), ref('corpus'));
    }
    ctx.log(`few-shot pool: ${pool.length} (query, passage) pairs; ${prompt.examples.k} per query (${prompt.examples.select})`);
  }

  // one request per (query, sample): the body is what the endpoint gets, the key what the ledger keeps
  const plan: { qid: string; sample: number; req: PlannedRequest }[] = [];
  for (const t of topics) {
    const examples = prompt.examples ? chooseExamples(prompt.examples, pool, own.seed, t.qid, t.text) : [];
    const messages = renderMessages(prompt, t.text, examples);
    for (let s = 0; s < own.samples; s++) {
      const samplingHere = { ...sampling };
      if (own.samples > 1 && typeof sampling.seed === 'number') samplingHere.seed = sampling.seed + s;
      const body =
        model.provider === 'openai'
          ? { ...(model.extra_body as Record<string, unknown>), ...samplingHere, model: model.model, messages }
          : { ...samplingHere, chat_template_kwargs: model.chat_template_kwargs, engine: model.engine, model: model.model, messages };
      const key = sha256Text(canonicalJson({ endpoint, body, template: tv }));
      plan.push({ qid: t.qid, sample: s, req: { key, body, messages } });
    }
  }
  const stored = await ctx.store.answers([...new Set(plan.map((p) => p.req.key))]);
  const pendingKeys = new Set<string>();
  const pending: PlannedRequest[] = [];
  for (const p of plan) {
    if (stored.has(p.req.key) || pendingKeys.has(p.req.key)) continue;
    pendingKeys.add(p.req.key);
    pending.push(p.req);
  }
  ctx.log(
    `${model.model} at ${endpoint}: ${topics.length} queries × ${own.samples} sample(s) × n=${n}; ${plan.length} requests, ${plan.length - pending.length} already answered, ${pending.length} to send`,
  );

  const writer = new LedgerWriter(ctx.store);
  const answered = new Map(stored);
  const total = plan.length;
  const already = plan.length - pending.length;
  const record = async (req: PlannedRequest, c: Completion, cost: number) => {
    const a: LedgerAnswer = {
      key: req.key,
      endpoint,
      model: model.model,
      body: req.body,
      templateVersion: tv,
      texts: c.texts,
      finishReasons: c.finishReasons,
      promptTokens: c.promptTokens,
      completionTokens: c.completionTokens,
      tokensEstimated: c.estimated,
      latencyMs: c.latencyMs,
      costUsd: cost,
      replica: c.endpoint,
      fingerprint: ctx.fingerprint,
    };
    await writer.write(a);
    answered.set(req.key, a);
  };
  let run: SendResult | undefined;
  if (pending.length === 0) ctx.progress(total, total, 'requests');
  else if (model.provider === 'local') run = await sendLocal(ctx, model, pending, record, already, total);
  else run = await sendOpenAI(ctx, own.model, model, pending, record, already, total);

  // generations in query order, sample order, choice order, whatever order the answers came in
  const rows: GenerationRow[] = [];
  const used: LedgerAnswer[] = [];
  let missing = 0;
  for (const p of plan) {
    const a = answered.get(p.req.key);
    if (!a) {
      missing++;
      continue;
    }
    used.push(a);
    a.texts.forEach((text, i) => {
      rows.push({ qid: p.qid, sample: p.sample * n + i, text: postprocess(text, prompt.postprocess), requestKey: p.req.key });
    });
  }
  const short = used.filter((a) => a.texts.length < n).length;
  if (short > 0)
    ctx.log(
      `warning: ${short} answers have fewer than n=${n} choices (the endpoint ignores n?); use samples: ${n} with sampling.n: 1 for such endpoints`,
    );
  const sum = (f: (a: LedgerAnswer) => number) => used.reduce((x, a) => x + f(a), 0);
  const completion = sum((a) => a.completionTokens);
  const cost = sum((a) => a.costUsd);
  const latencies = used.map((a) => a.latencyMs);
  const stats: Record<string, Json> = {
    provider: model.provider,
    model: model.model,
    endpoint,
    queries: topics.length,
    requests: plan.length,
    cached: plan.length - pending.length,
    generations: rows.length,
    missing,
    // what the generations used cost, cached or not: the inference cost of this model and prompt
    prompt_tokens: sum((a) => a.promptTokens),
    completion_tokens: completion,
    estimated_answers: used.filter((a) => a.tokensEstimated).length,
    completion_tokens_per_query: topics.length ? completion / topics.length : 0,
    cost_usd: cost,
    cost_per_1000_queries_usd: topics.length ? (1000 * cost) / topics.length : 0,
    latency_p50_ms: percentile(latencies, 50),
    latency_p95_ms: percentile(latencies, 95),
    // this run's traffic
    sent: run?.sent ?? 0,
    answered_now: run?.answered ?? 0,
    failed: run?.failed ?? 0,
    cost_usd_now: run?.costUsd ?? 0,
  };
  ctx.log(
    `${rows.length} generations; ${stats.sent} requests sent, ${stats.cached} answered from the ledger, ${stats.failed} failed; ` +
      `${completion} completion tokens (${(stats.completion_tokens_per_query as number).toFixed(1)}/query), $${cost.toFixed(4)}; ` +
      `latency p50 ${(stats.latency_p50_ms as number).toFixed(0)} ms, p95 ${(stats.latency_p95_ms as number).toFixed(0)} ms`,
  );
  return { rows, stats };
}

type SendResult = { sent: number; answered: number; failed: number; costUsd: number };
type RecordAnswer = (req: PlannedRequest, c: Completion, cost: number) => Promise<void>;

/** Sends the pending requests to an OpenAI-compatible endpoint (started first if the model has `serve`). */
async function sendOpenAI(
  ctx: RunContext,
  name: string,
  model: OpenAIPart,
  pending: PlannedRequest[],
  record: RecordAnswer,
  already: number,
  total: number,
): Promise<SendResult> {
  const rt = ctx.resolved.runtime as unknown as Runtime;
  const secrets: string[] = [];
  const apiKey = rt.api_key_env ? process.env[rt.api_key_env] : undefined;
  if (rt.api_key_env && !apiKey)
    throw new Error(
      `${pending.length} requests must be sent to ${model.model}, but the environment variable ${rt.api_key_env} (models.${name}.api_key_env) is not set; set it, or import a ledger that holds these answers (qexp ledger import)`,
    );
  if (apiKey) secrets.push(apiKey);
  const headers: Record<string, string> = { ...(model.headers as Record<string, string>) };
  for (const [h, v] of Object.entries(model.headers_env as Record<string, string>)) {
    const value = process.env[v];
    if (!value) throw new Error(`header ${h} comes from the environment variable ${v} (models.${name}.headers_env), which is not set`);
    headers[h] = value;
    secrets.push(value);
  }
  let serve = rt.serve;
  if (serve && model.from) {
    // a trained student: its server loads the checkpoint
    const checkpoint = stageInput(ctx, `${model.from}.checkpoint`);
    serve = {
      ...serve,
      command: withCheckpoint(serve.command, checkpoint),
      env: serve.env && Object.fromEntries(Object.entries(serve.env).map(([k, v]) => [k, withCheckpoint(v, checkpoint)])),
    };
  }
  const release = serve ? await acquireServer(name, serve, ctx.log) : undefined;
  let run: Awaited<ReturnType<typeof runRequests>>;
  try {
    const replicas = rt.base_urls.map((url) => ({
      target: new OpenAIEndpoint(url, { apiKey, headers, timeoutMs: rt.timeout_s * 1000 }),
      limit: new AdaptiveLimit(rt.concurrency),
    }));
    let lastLog = 0;
    run = await runRequests(pending, {
      pool: new ReplicaPool(replicas),
      maxRetries: rt.max_retries,
      tokenizer: rt.tokenizer,
      price: rt.price,
      maxRequests: rt.max_requests,
      maxCostUsd: rt.max_cost_usd,
      maxErrorRate: rt.max_error_rate,
      signal: ctx.signal,
      onAnswer: record,
      async onError(req, err, attempt, final) {
        const message = redact(err.message, secrets);
        await ctx.store.recordLlmErrors([
          {
            key: req.key,
            fingerprint: ctx.fingerprint,
            replica: null,
            attempt,
            final,
            kind: err.kind,
            status: err.status ?? null,
            message,
          },
        ]);
        if (final) ctx.log(`request failed for good after ${attempt} attempt(s): ${message}`);
      },
      onProgress(s) {
        const done = already + s.answered + s.failed;
        ctx.progress(done, total, 'requests', `$${s.costUsd.toFixed(4)}${s.failed ? ` · ${s.failed} failed` : ''}`);
        const now = Date.now();
        if (now - lastLog > 10_000 || done === total) {
          lastLog = now;
          ctx.log(`${done}/${total} requests; ${s.failed} failed; $${s.costUsd.toFixed(4)} so far`);
        }
      },
    });
  } finally {
    await release?.();
  }
  if (ctx.signal.aborted) throw new Error('interrupted');
  if (run.stopped)
    throw new Error(
      `stopped: ${redact(run.stopped, secrets)}. ${run.answered} answers of this run are stored; a rerun sends only the ${pending.length - run.answered} others`,
    );
  if (run.failed > 0)
    ctx.log(
      `warning: ${run.failed} of ${pending.length} requests failed (within max_error_rate ${rt.max_error_rate}); their queries have no generation. See the store's llm_errors table; rerun with --force ${ctx.stageName} to ask again`,
    );
  return run;
}

/** A line of trainers/generate.py --stream: one answer. */
const ANSWER = 'qexp:answer ';

/**
 * Answers the pending requests with trainers/generate.py on this machine. Each answer it prints
 * goes to the ledger at once, so a stopped or failed run keeps what it answered and a rerun asks
 * only for the rest.
 */
async function sendLocal(
  ctx: RunContext,
  model: LocalPart,
  pending: PlannedRequest[],
  record: RecordAnswer,
  already: number,
  total: number,
): Promise<SendResult> {
  const rt = ctx.resolved.runtime as unknown as LocalRuntime;
  const path = model.from ? stageInput(ctx, `${model.from}.checkpoint`) : (model.path as string);
  const modelPath = model.from || !existsSync(resolve(ctx.root, path)) ? path : resolve(ctx.root, path);
  const jobPath = join(ctx.tmpDir, 'gen-job.json');
  const byKey = new Map(pending.map((r) => [r.key, r]));
  await writeFile(
    jobPath,
    `${JSON.stringify({
      model: modelPath,
      engine: model.engine,
      sampling: model.sampling,
      chat_template_kwargs: model.chat_template_kwargs,
      batch_size: rt.batch_size,
      // samples of one query differ by their seed (sampling.seed + sample)
      requests: pending.map((r) => ({
        key: r.key,
        messages: r.messages,
        ...(typeof r.body.seed === 'number' ? { seed: r.body.seed } : {}),
      })),
    })}\n`,
  );
  const script = fileURLToPath(new URL('../../trainers/generate.py', import.meta.url));
  const env: Record<string, string> = { PYTHONUNBUFFERED: '1' };
  if (rt.cuda_visible_devices !== undefined) env.CUDA_VISIBLE_DEVICES = rt.cuda_visible_devices;
  ctx.log(`$ ${rt.command} ${script} --job ${jobPath} --stream`);
  let answered = 0;
  const writes: Promise<void>[] = [];
  let bad: string | undefined;
  const r = await runStreaming('bash', ['-c', `${rt.command} "$0" --job "$1" --stream`, script, jobPath], {
    cwd: ctx.tmpDir,
    env,
    graceS: 30,
    signal: ctx.signal,
    onLine(line) {
      if (!line.startsWith(ANSWER)) return ctx.log(line);
      let a: {
        key?: unknown;
        texts?: unknown;
        finish_reasons?: unknown;
        prompt_tokens?: unknown;
        completion_tokens?: unknown;
        latency_ms?: unknown;
      };
      try {
        a = JSON.parse(line.slice(ANSWER.length));
      } catch {
        bad ??= `generate.py printed an answer that is not JSON: ${line.slice(0, 200)}`;
        return;
      }
      const req = typeof a.key === 'string' ? byKey.get(a.key) : undefined;
      if (!req || !Array.isArray(a.texts) || !a.texts.every((t) => typeof t === 'string')) {
        bad ??= `generate.py printed an answer for no request of this stage, or without texts: ${line.slice(0, 200)}`;
        return;
      }
      byKey.delete(a.key as string);
      answered++;
      const texts = a.texts as string[];
      writes.push(
        record(
          req,
          {
            texts,
            finishReasons: Array.isArray(a.finish_reasons) ? (a.finish_reasons as (string | null)[]) : texts.map(() => null),
            promptTokens: Number(a.prompt_tokens) || 0,
            completionTokens: Number(a.completion_tokens) || 0,
            estimated: false,
            latencyMs: Number(a.latency_ms) || 0,
            endpoint: 'local',
          },
          0,
        ),
      );
      ctx.progress(already + answered, total, 'requests');
    },
  });
  await Promise.all(writes);
  const last = r.tail.length ? `; its last lines:\n${r.tail.slice(-12).join('\n')}` : '';
  if (r.stopped) throw new Error(`${r.stopped}; ${answered} answers of this run are stored`);
  if (r.exitCode !== 0)
    throw new Error(
      `trainers/generate.py failed (${r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`}); ${answered} answers of this run are stored${last}`,
    );
  if (bad) throw new Error(bad);
  if (byKey.size > 0) throw new Error(`trainers/generate.py ended without answering ${byKey.size} of ${pending.length} requests${last}`);
  return { sent: pending.length, answered, failed: 0, costUsd: 0 };
}
