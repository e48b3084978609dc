import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChatServer } from '../helpers/chat-server.mjs';
import { Workspace } from '../helpers/workspace.js';

// Fingerprints and request keys of generate stages for fixed configurations, computed before the
// providers moved out of stages/generate.ts into llm/providers/. A drift re-asks every cached
// request and re-runs every stored generate stage, so it must be a deliberate change.

const FAKE = join(resolve(dirname(fileURLToPath(import.meta.url)), '../helpers'), 'fake-python.py');

const FILES: Record<string, string> = {
  'data/queries.tsv': 'q1\tsolar panels on roofs\nq2\tbaking sourdough bread\nq3\twind farm towers\n',
  'data/qrels.txt': 'q1 0 d1 1\nq2 0 d2 1\nq3 0 d3 2\n',
  'data/corpus.tsv':
    'd1\tSolar panels convert sunlight into electricity.\nd2\tSourdough uses a starter and hot ovens.\nd3\tOffshore wind farms use tall towers.\nd4\tUnrelated note.\n',
  'pool.jsonl': `${JSON.stringify({ id: 'p1', query: 'what is rain', passage: 'Rain is water falling from clouds.' })}\n${JSON.stringify({ id: 'p2', query: 'what is snow', passage: 'Snow is frozen water.' })}\n`,
  'replay.jsonl': ['q1', 'q2', 'q3'].map((q) => `${JSON.stringify({ qid: q, text: `replayed ${q}` })}\n`).join(''),
  'student/qexp-done.json': '{"method": "sft"}\n',
};

/** Everything but the openai model's base_url and the local model's command is fixed. */
function experiment(baseUrl: string): string {
  return JSON.stringify({
    name: 'pins',
    seed: 7,
    datasets: { toy: { queries: 'data/queries.tsv', qrels: 'data/qrels.txt', corpus: 'data/corpus.tsv' } },
    models: {
      api: {
        provider: 'openai',
        base_url: baseUrl,
        model: 'test-model',
        sampling: { temperature: 0.7, seed: 100, max_tokens: 64 },
        extra_body: { top_k: 20 },
        headers: { 'x-team': 'ir' },
        concurrency: 3,
        timeout_s: 5,
      },
      keyed: { provider: 'openai', base_url: baseUrl, model: 'test-model', cache_key: 'pinned-endpoint', sampling: { seed: 5, n: 2 } },
      local: { provider: 'local', path: 'student', command: FAKE, sampling: { seed: 11, temperature: 0.5 }, batch_size: 4 },
      hub: { provider: 'local', path: 'org/some-model', engine: 'vllm', chat_template_kwargs: { enable_thinking: false } },
      replay: { provider: 'replay', file: 'replay.jsonl' },
      student: { provider: 'local', from: 'sft', command: FAKE },
      served: { provider: 'openai', from: 'sft', model: 'student', serve: { command: 'serve {{checkpoint}}', port: 8011 } },
      terms: { provider: 'prf', method: 'rm3-terms', index: 'idx', corpus: 'data', fb_docs: 2, fb_terms: 6 },
    },
    prompts: {
      zs: { messages: [{ role: 'user', content: 'Write a passage that answers: {{query}}' }], postprocess: { max_words: 50 } },
      fs: {
        messages: [
          { role: 'system', content: 'You write passages.' },
          { role: 'user', content: 'Examples: {{examples}}\nQ: {{query}}' },
        ],
        examples: { pool: 'pool.jsonl', k: 1, template: '[{{query}} => {{passage}}]', separator: ' ' },
      },
      fs2: {
        messages: [{ role: 'user', content: '{{examples}} Q: {{query}}' }],
        examples: { k: 1, template: '{{query}}: {{passage}}', separator: '\n' },
      },
    },
    stages: {
      data: { kind: 'dataset', dataset: 'toy' },
      idx: { kind: 'index', corpus: 'data' },
      'gen-api': { kind: 'generate', model: 'api', prompt: 'fs', queries: 'data', samples: 2, limit: 2 },
      'gen-api-pool': { kind: 'generate', model: 'api', prompt: 'fs2', queries: 'data', examples_pool: 'data' },
      'gen-keyed': { kind: 'generate', model: 'keyed', prompt: 'zs', queries: 'data', samples: 2 },
      'gen-keyed-fs': { kind: 'generate', model: 'keyed', prompt: 'fs', queries: 'data', limit: 2 },
      'gen-local': { kind: 'generate', model: 'local', prompt: 'zs', queries: 'data', samples: 2 },
      'gen-hub': { kind: 'generate', model: 'hub', prompt: 'zs', queries: 'data' },
      'gen-replay': { kind: 'generate', model: 'replay', prompt: 'zs', queries: 'data' },
      fb: { kind: 'feedback', index: 'idx', qrels: 'data', pool: ['gen-replay'] },
      sftd: { kind: 'sft-data', feedback: 'fb', prompt: 'zs', selection: 'best-per-query' },
      sft: {
        kind: 'train',
        method: 'sft',
        base: 'tiny/base',
        data: 'sftd',
        trainer: { max_steps: 10 },
        launcher: { kind: 'slurm', slurm: { partition: 'gpu' }, timeout_s: 60 },
      },
      'gen-student': { kind: 'generate', model: 'student', prompt: 'zs', queries: 'data' },
      'gen-served': { kind: 'generate', model: 'served', prompt: 'zs', queries: 'data' },
      'gen-prf': { kind: 'generate', model: 'terms', prompt: 'zs', queries: 'data', samples: 2 },
    },
  });
}

