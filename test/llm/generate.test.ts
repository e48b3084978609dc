import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answerFor, type Behaviour, type ChatRequest, startChatServer } from '../helpers/chat-server.mjs';
import { MIRROR } from '../helpers/mirror.js';
import { Workspace } from '../helpers/workspace.js';
import { ENV, experiment, filesUnder, generations, KEY, queries } from './gen-fixture.js';

describe('generate stage against a Chat Completions server on 127.0.0.1', () => {
  it('generates each query in query order, records tokens and cost, and a rerun sends nothing', async () => {
    const ws = new Workspace();
    const server = await startChatServer({ latencyMs: 5 });
    try {
      ws.write('queries.tsv', queries(40));
      ws.write('exp.yaml', experiment(server.url, { price: { input_per_million: 1, output_per_million: 2 }, concurrency: 8 }));
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(r.exitCode, r.all).toBe(0);
      expect(server.log.length).toBe(40);
      expect(server.log.every((q) => q.authorization === `Bearer ${KEY}`)).toBe(true);
      const gens = await generations(ws);
      expect(gens.map((g) => g.qid)).toEqual(Array.from({ length: 40 }, (_, i) => `q${i}`));
      expect(gens[7]?.text).toBe(answerFor('Write a passage that answers: query number 7', 0));
      const [stats] = await ws.sql('SELECT stats FROM generation_stats');
      const s = JSON.parse(String(stats?.stats));
      const answers = await ws.sql('SELECT sum(prompt_tokens) AS p, sum(completion_tokens) AS c, sum(cost_usd) AS cost FROM llm_requests');
      expect(s.prompt_tokens).toBe(Number(answers[0]?.p));
      expect(s.completion_tokens).toBe(Number(answers[0]?.c));
      expect(s.cost_usd).toBeCloseTo((Number(answers[0]?.p) * 1 + Number(answers[0]?.c) * 2) / 1e6, 12);
      expect(s.sent).toBe(40);
      expect(s.latency_p95_ms).toBeGreaterThanOrEqual(s.latency_p50_ms);

      const again = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(again.exitCode, again.all).toBe(0);
      expect(again.stdout).toMatch(/nothing to run/i);
      expect(server.log.length).toBe(40);

      // another stage with the same requests (here: a second experiment file) is answered from the ledger
      ws.write('exp2.yaml', experiment(server.url, { concurrency: 2 }, { limit: 10 }).replace('"name":"gen"', '"name":"gen2"'));
      const third = await ws.qexp(['run', 'exp2.yaml'], ENV);
      expect(third.exitCode, third.all).toBe(0);
      expect(server.log.length).toBe(40);
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('asks n completions per request and `samples` requests per query, each with its own seed, numbered in order', async () => {
    const ws = new Workspace();
    const server = await startChatServer();
    try {
      ws.write('queries.tsv', queries(3));
      ws.write('exp.yaml', experiment(server.url, { sampling: { n: 3, seed: 100, temperature: 0.7 } }, { samples: 2 }));
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(r.exitCode, r.all).toBe(0);
      expect(server.log.map((q) => [q.body.seed, q.body.n, q.body.temperature])).toEqual(
        expect.arrayContaining([
          [100, 3, 0.7],
          [101, 3, 0.7],
        ]),
      );
      expect(server.log.length).toBe(6);
      const gens = await generations(ws);
      expect(gens.map((g) => `${g.qid}/${g.sample}`)).toEqual(
        ['q0', 'q1', 'q2'].flatMap((q) => [0, 1, 2, 3, 4, 5].map((i) => `${q}/${i}`)),
      );
      expect(gens[4]?.text).toBe(answerFor('Write a passage that answers: query number 0', 1));
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('retries rate limits, server errors, hangs, malformed and empty answers; estimates missing usage; records errors, caches none', async () => {
    const ws = new Workspace();
    // the fault a query's first attempts get, by query number
    const faults: Record<string, Behaviour[]> = {
      'query number 1': ['429'],
      'query number 2': ['429-retry-after-ms', '429-retry-after-ms'],
      'query number 3': ['429-retry-after'],
      'query number 4': ['500', '500'],
      'query number 5': ['hang'],
      'query number 6': ['malformed'],
      'query number 7': ['empty-choices'],
    };
    const behave = (r: ChatRequest): Behaviour => {
      const q = r.prompt.replace(/^.*?: /, '');
      if (q === 'query number 8') return 'no-usage';
      return faults[q]?.[r.repeat] ?? 'ok';
    };
    const server = await startChatServer({ latencyMs: 5, behave });
    try {
      ws.write('queries.tsv', queries(10));
      ws.write('exp.yaml', experiment(server.url, { timeout_s: 5, max_retries: 3 }));
      const t0 = Date.now();
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(r.exitCode, r.all).toBe(0);
      // 3 extra attempts for 429s, 2 for 500s, 1 each for the hang, the malformed and the empty answer
      expect(server.log.length).toBe(10 + 4 + 2 + 3);
      // retry-after: 1 s was honoured
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
      const gens = await generations(ws);
      expect(gens.map((g) => g.qid)).toEqual(Array.from({ length: 10 }, (_, i) => `q${i}`));
      const errors = await ws.sql('SELECT kind, status, final FROM llm_errors ORDER BY kind');
      expect(errors.map((e) => e.kind).sort()).toEqual(
        ['empty', 'malformed', 'rate-limit', 'rate-limit', 'rate-limit', 'rate-limit', 'server', 'server', 'timeout'].sort(),
      );
      expect(errors.every((e) => e.final === false)).toBe(true);
      const ledger = await ws.sql('SELECT count(*) AS n, sum(CASE WHEN tokens_estimated THEN 1 ELSE 0 END) AS est FROM llm_requests');
      expect(Number(ledger[0]?.n)).toBe(10);
      expect(Number(ledger[0]?.est)).toBe(1);
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('fails past max_error_rate with a count, keeps what was answered, and the rerun asks only for the rest', async () => {
    const ws = new Workspace();
    let broken = true;
    const server = await startChatServer({
      behave: (r) => {
        if (r.prompt.endsWith('query number 3')) return broken ? '500' : 'ok';
        if (r.prompt.endsWith('query number 5')) return broken ? '400' : 'ok';
        return 'ok';
      },
    });
    try {
      ws.write('queries.tsv', queries(20));
      ws.write('exp.yaml', experiment(server.url, { max_retries: 2, max_error_rate: 0.05, concurrency: 1 }));
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(r.exitCode).toBe(1);
      expect(r.all).toMatch(/2 of 20 requests failed \(10\.0%\), more than max_error_rate 0\.05/);
      // the 500 was tried three times, the 400 (a client error) once
      expect(server.log.filter((q) => q.prompt.endsWith('query number 3')).length).toBe(3);
      expect(server.log.filter((q) => q.prompt.endsWith('query number 5')).length).toBe(1);
      expect(Number((await ws.sql('SELECT count(*) AS n FROM llm_requests'))[0]?.n)).toBe(18);
      const before = server.log.length;
      broken = false;
      const again = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(again.exitCode, again.all).toBe(0);
      expect(
        server.log
          .slice(before)
          .map((q) => q.prompt.replace(/^.*?: /, ''))
          .sort(),
      ).toEqual(['query number 3', 'query number 5']);
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('stops cleanly at max_requests and at max_cost_usd, saying why, and keeps what was answered', async () => {
    const ws = new Workspace();
    const server = await startChatServer({ latencyMs: 5 });
    try {
      ws.write('queries.tsv', queries(30));
      ws.write('exp.yaml', experiment(server.url, { concurrency: 1, max_requests: 12 }));
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(r.exitCode).toBe(1);
      expect(r.all).toMatch(/stopped: max_requests \(12\) reached\. 12 answers of this run are stored; a rerun sends only the 18 others/);
      expect(server.log.length).toBe(12);
      // each answer costs about (16 prompt + 16 completion tokens) at $1,000 per million: $0.03; stop past $0.1
      ws.write(
        'exp.yaml',
        experiment(server.url, { concurrency: 1, price: { input_per_million: 1000, output_per_million: 1000 }, max_cost_usd: 0.1 }),
      );
      const c = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(c.exitCode).toBe(1);
      expect(c.all).toMatch(/stopped: max_cost_usd \(\$0\.1\) reached: \$0\.1\d+ spent/);
      expect(server.log.length).toBeGreaterThan(12);
      expect(server.log.length).toBeLessThan(20);
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it("never writes the API key's value to the store, the logs or JSON output, even when the server echoes it", async () => {
    const ws = new Workspace();
    const server = await startChatServer({ behave: (r) => (r.prompt.endsWith('query number 2') ? '401' : 'ok') });
    try {
      ws.write('queries.tsv', queries(5));
      ws.write('exp.yaml', experiment(server.url, { concurrency: 1 }));
      const r = await ws.qexp(['run', 'exp.yaml', '--progress', 'plain'], ENV);
      expect(r.exitCode).toBe(1);
      expect(r.all).toMatch(/refused the credentials \(HTTP 401\)/);
      const plan = await ws.qexp(['plan', 'exp.yaml', '--json'], ENV);
      const ls = await ws.qexp(['cache', 'ls', '--json'], ENV);
      const exported = await ws.qexp(['ledger', 'export', 'ledger.jsonl', '--json'], ENV);
      expect(exported.exitCode, exported.all).toBe(0);
      const files = filesUnder(ws.path('results')).concat([ws.path('ledger.jsonl')]);
      expect(files.some((f) => f.endsWith('.duckdb'))).toBe(true);
      for (const piece of [KEY, KEY.slice(0, 12), KEY.slice(-12)]) {
        for (const f of files) expect(readFileSync(f).includes(piece), `${piece} in ${f}`).toBe(false);
        for (const out of [r.all, plan.all, ls.all, exported.all]) expect(out.includes(piece)).toBe(false);
      }
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('spreads requests over replicas, and replays an exported ledger in another store without calling anything', async () => {
    const a = await startChatServer({ latencyMs: 10 });
    const b = await startChatServer({ latencyMs: 10 });
    const ws = new Workspace();
    const reviewer = new Workspace();
    try {
      ws.write('queries.tsv', queries(60));
      ws.write('exp.yaml', experiment(a.url, { base_url: [a.url, b.url], concurrency: 4, cache_key: 'test-pair' }));
      const r = await ws.qexp(['run', 'exp.yaml'], ENV);
      expect(r.exitCode, r.all).toBe(0);
      expect(a.log.length + b.log.length).toBe(60);
      expect(a.log.length).toBeGreaterThan(10);
      expect(b.log.length).toBeGreaterThan(10);
      const exp = await ws.qexp(['ledger', 'export', 'ledger.jsonl', '--stage', 'gen']);
      expect(exp.stdout).toMatch(/exported 60 answers/);
      // the reviewer: the same experiment, no key, no server
      reviewer.write('queries.tsv', queries(60));
      reviewer.write('exp.yaml', experiment('http://127.0.0.1:9/v1', { cache_key: 'test-pair' }));
      const none = await reviewer.qexp(['run', 'exp.yaml']);
      expect(none.exitCode).toBe(1);
      expect(none.all).toMatch(/the environment variable TEST_LLM_KEY \(models\.teacher\.api_key_env\) is not set/);
      const imp = await reviewer.qexp(['ledger', 'import', ws.path('ledger.jsonl')]);
      expect(imp.stdout).toMatch(/imported 60 new answers/);
      const replayed = await reviewer.qexp(['run', 'exp.yaml']);
      expect(replayed.exitCode, replayed.all).toBe(0);
      expect(await generations(reviewer)).toEqual(await generations(ws));
    } finally {
      await a.close();
      await b.close();
      ws.remove();
      reviewer.remove();
    }
  });

  it('starts a declared server, waits for /v1/models, uses it and stops it', async () => {
    const ws = new Workspace();
    try {
      ws.write('queries.tsv', queries(5));
      // a stand-alone server the experiment starts: it answers, then logs every request to a file
      ws.write(
        'server.mjs',
        `import { createServer } from 'node:http';
import { appendFileSync } from 'node:fs';
const port = Number(process.argv[2]);
setTimeout(() => createServer((req, res) => {
  if (req.url.endsWith('/models')) { res.writeHead(200, {'content-type': 'application/json'}); res.end('{"data":[]}'); return; }
  let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => {
    appendFileSync('served.log', 'x\\n');
    const body = JSON.parse(b);
    res.writeHead(200, {'content-type': 'application/json'});
    res.end(JSON.stringify({ choices: [{ index: 0, message: { role: 'assistant', content: 'served: ' + body.messages[0].content }, finish_reason: 'stop' }], usage: { prompt_tokens: 3, completion_tokens: 4 } }));
  });
}).listen(port, '127.0.0.1'), 300);
`,
      );
      const port = 20000 + Math.floor(Math.random() * 20000);
      ws.write(
        'exp.yaml',
        experiment('unused', {
          base_url: undefined,
          api_key_env: undefined,
          serve: { command: `node server.mjs ${port}`, port, ready_timeout_s: 300 },
        }),
      );
      const r = await ws.qexp(['run', 'exp.yaml']);
      expect(r.exitCode, r.all).toBe(0);
      expect(readFileSync(ws.path('served.log'), 'utf8').trim().split('\n').length).toBe(5);
      expect((await generations(ws))[0]?.text).toBe('served: Write a passage that answers: query number 0');
      // stopped: nothing listens on the port any more
      await expect(fetch(`http://127.0.0.1:${port}/v1/models`)).rejects.toThrow();
    } finally {
      ws.remove();
    }
  });
});

describe('prompts in experiments', () => {
  it('draws few-shot exemplars from a dataset stage; a post-processing change re-runs with no request, a template change asks again', async () => {
    const ws = new Workspace();
    const server = await startChatServer();
    try {
      ws.write('queries.tsv', queries(6));
      ws.write('train/q.tsv', Array.from({ length: 8 }, (_, i) => `t${i}\ttraining question ${i}`).join('\n'));
      ws.write('train/qrels.txt', Array.from({ length: 8 }, (_, i) => `t${i} 0 d${i} 1`).join('\n'));
      ws.write('train/corpus.tsv', Array.from({ length: 10 }, (_, i) => `d${i}\tanswer passage ${i}`).join('\n'));
      const doc = (template: string, maxWords?: number) =>
        JSON.stringify({
          name: 'fewshot',
          datasets: {
            q: { queries: 'queries.tsv' },
            train: { queries: 'train/q.tsv', qrels: 'train/qrels.txt', corpus: 'train/corpus.tsv' },
          },
          models: { teacher: { provider: 'openai', base_url: server.url, model: 'test-model' } },
          prompts: {
            fs: {
              messages: [{ role: 'user', content: `${template}{{examples}}\n\nQ: {{query}}` }],
              examples: { k: 2, template: '[{{query}} => {{passage}}]', separator: ' ' },
              postprocess: maxWords ? { max_words: maxWords } : {},
            },
          },
          stages: {
            data: { kind: 'dataset', dataset: 'q' },
            pool: { kind: 'dataset', dataset: 'train' },
            gen: { kind: 'generate', model: 'teacher', prompt: 'fs', queries: 'data', examples_pool: 'pool' },
          },
        });
      ws.write('exp.yaml', doc('Examples: '));
      const r = await ws.qexp(['run', 'exp.yaml']);
      expect(r.exitCode, r.all).toBe(0);
      expect(server.log.length).toBe(6);
      for (const q of server.log) {
        const shots = [...q.prompt.matchAll(/\[training question (\d) => answer passage (\d)\]/g)];
        expect(shots).toHaveLength(2);
        for (const m of shots) expect(m[1]).toBe(m[2]); // each query with its own relevant passage
      }
      ws.write('exp.yaml', doc('Examples: ', 3));
      const plan = await ws.qexp(['plan', 'exp.yaml']);
      expect(plan.stdout).toMatch(/prompts\.fs\.postprocess/);
      const again = await ws.qexp(['run', 'exp.yaml']);
      expect(again.exitCode, again.all).toBe(0);
      expect(server.log.length).toBe(6);
      expect((await generations(ws)).every((g) => g.text.split(' ').length <= 3)).toBe(true);
      ws.write('exp.yaml', doc('Some examples: ', 3));
      expect((await ws.qexp(['run', 'exp.yaml'])).exitCode).toBe(0);
      expect(server.log.length).toBe(12);
    } finally {
      await server.close();
      ws.remove();
    }
  });

  it('reports unknown models and prompts, credentials in headers and incomplete models with their positions', async () => {
    const ws = new Workspace();
    try {
      ws.write('queries.tsv', queries(2));
      ws.write(
        'bad.yaml',
        [
          'name: bad',
          'datasets:',
          '  q: {queries: queries.tsv}',
          'models:',
          '  teacher:',
          '    provider: openai',
          '    model: m',
          '    base_url: http://127.0.0.1:9/v1',
          '    headers: {Authorization: Bearer abc}',
          '  replayed: {provider: replay}',
          'prompts:',
          "  zs: {messages: [{role: user, content: '{{query}}'}]}",
          'stages:',
          '  data: {kind: dataset, dataset: q}',
          '  a: {kind: generate, model: teachr, prompt: zs, queries: data}',
          '  b: {kind: generate, model: teacher, prompt: zss, queries: data}',
          '  c: {kind: generate, model: replayed, prompt: zs, queries: data}',
          '',
        ].join('\n'),
      );
      const r = await ws.qexp(['validate', 'bad.yaml']);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toMatch(/bad\.yaml:15:\d+: error: no model 'teachr' under models; did you mean 'teacher'\?/);
      expect(r.stderr).toMatch(/bad\.yaml:16:\d+: error: no prompt 'zss' under prompts; did you mean 'zs'\?/);
      expect(r.stderr).toMatch(/bad\.yaml:9:\d+: error: header 'Authorization' carries a credential: give it with headers_env/);
      expect(r.stderr).toMatch(/bad\.yaml:10:\d+: error: a 'replay' model needs 'file' or 'stage'/);
    } finally {
      ws.remove();
    }
  });
});

describe.skipIf(!MIRROR)('replay provider (real data)', () => {
  it('replays the real DL19 gpt-4o-mini expansions for all 43 DL19 queries, and names a query it lacks', async () => {
    const ws = new Workspace();
    try {
      const dl19 = join(MIRROR as string, 'trec-dl', 'topics.dl19-passage.txt');
      const file = join(MIRROR as string, 'expansions', 'dl19.gpt-4o-mini.exp4fuse.json');
      const doc = (queriesFile: string) =>
        JSON.stringify({
          name: 'replay',
          datasets: { dl19: { queries: queriesFile } },
          models: { gpt: { provider: 'replay', file } },
          prompts: { zs: { messages: [{ role: 'user', content: 'Please write a passage to answer the question. {{query}}' }] } },
          stages: { data: { kind: 'dataset', dataset: 'dl19' }, gen: { kind: 'generate', model: 'gpt', prompt: 'zs', queries: 'data' } },
        });
      ws.write('exp.yaml', doc(dl19));
      const r = await ws.qexp(['run', 'exp.yaml']);
      expect(r.exitCode, r.all).toBe(0);
      const gens = await generations(ws);
      const topics = readFileSync(dl19, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('\t')[0]);
      expect(gens.map((g) => g.qid)).toEqual(topics);
      const recorded = new Map((JSON.parse(readFileSync(file, 'utf8')) as string[][]).map(([q, , p]) => [String(q), p as string]));
      for (const g of gens) expect(g.text).toBe(recorded.get(g.qid)?.replace(/\s+/g, ' ').trim());
      ws.write('more.tsv', `${readFileSync(dl19, 'utf8').trim()}\n999999\twhat is not in the file\n`);
      ws.write('exp2.yaml', doc('more.tsv').replace('"name":"replay"', '"name":"replay2"'));
      const missing = await ws.qexp(['run', 'exp2.yaml']);
      expect(missing.exitCode).toBe(1);
      expect(missing.all).toMatch(/has no generation for query 999999 \("what is not in the file"\)/);
    } finally {
      ws.remove();
    }
  });
});

afterAll(() => undefined);
