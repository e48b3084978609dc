import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';
import { canonicalJson } from '../util/canonical-json.js';
import { sha256Text } from '../util/hash.js';
import type { ChatMessage, Problem } from './types.js';

export interface ExamplesDecl {
  pool?: string;
  k: number;
  select: 'random' | 'fixed';
  ids?: string[];
  seed?: number;
  template: string;
  separator: string;
}

export interface PromptDecl {
  description?: string;
  messages: ChatMessage[];
  examples?: ExamplesDecl;
  postprocess: { strip_think: boolean; normalize_whitespace: boolean; max_words?: number };
}

/** A (query, passage) pair of a few-shot pool. */
export interface Exemplar {
  id: string;
  query: string;
  passage: string;
}

/** Checks beyond the schema: an `{{examples}}` slot and declared examples go together; `select: fixed` names its ids. */
export function promptProblems(prompt: PromptDecl): Problem[] {
  const out: Problem[] = [];
  const usesSlot = prompt.messages.some((m) => /\{\{\s*examples\s*\}\}/.test(m.content));
  if (usesSlot && !prompt.examples) out.push({ key: [], message: 'the messages use {{examples}} but the prompt declares no examples' });
  if (prompt.examples && !usesSlot)
    out.push({ key: ['examples'], message: 'examples are declared but no message has an {{examples}} slot' });
  if (prompt.examples?.select === 'fixed' && !prompt.examples.ids) out.push({ key: ['examples'], message: "select: fixed needs 'ids'" });
  return out;
}

/** Version of a prompt's template: what the request is built from (post-processing is not part of it). */
export function templateVersion(prompt: PromptDecl): string {
  const { messages, examples } = prompt;
  return sha256Text(canonicalJson({ messages, examples: examples ? { ...examples, pool: undefined } : null }));
}

/** Fills `{{name}}` slots in one pass (a value that contains a slot is not filled again). */
export function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{\{\s*([a-z_]+)\s*\}\}/g, (m, name: string) => values[name] ?? m);
}

/** A 32-bit seed from a base seed and a query id: each query draws its own exemplars, reproducibly. */
function seedFor(seed: number, qid: string): number {
  return Number.parseInt(sha256Text(`${seed}\u0000${qid}`).slice(0, 8), 16) | 0;
}

/**
 * The exemplars for one query: `fixed` takes the pool entries named in `ids` (in that order),
 * `random` draws k without replacement with a generator seeded by (seed, qid). Never the query
 * being expanded: an entry with its id or its text is left out.
 */
export function chooseExamples(decl: ExamplesDecl, pool: Exemplar[], seed: number, qid: string, query: string): Exemplar[] {
  const usable = (e: Exemplar) => e.id !== qid && e.query.trim().toLowerCase() !== query.trim().toLowerCase();
  if (decl.select === 'fixed') {
    const byId = new Map(pool.map((e) => [e.id, e]));
    const out: Exemplar[] = [];
    for (const id of decl.ids ?? []) {
      const e = byId.get(id);
      if (!e) throw new Error(`few-shot pool has no entry '${id}' (examples.ids)`);
      if (usable(e)) out.push(e);
      if (out.length === decl.k) break;
    }
    return out;
  }
  const candidates = pool.filter(usable);
  if (candidates.length < decl.k)
    throw new Error(`few-shot pool has ${candidates.length} usable entries for query ${qid}; examples.k is ${decl.k}`);
  const rng = xoroshiro128plus(seedFor(decl.seed ?? seed, qid));
  // partial Fisher–Yates over indices
  const idx = Array.from({ length: candidates.length }, (_, i) => i);
  const out: Exemplar[] = [];
  for (let i = 0; i < decl.k; i++) {
    const j = unsafeUniformIntDistribution(i, idx.length - 1, rng);
    [idx[i], idx[j]] = [idx[j] as number, idx[i] as number];
    out.push(candidates[idx[i] as number] as Exemplar);
  }
  return out;
}

/** The prompt's messages for one query, with its exemplars written into `{{examples}}`. */
export function renderMessages(prompt: PromptDecl, query: string, examples: Exemplar[]): ChatMessage[] {
  const ex = prompt.examples;
  const block = ex ? examples.map((e) => fill(ex.template, { query: e.query, passage: e.passage })).join(ex.separator) : '';
  return prompt.messages.map((m) => ({ role: m.role, content: fill(m.content, { query, examples: block }) }));
}

/** What is done to an answer before it is used: `<think>` blocks removed, white space folded, a word cap. */
export function postprocess(text: string, opts: PromptDecl['postprocess']): string {
  let t = text;
  if (opts.strip_think) {
    t = t.replace(/<think>[\s\S]*?<\/think>/g, ' ');
    // an unclosed block (the answer ran out of tokens while thinking) leaves nothing usable after it
    const open = t.indexOf('<think>');
    if (open >= 0) t = t.slice(0, open);
  }
  if (opts.normalize_whitespace) t = t.replace(/\s+/g, ' ').trim();
  if (opts.max_words !== undefined) {
    const words = t.split(/\s+/).filter(Boolean);
    if (words.length > opts.max_words) t = words.slice(0, opts.max_words).join(' ');
  }
  return t;
}
