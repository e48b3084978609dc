import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../../../src/config/schema.js';
import type { ModelDecl, Provider, ResolveScope } from '../../../src/llm/providers/provider.js';
import { findProvider, getProvider, modelSchema, providerNames } from '../../../src/llm/providers/registry.js';

type Decl = ModelDecl & Record<string, unknown>;

/** A complete model of each provider, defaults filled in as the schema fills them. */
const SAMPLES: Record<string, Decl> = {
  openai: {
    provider: 'openai',
    model: 'm',
    base_url: 'http://127.0.0.1:9/v1',
    concurrency: 16,
    timeout_s: 120,
    max_retries: 5,
    max_error_rate: 0,
    tokenizer: 'o200k_base',
  },
  replay: { provider: 'replay', file: 'a.jsonl' },
  local: { provider: 'local', path: 'org/model', engine: 'auto', batch_size: 32 },
  prf: { provider: 'prf', method: 'rm3-terms', index: 'idx', corpus: 'data', fb_docs: 10, fb_terms: 10, sentences: 3 },
};

/** Another valid value of each setting a provider declares. */
const CHANGED: Record<string, unknown> = {
  model: 'm2',
  base_url: 'http://127.0.0.1:10/v1',
  api_key_env: 'KEY',
  headers: { 'x-team': 'ir' },
  headers_env: { 'x-token': 'TOKEN' },
  extra_body: { top_k: 20 },
  sampling: { temperature: 0.3 },
  concurrency: 4,
  timeout_s: 30,
  max_retries: 1,
  price: { input_per_million: 1, output_per_million: 2 },
  max_requests: 10,
  max_cost_usd: 1,
  max_error_rate: 0.1,
  tokenizer: 'cl100k_base',
  cache_key: 'shared',
  serve: { command: 'vllm serve m', port: 8011, ready_timeout_s: 600 },
  from: 'sft',
  file: 'b.jsonl',
  stage: 'teacher',
  path: 'org/other',
  engine: 'vllm',
  chat_template_kwargs: { enable_thinking: false },
  command: '.venv/bin/python',
  cuda_visible_devices: '1',
  batch_size: 8,
  method: 'doc-sentences',
  index: 'idx2',
  corpus: 'data2',
  fb_docs: 5,
  fb_terms: 20,
  sentences: 1,
};

/** Settings that only change how fast answers come, not what they are: never fingerprinted. */
const SPEED_ONLY = new Set([
  'api_key_env',
  'concurrency',
  'timeout_s',
  'max_retries',
  'price',
  'max_requests',
  'max_cost_usd',
  'max_error_rate',
  'tokenizer',
  'command',
  'cuda_visible_devices',
  'batch_size',
]);

/** The scope a stage gives `resolve`, for a project at /root with no files. */
function scopeFor(p: Provider, decl: ModelDecl): ResolveScope {
  return {
    resolvePath: (_key, path) => `/root/${path}`,
    recordPath: (abs) => abs.slice('/root/'.length),
    ref(key) {
      const r = p.refs(decl).find((x) => x.key === key);
      if (!r) throw new Error(`no reference ${key}`);
      return r.ref.includes('.') ? r.ref : `${r.ref}.${r.output}`;
    },
    bm25: { k1: 0.9, b: 0.4 },
  };
}

const resolve = (p: Provider, decl: Decl) => p.resolve(decl, scopeFor(p, decl));

/** The schema as qexp checks it: without the hover text (`markdownDescription`) written for editors. */
const checked = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(checked)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (k === 'markdownDescription' ? [] : [[k, checked(x)]])))
      : v;

describe('the provider registry', () => {
  it("assembles the models' schema from the providers' fragments: the committed schema's $defs/model", () => {
    const committed = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')).$defs.model;
    expect(modelSchema()).toEqual(checked(committed));
  });

  it('finds providers by name and names them all when one is unknown', () => {
    expect(providerNames()).toEqual(['openai', 'replay', 'local', 'prf']);
    for (const n of providerNames()) expect(getProvider(n).name).toBe(n);
    expect(findProvider('nope')).toBeUndefined();
    expect(() => getProvider('nope')).toThrow("unknown provider 'nope'; available: openai, replay, local, prf");
  });

  it('every setting a provider declares changes either what it answers (its identity) or only how (its runtime)', () => {
    for (const p of providerNames().map(getProvider)) {
      const base = SAMPLES[p.name];
      expect(base, `give this test a sample model of provider ${p.name}`).toBeDefined();
      const before = resolve(p, base as Decl);
      expect(before.identity.provider).toBe(p.name);
      for (const key of Object.keys(p.schema)) {
        expect(key in CHANGED, `give this test another value of ${p.name}'s '${key}'`).toBe(true);
        const after = resolve(p, { ...(base as Decl), [key]: CHANGED[key] });
        const identity = JSON.stringify(after.identity) !== JSON.stringify(before.identity);
        const runtime = JSON.stringify(after.runtime) !== JSON.stringify(before.runtime);
        expect(identity || runtime, `${p.name}.${key} changes nothing`).toBe(true);
        expect(identity, `${p.name}.${key} ${SPEED_ONLY.has(key) ? 'must not enter' : 'must enter'} the fingerprint`).toBe(
          !SPEED_ONLY.has(key),
        );
      }
    }
  });

  it('says which stages a model reads, and what kind they must be', () => {
    expect(getProvider('openai').refs({ ...(SAMPLES.openai as Decl), from: 'sft' } as Decl)).toEqual([
      { key: 'from', ref: 'sft', output: 'checkpoint', kind: 'train', what: 'its checkpoint' },
    ]);
    expect(getProvider('local').refs(SAMPLES.local as Decl)).toEqual([]);
    expect(
      getProvider('prf')
        .refs(SAMPLES.prf as ModelDecl)
        .map((r) => [r.key, r.ref, r.output, r.kind]),
    ).toEqual([
      ['index', 'idx', 'index', 'index'],
      ['corpus', 'data', 'corpus', 'dataset'],
    ]);
    expect(resolve(getProvider('prf'), { ...(SAMPLES.prf as Decl), corpus: 'data.corpus' }).identity).toMatchObject({
      index: 'idx.index',
      corpus: 'data.corpus',
      bm25: { k1: 0.9, b: 0.4 },
    });
  });

  it("checks each provider's own settings, with the key of the problem", () => {
    const problems = (name: string, decl: Record<string, unknown>) => getProvider(name).check(decl as Decl);
    expect(problems('openai', SAMPLES.openai as Record<string, unknown>)).toEqual([]);
    expect(problems('openai', { ...SAMPLES.openai, headers: { Authorization: 'Bearer x' }, max_cost_usd: 5 })).toEqual([
      {
        key: ['headers', 'Authorization'],
        message:
          "header 'Authorization' carries a credential: give it with headers_env (the variable's name) or api_key_env, never its value in the YAML",
      },
      { key: ['max_cost_usd'], message: 'max_cost_usd needs price (dollars per million tokens)' },
    ]);
    expect(problems('local', { ...SAMPLES.local, from: 'sft' })).toEqual([
      { key: [], message: "a 'local' model needs 'from' (a train stage) or 'path' (a model folder or id), one of them" },
    ]);
    expect(problems('replay', { provider: 'replay' })).toEqual([{ key: [], message: "a 'replay' model needs 'file' or 'stage'" }]);
    expect(problems('prf', { ...SAMPLES.prf, index: undefined }).map((p) => p.message)).toEqual([
      "a 'prf' model needs 'index': the index stage it searches",
    ]);
  });
});
