import type { Topic } from '../data/topics.js';
import { answeredStats, ledgerStats, type Traffic } from './generation-stats.js';
import { ledgerAnswerProblem, requestKey } from './ledger-answer.js';
import { type Ledger, type LedgerAnswer, LedgerWriter } from './ledger-writer.js';
import { chooseExamples, type Exemplar, type PromptDecl, postprocess, renderMessages, templateVersion } from './prompt.js';
import { type AnswerContext, DRAW_MEMBER, type LlmRequest, type ModelIdentity, type Provider } from './providers/provider.js';
import { redact, redactError } from './redact.js';
import type { Completion, Json } from './types.js';

/** A model as a stage resolved it: its provider, and what `resolve` gave. */
export interface ResolvedModel {
  provider: Provider;
  identity: ModelIdentity;
  runtime: unknown;
}

/** What a query set is asked: `samples` requests per query, the prompt's few-shot exemplars drawn from `pool` with `seed`. */
export interface GenerateJob {
  topics: Topic[];
  prompt: PromptDecl;
  samples: number;
  seed: number;
  pool: Exemplar[];
  /** The stage's fingerprint, recorded with its answers and failed attempts. */
  fingerprint: string;
  /** An upstream stage's fingerprint (a trained student's answers are keyed by its training). */
  fingerprintOf(stage: string): string;
}

/** One generation: sample `sample` of query `qid`, post-processed; `requestKey` names its ledger answer. */
export interface Generation {
  qid: string;
  sample: number;
  text: string;
  requestKey: string | null;
}

export interface GenerateContext extends AnswerContext {
  progress(done: number, total?: number, unit?: string, note?: string): void;
}

/**
 * The requests of a job: one per (query, sample), in query order. For a ledgered provider each
 * carries its body (the prompt rendered with the query's exemplars; the seed moved on per sample,
 * or without a seed the draw's number, DRAW_MEMBER) and its key, sha256 of the canonical JSON of
 * {endpoint, body, template version}: N samples are N requests, whether seeded or not.
 */
export function planRequests(model: ResolvedModel, job: GenerateJob): LlmRequest[] {
  const shape = model.provider.requests;
  const out: LlmRequest[] = [];
  if (!shape) {
    for (const t of job.topics)
      for (let s = 0; s < job.samples; s++) out.push({ qid: t.qid, query: t.text, sample: s, key: null, body: null, messages: [] });
    return out;
  }
  const endpoint = shape.endpoint(model.identity, job.fingerprintOf);
  const sampling = shape.sampling(model.identity);
  const template = templateVersion(job.prompt);
  for (const t of job.topics) {
    const examples = job.prompt.examples ? chooseExamples(job.prompt.examples, job.pool, job.seed, t.qid, t.text) : [];
    const messages = renderMessages(job.prompt, t.text, examples);
    for (let s = 0; s < job.samples; s++) {
      const samplingHere = { ...sampling };
      if (job.samples > 1 && typeof sampling.seed === 'number') samplingHere.seed = sampling.seed + s;
      const body = shape.body(model.identity, messages, samplingHere);
      // sample 0 keeps the key a single request has; the others are told apart by their number
      if (s > 0 && typeof sampling.seed !== 'number') body[DRAW_MEMBER] = s;
      const key = requestKey(endpoint, body, template);
      out.push({ qid: t.qid, query: t.text, sample: s, key, body, messages });
    }
  }
  return out;
}

/**
 * Answers a job's requests with a model: for a ledgered provider, what the ledger holds is used
 * and only the rest is sent, each answer stored as it arrives (a crash loses only what is in
 * flight); every message the provider logs or fails with is cleared of its secrets. Returns the
 * generations in query, sample and choice order, and the stage's stats.
 */
