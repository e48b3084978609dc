import { canonicalJson } from '../util/canonical-json.js';
import type { FingerprintParts } from './fingerprint.js';

const MAX_REASONS = 12;

/**
 * Why a stage's fingerprint changed, in the experiment's own terms:
 * `retrieval.bm25.k1: 0.9 → 1.2`, `input corpus changed`, `code version 2 → 3`.
 */
export function explainChange(stage: string, before: FingerprintParts, after: FingerprintParts): string[] {
  const out: string[] = [];
  if (before.kind !== after.kind) out.push(`kind ${before.kind} → ${after.kind}`);
  else if (before.version !== after.version) out.push(`code version ${before.version} → ${after.version}`);
  diffValues(`stages.${stage}`, before.config?.own, after.config?.own, out);
  const uses = new Set([...Object.keys(before.config?.uses ?? {}), ...Object.keys(after.config?.uses ?? {})]);
  for (const u of [...uses].sort()) diffValues(u, before.config?.uses?.[u], after.config?.uses?.[u], out);
  diffKeyed(before.inputs ?? {}, after.inputs ?? {}, 'input', out);
  diffKeyed(before.files ?? {}, after.files ?? {}, 'file', out);
  if (out.length === 0) out.push('fingerprint changed');
  if (out.length > MAX_REASONS) return [...out.slice(0, MAX_REASONS), `... and ${out.length - MAX_REASONS} more`];
  return out;
}

function diffKeyed(a: Record<string, string>, b: Record<string, string>, noun: string, out: string[]): void {
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (!(k in a)) out.push(`new ${noun} ${k}`);
    else if (!(k in b)) out.push(`${noun} ${k} removed`);
    else if (a[k] !== b[k]) out.push(`${noun} ${k} changed`);
  }
}

function diffValues(path: string, a: unknown, b: unknown, out: string[]): void {
  if (isMap(a) && isMap(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) diffValues(`${path}.${k}`, a[k], b[k], out);
    return;
  }
  if (canonicalJson(a ?? null) === canonicalJson(b ?? null)) return;
  out.push(`${path}: ${show(a)} → ${show(b)}`);
}

function show(v: unknown): string {
  if (v === undefined) return '(unset)';
  const s = typeof v === 'string' ? JSON.stringify(v) : canonicalJson(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