/**
 * Computed by the code before the providers moved (commit 9e6b7fd). The four stages downstream
 * of the index (gen-prf, sft, and the students trained by it) changed once since, with the index
 * stage's own fingerprint (version 4: the stage contract records its analyzer like any setting,
 * and the analyzer's settings, its tokenizer's Unicode rules among them). sft and its students
 * changed once more with the feedback stage (version 2: nDCG exactly as trec_eval 9.0.x). The
 * same four changed again with the index stage's version 5 (it writes index format 3: chunk
 * checksums, file sizes in meta.json).
 */
const FINGERPRINTS: Record<string, string> = {
  'gen-api': 'b845e50d18a7af07fcb885f5011b3a6e9f82e65846977e2d522d353f8e90f0c5',
  'gen-api-pool': '6e8bb83123e6c4c93500381804db1e2d444d49afd5348e33011bf055b1b853ec',
  'gen-hub': '9be24fe3ebb19234a1c78c3390889ba109f16ba6a22fa495e88cac6076b53836',
  'gen-keyed': '6dfcd354786187734bdcc1621c775a6b34759c689cffac46b25d9f00e5b0b635',
  'gen-keyed-fs': '5e896353a557087232c699056791324920bc6c1bf4fbf001c2cd8af4eb3600a5',
  'gen-local': 'caa240cb37d47d2406c5d2f67534c3855965753fd43c8baff8a081d308c557d5',
  'gen-prf': '75c016edd246a017ff279fa9f4b1ce372162e76fcf044cfa5ed8853fde2f89b3',
  'gen-replay': 'dce684e0ed29a2d4fee195d443ddcdedf9fa7dd053b6e8a85c0ca52b7713ab96',
  'gen-served': 'eabbb9538e895c69b3160da6435d4ffc055eedc9f9a6f35832fecaaabf2c5522',
  'gen-student': '363e0ab4871a40b113e6f829992a6eb265bc9bef6b96345e872113eb44443316',
  // the launcher is not fingerprinted: where a model trains does not change it
  sft: '195726f33d605801d56973d7409059a732c63d21d4e235b54d7eff81b0a75033',
};
/** Request keys of each generation row, in (qid, sample) order: sampling.n = 2 gives two rows per request. */
const KEYS: Record<string, string[]> = {
  'gen-keyed': [
    '2fd995db445c0f404ab64097c7f4f60297d570acf85b4bef07bff0762627b94b',
    'ee63fc743791885a9b639d23ddfb9de96a030429036514d543ef898425e5ea5d',
    '175a024434ef937f6b0ec48a86ad46e0e687616e1ca8d3457af8ff2821ed839f',
    'e80f0e57fb27bb0709d12244162c9dafdee50e7c7a6f7cc73398f51bb18bff24',
    '63e3205d2d20b216641059a9dbb22be0e05fd6d04dd46ddee0df49542e4130a6',
    '85c3acbd795e250edf118f258a2a9d54ba772bb8c4944b2615dce007f1fd3023',
  ].flatMap((k) => [k, k]),
  'gen-keyed-fs': [
    'c852c8954a2ab05abe77e4fdf4e0479f7c1309835034e60b16b18ea0eb8b0030',
    '24522bd382b4c46f775a533229a10c41205fefc98e232c6a3d18d1b1b6bdaf56',
  ].flatMap((k) => [k, k]),
  'gen-local': [
    '991b05f5e0df86efb7895662f277d49cb085db2d47e4463c2b904b437a61b641',
    '18c5ec52ef6422373d46aef6528c4aa4b3c909c9f31304eab580563968c6cd1d',
    '2a74b196605cbf6d29950d90b2cf0ca1160f923fe70ae850cec716ef1616551f',
    '8dacee3f366075af0c2534e53953d5d5a58cba3eaacb7e9a8809225a9a11164d',
    '2721b6b993c59a11649e284d5220028ba6392dac78662191001c9008d3dbdabb',
    '319fa0c2c3ad841a2263a69001856147655dde6b8ccc142507cc503137ea6333',
  ],
};

