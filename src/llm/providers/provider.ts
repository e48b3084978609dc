import type { ChatMessage, Completion, Json, LlmError, Problem, Sampling } from '../types.js';

export type { Problem };

/**
 * A model provider: what answers a generate stage's requests. One object per provider (in its
 * own file) and a list in `registry.ts`, as the analyzers are. The stage asks it, in this order:
 * `refs` and `check` when the experiment is validated, `resolve` when its fingerprint is made,
 * `answer` when it runs. It knows nothing of YAML positions, the DAG or the store.
 */
export interface Provider<D extends ModelDecl = ModelDecl, I extends ModelIdentity = ModelIdentity, R = unknown> {
  /** The `provider:` value that selects it. */
  name: string;
  /** For the schema: what it is, as a noun phrase ("recorded generations") and as a description of the `provider` value. */
  noun: string;
  summary: string;
  /** Its settings under `models.NAME` (JSON Schema properties; `provider` and `description` are everyone's). */
  schema: Record<string, Json>;
  /** It asks with the prompt's messages and few-shot examples (a prompt with examples then needs a pool). */
  fewShot: boolean;
  /** Stages the model reads (a train stage's checkpoint, an index): the stages that use it run after them. */
  refs(decl: D): ModelRef[];
  /** Checks beyond the schema, on the model's own settings. */
  check(decl: D): Problem[];
  /**
   * `identity`: what changes the answers (fingerprinted, and the endpoint's part of request keys);
   * `runtime`: what only changes how they are obtained (concurrency, timeouts; not fingerprinted;
   * plain JSON, as it is kept with the stage's resolution);
   * `files`: files and folders it reads, whose checksums enter the fingerprint.
   */
  resolve(decl: D, scope: ResolveScope): { identity: I; runtime: R; files: string[] };
  /** Names of the environment variables whose values are secrets: redacted from everything it logs, fails with or throws. */
  secrets?(identity: I, runtime: R): string[];
  /**
   * How its requests are made and keyed, for providers whose answers go to the ledger (so that a
   * rerun, or another stage asking the same, sends only what is missing). Without it, requests
   * carry no key, no body and no messages, and every run answers all of them (replay, prf).
   */
  requests?: RequestShape<I>;
  /**
   * Answers requests: a stream of answers and failed attempts, in any order, ending with `done`.
   * It stops early when `ctx.signal` is aborted or the consumer stops reading; an error it throws
   * comes after the answers it had (they are kept).
   */
  answer(requests: LlmRequest[], model: { identity: I; runtime: R }, ctx: AnswerContext): AsyncIterable<ProviderEvent>;
}

/** A model's settings as the schema leaves them (defaults filled in). */
export interface ModelDecl {
  provider: string;
  description?: string;
}

/** What a provider's `resolve` says changes the answers; `provider` selects the provider again at run time. */
export type ModelIdentity = { provider: string } & { [k: string]: Json };

/** A stage a model reads. */
export interface ModelRef {
  /** The key under the model that names it. */
  key: string;
  /** As written: `STAGE` or `STAGE.OUTPUT`. */
  ref: string;
  /** The output read when `ref` names none. */
  output: string;
  /** The kind of stage it must be, and what the model reads of it (for the error when it is another kind). */
  kind: string;
  what: string;
  /** An index that must hold term vectors (an index stage declared with `vectors: false` cannot serve). */
  vectors?: boolean;
}

/** What a provider sees of the experiment when it resolves a model. */
export interface ResolveScope {
  /** Absolute path of a path written at `key` under the model (relative to the file that wrote it). */
  resolvePath(key: string, path: string): string;
  /** Path as recorded in fingerprints: relative to the project root. */
  recordPath(abs: string): string;
  /** `STAGE.OUTPUT` of the reference the model makes at `key` (one of its `refs`). */
  ref(key: string): string;
  /** The experiment's BM25 parameters (`retrieval.bm25`). */
  bm25: { k1: number; b: number };
}

/** How a ledgered provider's requests are made: the key is sha256 of {endpoint, body, template version}. */
export interface RequestShape<I> {
  /** The model's name, as the ledger records it. */
  model(identity: I): string;
  /** The endpoint's identity in request keys; `fingerprintOf` gives an upstream stage's fingerprint (a trained student's). */
  endpoint(identity: I, fingerprintOf: (stage: string) => string): string;
  sampling(identity: I): Sampling;
  /** The request body for one (query, sample): its messages and sampling (the seed already moved on per sample). */
  body(identity: I, messages: ChatMessage[], sampling: Sampling): Record<string, unknown>;
}

/** One request: sample `sample` of query `qid`. */
export interface LlmRequest {
  qid: string;
  query: string;
  sample: number;
  /** The ledger's key, the body sent and the rendered messages; null and empty for providers without `requests`. */
  key: string | null;
  body: Record<string, unknown> | null;
  messages: ChatMessage[];
}

/**
 * The member of a ledgered request's body that numbers a draw: sample k ≥ 1 of a query asked
 * without a seed (whose bodies are otherwise the same) carries `qexp_draw: k`, so that each draw
 * has its own ledger key. It is the ledger's, not the endpoint's: `bodyToSend` leaves it out.
 */
export const DRAW_MEMBER = 'qexp_draw';

/** The body as it goes to the endpoint: without the ledger's draw number. */
export function bodyToSend(body: Record<string, unknown>): Record<string, unknown> {
  if (!(DRAW_MEMBER in body)) return body;
  const { [DRAW_MEMBER]: _, ...sent } = body;
  return sent;
}

/** A request of a ledgered provider. */
export type KeyedRequest = LlmRequest & { key: string; body: Record<string, unknown> };

export type ProviderEvent =
  | { kind: 'answer'; request: LlmRequest; completion: Completion; costUsd: number }
  /** A failed attempt; `final`: no more attempts will be made. */
  | { kind: 'error'; request: LlmRequest; error: LlmError; attempt: number; final: boolean }
  /** The end: requests sent over the network (retries included), and figures of its own for the stage's stats. */
  | { kind: 'done'; sent?: number; about?: Record<string, Json> };

/** What a provider gets to answer requests. */
export interface AnswerContext {
  /** The model's name under `models:`, and the stage's, for messages that point at their settings. */
  name: string;
  stage: string;
  /** Project root: recorded paths are relative to it. */
  root: string;
  /** A scratch folder of the stage's own. */
  tmpDir: string;
  env: Record<string, string | undefined>;
  /** Path of an upstream output `STAGE.OUTPUT`. */
  input(ref: string): string;
  /** Generations other stages stored (a `replay` of a stage). */
  stored: StoredGenerations;
  log(line: string): void;
  signal: AbortSignal;
}

/** Generations of completed stages, as the store keeps them. */
export interface StoredGenerations {
  /** Where they are kept, for messages. */
  readonly path: string;
  /** The fingerprint of the stage's latest completed run. */
  latestDone(stage: string): Promise<string | undefined>;
  generations(fingerprint: string): Promise<{ qid: string; sample: number; text: string }[]>;
}

/** A provider with its own types, as the registry lists it (each provider is only ever given its own settings). */
export function defineProvider<D extends ModelDecl, I extends ModelIdentity, R>(p: Provider<D, I, R>): Provider {
  return p as unknown as Provider;
}
