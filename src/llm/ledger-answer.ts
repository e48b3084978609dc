import { canonicalJson } from '../util/canonical-json.js';
import { sha256Text } from '../util/hash.js';
import type { LedgerAnswer } from './ledger-writer.js';

/** A ledger answer's key: sha256 of the canonical JSON of {endpoint, body, template version}. */
export function requestKey(endpoint: string, body: unknown, templateVersion: string): string {
  return sha256Text(canonicalJson({ endpoint, body, template: templateVersion }));
}

/** Completions a request asks for: its body's `n`, else 1. */
export function choicesAsked(body: unknown): number {
  const n = (body as { n?: unknown } | null)?.n;
  return Number.isInteger(n) && (n as number) >= 1 ? (n as number) : 1;
}

const FIELDS = [
  'key',
  'endpoint',
  'model',
  'body',
  'templateVersion',
  'texts',
  'finishReasons',
  'promptTokens',
  'completionTokens',
  'tokensEstimated',
  'latencyMs',
  'costUsd',
  'replica',
  'fingerprint',
] as const;

/** The store keeps token counts as 32-bit integers. */
const isCount = (v: unknown) => Number.isInteger(v) && (v as number) >= 0 && (v as number) < 2 ** 31;
const isAmount = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isHash = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

/**
 * What is wrong with a ledger answer, checked against the request it answers (its body), or
 * undefined: every field present with its type, 1 to `n` texts and one finish reason each, token
 * counts the store can hold, and a key that is the request's. Values are not quoted: a ledger
 * may hold anything, and a message is shown and logged.
 */
export function ledgerAnswerProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'not a ledger answer (a JSON object)';
  const a = value as Record<string, unknown>;
  const missing = FIELDS.filter((f) => !(f in a));
  if (missing.length > 0) return `not a ledger answer: no ${missing.join(', ')}`;
  const unknown = Object.keys(a).filter((k) => !(FIELDS as readonly string[]).includes(k));
  if (unknown.length > 0) return `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k.slice(0, 40)}'`).join(', ')}`;
  if (!isHash(a.key)) return 'key is not a sha256 (64 hex digits)';
  for (const f of ['endpoint', 'model', 'templateVersion'] as const)
    if (typeof a[f] !== 'string' || a[f] === '') return `${f} is not a non-empty string`;
  if (typeof a.replica !== 'string') return 'replica is not a string';
  if (a.fingerprint !== null && !isHash(a.fingerprint)) return 'fingerprint is neither null nor a sha256';
  const body = a.body as { messages?: unknown; model?: unknown; n?: unknown } | null;
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'body is not a request body (a JSON object)';
  const messages = body.messages;
  if (
    !Array.isArray(messages) ||
    messages.length === 0 ||
    !messages.every((m) => m && typeof m === 'object' && typeof m.role === 'string' && typeof m.content === 'string')
  )
    return 'body.messages is not a list of {role, content} messages';
  if (body.n !== undefined && !(Number.isInteger(body.n) && (body.n as number) >= 1)) return 'body.n is not a positive integer';
  if (body.model !== undefined && body.model !== a.model) return 'model is not the model the body asks';
  const n = choicesAsked(body);
  const texts = a.texts;
  if (!Array.isArray(texts) || texts.length === 0) return 'texts is not a non-empty list';
  const bad = texts.findIndex((t) => typeof t !== 'string');
  if (bad >= 0) return `texts[${bad}] is ${texts[bad] === null ? 'null' : `a ${typeof texts[bad]}`}, not text`;
  if (texts.length > n) return `${texts.length} texts for a request that asks for n=${n}`;
  const reasons = a.finishReasons;
  if (!Array.isArray(reasons) || reasons.length !== texts.length || !reasons.every((r) => r === null || typeof r === 'string'))
    return `finishReasons is not a list of ${texts.length} strings or nulls (one per text)`;
  for (const f of ['promptTokens', 'completionTokens'] as const)
    if (!isCount(a[f])) return `${f} is not a token count (an integer from 0 to 2^31-1)`;
  if (typeof a.tokensEstimated !== 'boolean') return 'tokensEstimated is not true or false';
  for (const f of ['latencyMs', 'costUsd'] as const) if (!isAmount(a[f])) return `${f} is not a finite number >= 0`;
  if (requestKey(a.endpoint as string, body, a.templateVersion as string) !== a.key)
    return 'the key does not match the request body, endpoint and template version: the answer was changed';
  return undefined;
}

/** A ledger answer, checked (see ledgerAnswerProblem). */
export function isLedgerAnswer(value: unknown): value is LedgerAnswer {
  return ledgerAnswerProblem(value) === undefined;
}