export async function generate(
  model: ResolvedModel,
  job: GenerateJob,
  ledger: Ledger,
  ctx: GenerateContext,
): Promise<{ generations: Generation[]; stats: Record<string, Json> }> {
  const { provider, identity } = model;
  const shape = provider.requests;
  const plan = planRequests(model, job);
  const secrets = (provider.secrets?.(identity, model.runtime) ?? []).map((v) => ctx.env[v]).filter((v): v is string => !!v);
  const pctx: AnswerContext = { ...ctx, log: (line) => ctx.log(redact(line, secrets)) };
  if (!shape) {
    const texts = new Map<LlmRequest, string[]>();
    const traffic = await run(model, plan, pctx, secrets, (r, c) => {
      texts.set(r, c.texts);
      return undefined;
    });
    const generations = plan.flatMap((r) =>
      (texts.get(r) ?? []).map((text) => ({
        qid: r.qid,
        sample: r.sample,
        text: postprocess(text, job.prompt.postprocess),
        requestKey: null,
      })),
    );
    return { generations, stats: answeredStats(provider.name, traffic.about, job.topics.length, generations) };
  }

  const endpoint = shape.endpoint(identity, job.fingerprintOf);
  const modelName = shape.model(identity);
  const n = shape.sampling(identity).n ?? 1;
  const template = templateVersion(job.prompt);
  const keys = plan.map((p) => p.key as string);
  const stored = await ledger.answers([...new Set(keys)]);
  // an answer that is not what its request asks (written by an older qexp, or changed by hand) is asked again
  const damaged = [...stored.values()].flatMap((a) => {
    const problem = ledgerAnswerProblem(a);
    return problem ? [{ key: a.key, problem }] : [];
  });
  if (damaged.length > 0) {
    for (const d of damaged) stored.delete(d.key);
    await ledger.forgetAnswers(damaged.map((d) => d.key));
    pctx.log(
      `warning: ${damaged.length} stored answer(s) are damaged and were deleted, to be asked again (${damaged[0]?.key.slice(0, 12)}: ${damaged[0]?.problem}); \`qexp ledger ls --bad\` lists any others`,
    );
  }
  const pendingKeys = new Set<string>();
  const pending: LlmRequest[] = [];
  for (const p of plan) {
    if (stored.has(p.key as string) || pendingKeys.has(p.key as string)) continue;
    pendingKeys.add(p.key as string);
    pending.push(p);
  }
  pctx.log(
    `${modelName} at ${endpoint}: ${job.topics.length} queries × ${job.samples} sample(s) × n=${n}; ${plan.length} requests, ${plan.length - pending.length} already answered, ${pending.length} to send`,
  );

  const writer = new LedgerWriter(ledger);
  const extra = { answers: 0, choices: 0 };
  const answered = new Map(stored);
  const total = plan.length;
  const already = plan.length - pending.length;
  let traffic: Traffic | undefined;
  if (pending.length === 0) ctx.progress(total, total, 'requests');
  else {
    ctx.progress(already, total, 'requests');
    let lastLog = 0;
    const progress = (t: Traffic) => {
      const done = already + t.answered + t.failed;
      ctx.progress(done, total, 'requests', `$${t.costUsd.toFixed(4)}${t.failed ? ` · ${t.failed} failed` : ''}`);
      const now = Date.now();
      if (now - lastLog > 10_000 || done === total) {
        lastLog = now;
        pctx.log(`${done}/${total} requests; ${t.failed} failed; $${t.costUsd.toFixed(4)} so far`);
      }
    };
    traffic = await run(
      model,
      pending,
      pctx,
      secrets,
      (req, c, cost) => {
        if (c.texts.length > n) {
          extra.answers++;
          extra.choices += c.texts.length - n;
        }
        const a: LedgerAnswer = {
          key: req.key as string,
          endpoint,
          model: modelName,
          body: req.body,
          templateVersion: template,
          // more choices than asked are dropped: they would number as the next sample's
          texts: c.texts.slice(0, n),
          finishReasons: c.finishReasons.slice(0, n),
          promptTokens: c.promptTokens,
          completionTokens: c.completionTokens,
          tokensEstimated: c.estimated,
          latencyMs: c.latencyMs,
          costUsd: cost,
          replica: c.endpoint,
          fingerprint: job.fingerprint,
        };
        const problem = ledgerAnswerProblem(a);
        if (problem) return Promise.reject(new Error(`${provider.name} gave an answer that cannot be stored: ${problem}`));
        answered.set(a.key, a);
        return writer.write(a);
      },
      (req, err, attempt, final) =>
        ledger.recordLlmErrors([
          {
            key: req.key as string,
            fingerprint: job.fingerprint,
            replica: null,
            attempt,
            final,
            kind: err.kind,
            status: err.status ?? null,
            message: err.message,
          },
        ]),
      progress,
    );
  }

  if (extra.answers > 0)
    pctx.log(
      `warning: ${extra.answers} answer(s) had more choices than the n=${n} asked for; the first ${n} of each were kept and ${extra.choices} dropped`,
    );

  // generations in query order, sample order, choice order, whatever order the answers came in
  const generations: Generation[] = [];
  const used: LedgerAnswer[] = [];
  let missing = 0;
  for (const p of plan) {
    const a = answered.get(p.key as string);
    if (!a) {
      missing++;
      continue;
    }
    used.push(a);
    a.texts.forEach((text, i) => {
      generations.push({ qid: p.qid, sample: p.sample * n + i, text: postprocess(text, job.prompt.postprocess), requestKey: p.key });
    });
  }
  const short = used.filter((a) => a.texts.length < n).length;
  if (short > 0)
    pctx.log(
      `warning: ${short} answers have fewer than n=${n} choices (the endpoint ignores n?); use samples: ${n} with sampling.n: 1 for such endpoints`,
    );
  const stats = ledgerStats({
    provider: provider.name,
    model: modelName,
    endpoint,
    queries: job.topics.length,
    requests: plan.length,
    cached: plan.length - pending.length,
    generations: generations.length,
    missing,
    used,
    traffic,
  });
  pctx.log(
    `${generations.length} generations; ${stats.sent} requests sent, ${stats.cached} answered from the ledger, ${stats.failed} failed; ` +
      `${stats.completion_tokens} completion tokens (${(stats.completion_tokens_per_query as number).toFixed(1)}/query), $${(stats.cost_usd as number).toFixed(4)}; ` +
      `latency p50 ${(stats.latency_p50_ms as number).toFixed(0)} ms, p95 ${(stats.latency_p95_ms as number).toFixed(0)} ms`,
  );
  return { generations, stats };
}