describe('generate stages keep their fingerprints and request keys', () => {
  const ws = new Workspace();
  afterAll(() => ws.remove());
  beforeAll(() => {
    for (const [path, text] of Object.entries(FILES)) ws.write(path, text);
  });

  it('plans every provider with the fingerprints it had', async () => {
    ws.write('plan.yaml', experiment('http://127.0.0.1:9/v1'));
    const plan = await ws.json<{ stages: { stage: string; fingerprint: string }[] }>(['plan', 'plan.yaml']);
    expect(plan.code, plan.stderr).toBe(0);
    const got = Object.fromEntries(
      plan.data.stages.filter((s) => s.stage.startsWith('gen-') || s.stage === 'sft').map((s) => [s.stage, s.fingerprint]),
    );
    expect(got).toEqual(FINGERPRINTS);
  });

  it('sends requests under the keys they had, and stores generations under them', async () => {
    const server = await startChatServer();
    try {
      ws.write('run.yaml', experiment(server.url));
      const r = await ws.qexp(['run', 'run.yaml', ...['gen-keyed', 'gen-keyed-fs', 'gen-local'].flatMap((s) => ['--until', s])]);
      expect(r.exitCode, r.all).toBe(0);
      const rows = await ws.sql(
        `SELECT b.stage, g.fingerprint, g.request_key FROM generations g JOIN variant_stages b ON g.fingerprint = b.fingerprint
         WHERE b.stage LIKE 'gen-%' ORDER BY b.stage, g.qid, g.sample`,
      );
      const got: Record<string, string[]> = {};
      for (const row of rows) {
        (got[String(row.stage)] ??= []).push(String(row.request_key));
        // the cache key, not the server's port, identifies these endpoints: the run's stages are the planned ones
        expect(row.fingerprint).toBe(FINGERPRINTS[String(row.stage)]);
      }
      const ledger = await ws.sql('SELECT key, endpoint, model FROM llm_requests ORDER BY key');
      expect(got).toEqual(KEYS);
      expect(ledger.map((l) => String(l.key))).toEqual([...new Set(Object.values(KEYS).flat())].sort());
      const endpoints = new Set(ledger.map((l) => `${l.endpoint} ${l.model}`));
      expect(endpoints).toEqual(new Set(['pinned-endpoint test-model', 'local:student student']));
    } finally {
      await server.close();
    }
  });
});