/**
 * Reads a provider's stream to its end: each answer and failed attempt goes to its handler, whose
 * promise (a ledger write) is waited for before this returns or throws; a handler that fails
 * stops the provider. Failed attempts' messages, logged and thrown errors are redacted.
 */
async function run(
  model: ResolvedModel,
  requests: LlmRequest[],
  ctx: AnswerContext,
  secrets: string[],
  onAnswer: (req: LlmRequest, c: Completion, costUsd: number) => Promise<void> | undefined,
  onError?: (req: LlmRequest, err: { kind: string; status?: number; message: string }, attempt: number, final: boolean) => Promise<void>,
  onProgress?: (t: Traffic) => void,
): Promise<Traffic> {
  const traffic: Traffic = { sent: 0, answered: 0, failed: 0, costUsd: 0, about: {} };
  const writes: Promise<unknown>[] = [];
  let writeError: unknown;
  const keep = (p: Promise<void> | undefined) => {
    if (p)
      writes.push(
        p.catch((err: unknown) => {
          writeError ??= err;
        }),
      );
  };
  let failure: { err: unknown } | undefined;
  try {
    for await (const ev of model.provider.answer(requests, { identity: model.identity, runtime: model.runtime }, ctx)) {
      if (ev.kind === 'answer') {
        keep(onAnswer(ev.request, ev.completion, ev.costUsd));
        traffic.answered++;
        traffic.costUsd += ev.costUsd;
        onProgress?.(traffic);
      } else if (ev.kind === 'error') {
        const message = redact(ev.error.message, secrets);
        if (onError) keep(onError(ev.request, { kind: ev.error.kind, status: ev.error.status, message }, ev.attempt, ev.final));
        if (ev.final) {
          traffic.failed++;
          ctx.log(`request failed for good after ${ev.attempt} attempt(s): ${message}`);
          onProgress?.(traffic);
        }
      } else {
        traffic.sent = ev.sent ?? 0;
        traffic.about = ev.about ?? {};
      }
      if (writeError !== undefined) throw writeError;
    }
  } catch (err) {
    failure = { err };
  }
  // what was answered is stored before the run ends, whichever way it ends
  await Promise.all(writes);
  if (!failure && writeError !== undefined) failure = { err: writeError };
  if (failure) throw redactError(failure.err, secrets);
  return traffic;
}
