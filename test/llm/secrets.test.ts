import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { credentialProblems, looksLikeKey } from '../../src/llm/credentials.js';
import { TABLES } from '../../src/store/tables.js';
import { startChatServer } from '../helpers/chat-server.mjs';
import { writeToyCollection } from '../helpers/toy-collection.js';
import { positionOf, Workspace } from '../helpers/workspace.js';
import { dumpStore, experiment, filesUnder, generations, KEY, queries } from './gen-fixture.js';

// Secrets reach a request only through variables named in api_key_env / headers_env; every other
// way of writing one in a model is refused at validation, and none is ever stored or printed.

const TENANT = 'tnt-9f8e7d6c5b4a3210ZYXWVUT';

/** The secret and every 8-character piece of it. */
const piecesOf = (secret: string) => Array.from({ length: secret.length - 7 }, (_, i) => secret.slice(i, i + 8));

function expectNoSecret(text: string, what: string, secrets = [KEY, TENANT]): void {
  for (const s of secrets) for (const piece of piecesOf(s)) expect(text.includes(piece), `'${piece}' of a secret in ${what}`).toBe(false);
}

describe('what looks like a credential', () => {
  it('takes variable names for names and keys for keys', () => {
    for (const name of ['OPENAI_API_KEY', 'TEST_LLM_KEY', 'HF_TOKEN', 'DEEPSEEK_API_KEY', 'K1', 'my_key_2024'])
      expect(looksLikeKey(name), name).toBe(false);
    for (const key of [KEY, 'sk_live_abc123', 'AIzaSyD4d9f0a8b7c6e5d4c3b2a190', '0123456789abcdef0123456789abcdef', 'hf_AbCdEfGhIjKlMn'])
      expect(looksLikeKey(key), key).toBe(true);
  });

  it('refuses credential headers by class, and leaves other headers alone', () => {
    const headers = Object.fromEntries(
      ['X-Auth-Token', 'X-Goog-Api-Key', 'Authorization', 'Cookie', 'X-Session-Id', 'X-Amz-Signature', 'X-Client-Secret', 'X-Password'].map(
        (h) => [h, 'v'],
      ),
    );
    const refused = credentialProblems({ headers: { ...headers, Accept: 'application/json', 'X-Tenant': 'acme' } }).map((p) => p.key[1]);
    expect(refused.sort()).toEqual(Object.keys(headers).sort());
  });

  it('refuses credentials in a URL, printing it with *** in their place', () => {
    const messages = (url: string | string[]) => credentialProblems({ base_url: url }).map((p) => p.message);
    expect(messages('http://127.0.0.1:8000/v1?format=json')).toEqual([]);
    expect(messages(`https://user:${KEY}@api.example.com/v1`)[0]).toMatch(
      /^base_url https:\/\/\*\*\*:\*\*\*@api\.example\.com\/v1 carries/,
    );
    expect(messages(`https://${KEY}@api.example.com/v1`)[0]).toMatch(/^base_url https:\/\/\*\*\*@api\.example\.com\/v1 carries/);
    const list = credentialProblems({ base_url: ['http://a/v1', `http://b/v1?key=${KEY}&format=x`, `http://c/v1?access_token=${KEY}`] });
    expect(list.map((p) => [p.key, p.message.split(' ')[1]])).toEqual([
      [['base_url', '1'], 'http://b/v1?key=***&format=x'],
      [['base_url', '2'], 'http://c/v1?access_token=***'],
    ]);
    for (const q of ['api_key', 'token', 'sig', 'X-Goog-Signature', 'apikey'])
      expect(messages(`http://h/v1?${q}=${KEY}`), q).toHaveLength(1);
    for (const p of list) expectNoSecret(p.message, 'the message');
  });
});

/** A model with every refused form; each line's secret comes from the YAML or the environment. */
const BAD = (url: string) =>
  [
    'name: bad', // 1
    'datasets:',
    '  q: {queries: queries.tsv}',
    'models:',
    '  teacher:', // 5
    '    provider: openai',
    '    model: m',
    `    base_url: [${url}, "http://me:${KEY}@127.0.0.1:9/v1", "http://127.0.0.1:9/v1?api_key=${KEY}"]`,
    `    api_key_env: ${KEY}`,
    `    headers: {X-Auth-Token: ${KEY}, X-Goog-Api-Key: ${KEY}, X-Tenant: "\${env:TENANT_VALUE}"}`, // 10
    `    headers_env: {X-Other: "\${env:TENANT_VALUE}", X-Third: 0123456789abcdef0123456789abcdef}`,
    '  unused:',
    '    provider: openai',
    '    model: m',
    '    base_url: "${env:SECRET_URL}"', // 15
    '    api_key_env: not-a-name',
    'prompts:',
    "  zs: {messages: [{role: user, content: '{{query}}'}]}",
    'stages:',
    '  data: {kind: dataset, dataset: q}', // 20
    '  gen: {kind: generate, model: teacher, prompt: zs, queries: data}',
    '',
  ].join('\n');

describe('a secret written anywhere but a named variable', () => {
  it('is refused by validate, run and plan: exit 2, each at its position, the secret never repeated', async () => {
    const ws = new Workspace();
    try {
      const text = BAD('http://127.0.0.1:9/v1');
      ws.write('bad.yaml', text);
      ws.write('queries.tsv', queries(1));
      const env = { TENANT_VALUE: TENANT, SECRET_URL: `https://u:${KEY}@h.example/v1?token=${TENANT}` };
      const at = (needle: string, nth = 0) => {
        const p = positionOf(text, needle, nth);
        return `bad\\.yaml:${p.line}:${p.col}: error: `;
      };
      const expected = [
        `${at('"http://me')}base_url http://\\*\\*\\*:\\*\\*\\*@127\\.0\\.0\\.1:9/v1 carries a credential`,
        `${at('"http://127.0.0.1:9/v1?')}base_url http://127\\.0\\.0\\.1:9/v1\\?api_key=\\*\\*\\* carries a credential`,
        `${at(KEY, 2)}api_key_env takes the NAME of an environment variable, not its value; this looks like a key itself`,
        `${at(KEY, 3)}header 'X-Auth-Token' carries a credential: give it with headers_env`,
        `${at(KEY, 4)}header 'X-Goog-Api-Key' carries a credential: give it with headers_env`,
        `${at('"${env:TENANT_VALUE}"')}a header's value cannot come from \\$\\{env:\\.\\.\\.\\}: it would be stored with the experiment; name the variable in headers_env instead \\(headers_env: \\{X-Tenant: VARIABLE\\}\\)`,
        `${at('"${env:TENANT_VALUE}"', 1)}headers_env takes the NAME of an environment variable: write the name itself, not \\$\\{env:\\.\\.\\.\\}`,
        `${at('0123456789abcdef0123456789abcdef')}headers_env\\.X-Third takes the NAME of an environment variable, not its value; this looks like a key itself`,
        `${at('"${env:SECRET_URL}"')}base_url https://\\*\\*\\*:\\*\\*\\*@h\\.example/v1\\?token=\\*\\*\\* carries a credential`,
        `${at('not-a-name')}api_key_env takes the NAME of an environment variable, not its value; this is not a variable name`,
      ];
      for (const args of [
        ['validate', 'bad.yaml'],
        ['plan', 'bad.yaml'],
        ['run', 'bad.yaml'],
      ]) {
        const r = await ws.qexp(args, env);
        expect(r.exitCode, r.all).toBe(2);
        for (const e of expected) expect(r.stderr, e).toMatch(new RegExp(e));
        expect(r.stderr).toMatch(/10 problems found/);
        expectNoSecret(r.all, `qexp ${args[0]}`);
        expectNoSecret(r.all, `qexp ${args[0]}`, ['0123456789abcdef0123456789abcdef']);
      }
      // nothing was stored: the store is never opened for an invalid experiment
      expect(filesUnder(ws.dir).filter((f) => f.includes('results'))).toEqual([]);
    } finally {
      ws.remove();
    }
  });

  it('is refused from -S settings too, the setting named without its value', async () => {
    const ws = new Workspace();
    try {
      ws.write('queries.tsv', queries(1));
      ws.write('exp.yaml', experiment('http://127.0.0.1:9/v1'));
      const cases: [string, RegExp][] = [
        [
          `models.teacher.base_url=http://u:${KEY}@127.0.0.1:9/v1`,
          /^-S models\.teacher\.base_url=http:\/\/\*\*\*@127\.0\.0\.1:9\/v1:1:\d+: error: base_url http:\/\/\*\*\*:\*\*\*@127/m,
        ],
        [
          `models.teacher.base_url=http://h/v1?key=${KEY}`,
          /^-S models\.teacher\.base_url=http:\/\/h\/v1\?key=\*\*\*:1:\d+: error: base_url http:\/\/h\/v1\?key=\*\*\* carries/m,
        ],
        [
          `models.teacher.headers.X-Auth-Token=${KEY}`,
          /^-S models\.teacher\.headers\.X-Auth-Token=\*\*\*:1:\d+: error: header 'X-Auth-Token' carries a credential/m,
        ],
        [
          `models.teacher.headers={X-Api-Key: ${KEY}}`,
          /^-S models\.teacher\.headers=\*\*\*:1:\d+: error: header 'X-Api-Key' carries a credential/m,
        ],
        [`models.teacher.api_key_env=${KEY}`, /^-S models\.teacher\.api_key_env=\*\*\*:1:\d+: error: api_key_env takes the NAME/m],
      ];
      for (const [setting, expected] of cases) {
        const r = await ws.qexp(['plan', 'exp.yaml', '-S', setting], { TEST_LLM_KEY: 'x' });
        expect(r.exitCode, r.all).toBe(2);
        expect(r.stderr).toMatch(expected);
        expectNoSecret(r.all, setting);
      }
    } finally {
      ws.remove();
    }
  });

  it('is refused from an ablation axis too', async () => {
    const ws = new Workspace();
    try {
      ws.write('queries.tsv', queries(1));
      const doc = JSON.parse(experiment('http://127.0.0.1:9/v1'));
      doc.ablations = {
        axes: {
          'models.teacher.headers.X-Tenant': ['${env:TENANT_VALUE}', 'plain'],
          'models.teacher.headers': [{ 'X-Org': '${env:TENANT_VALUE}' }],
        },
      };
      const text = JSON.stringify(doc, null, 1);
      ws.write('ax.yaml', text);
      const r = await ws.qexp(['validate', 'ax.yaml'], { TENANT_VALUE: TENANT });
      expect(r.exitCode, r.all).toBe(2);
      const refused: [string, string][] = [
        ['"${env:TENANT_VALUE}",', 'X-Tenant'],
        ['"${env:TENANT_VALUE}"\n', 'X-Org'],
      ];
      for (const [needle, header] of refused) {
        const p = positionOf(text, needle);
        expect(r.stderr).toContain(`ax.yaml:${p.line}:${p.col}: error: a header's value cannot come from \${env:...}`);
        expect(r.stderr).toContain(`(headers_env: {${header}: VARIABLE})`);
      }
      expectNoSecret(r.all, 'validate');
    } finally {
      ws.remove();
    }
  });

  it('an env reference elsewhere in a model (base_url without credentials, extra_body) is still substituted', async () => {
    const ws = new Workspace();
    try {
      ws.write('queries.tsv', queries(1));
      ws.write(
        'ok.yaml',
        experiment('${env:LLM_URL}', {
          extra_body: { seed_label: '${env:LABEL:-none}' },
          headers_env: { 'X-Tenant-Token': 'TEST_TENANT' },
        }),
      );
      const r = await ws.qexp(['validate', 'ok.yaml'], { LLM_URL: 'http://127.0.0.1:9/v1' });
      expect(r.exitCode, r.all).toBe(0);
    } finally {
      ws.remove();
    }
  });
});

/** Generation, retrieval with its expansions, evaluation and a report, over a model given its key and a header through variables. */
const RIGHT_WAY = (url: string) => `
name: right
datasets:
  toy: {queries: data/queries.tsv, qrels: data/qrels.txt, corpus: data/corpus.tsv}
models:
  teacher:
    provider: openai
    base_url: ${url}
    model: test-model
    api_key_env: TEST_LLM_KEY
    headers: {X-Client: qexp-test}
    headers_env: {X-Tenant-Token: TEST_TENANT}
    concurrency: 1
    max_retries: 1
    price: {input_per_million: 1, output_per_million: 2}
prompts:
  zs: {messages: [{role: user, content: "Write a passage that answers: {{query}}"}]}
stages:
  data: {kind: dataset, dataset: toy}
  idx: {kind: index, corpus: data}
  bm25: {kind: retrieve, index: idx, topics: data, hits: 20}
  gen: {kind: generate, model: teacher, prompt: zs, queries: data}
  run: {kind: retrieve, index: idx, topics: data, expansions: gen, hits: 20}
  ev-bm25: {kind: evaluate, run: bm25, qrels: data, measures: [nDCG@10]}
  ev-gen: {kind: evaluate, run: run, qrels: data, measures: [nDCG@10]}
report:
  rows: {BM25: ev-bm25, Teacher: ev-gen}
  baseline: BM25
`;

describe('a secret given the right way', () => {
  it('reaches the server, and nothing persisted or printed holds it, even when the server echoes it', async () => {
    const ws = new Workspace();
    let echo = true;
    const server = await startChatServer({ behave: (r) => (echo && r.prompt.endsWith('w2a w2b') ? '401-echo-own' : 'ok') });
    try {
      writeToyCollection(
        ws,
        4,
        (i) => `w${i}c`,
        (i) => `w${i}b`,
      );
      ws.write('exp.yaml', RIGHT_WAY(server.url));
      const env = { TEST_LLM_KEY: KEY, TEST_TENANT: TENANT };
      const outputs: [string, string][] = [];
      const qexp = async (args: string[]) => {
        const r = await ws.qexp(args, env);
        outputs.push([`qexp ${args.join(' ')}`, String(r.all)]);
        return r;
      };
      // a first run fails on the server's echo of every header it got (credentials included) …
      const failed = await qexp(['run', 'exp.yaml', '--progress', 'plain']);
      expect(failed.exitCode, failed.all).toBe(1);
      expect(failed.all).toMatch(/HTTP 401/);
      // … the second completes
      echo = false;
      const r = await qexp(['run', 'exp.yaml', '--progress', 'plain']);
      expect(r.exitCode, r.all).toBe(0);
      expect((await generations(ws)).map((g) => g.qid)).toEqual(['q0', 'q1', 'q2', 'q3']);
      expect(server.log.length).toBeGreaterThanOrEqual(5);
      for (const q of server.log) {
        expect(q.authorization).toBe(`Bearer ${KEY}`);
        expect(q.headers['x-tenant-token']).toBe(TENANT);
        expect(q.headers['x-client']).toBe('qexp-test');
      }

      for (const args of [
        ['plan', 'exp.yaml', '--json'],
        ['exp', 'show', 'exp.yaml', '--json'],
        ['cache', 'ls', '--json'],
        ['ledger', 'ls', '--json'],
        ['ledger', 'export', 'ledger.jsonl', '--json'],
        ['report', 'exp.yaml', '--format', 'json'],
        ['report', 'exp.yaml', '--format', 'md'],
        ['report', 'exp.yaml', '--format', 'html', '--out', 'report.html'],
      ]) {
        const out = await qexp(args);
        expect(out.exitCode, out.all).toBe(0);
      }
      expect(outputs.find(([c]) => c.startsWith('qexp ledger export'))?.[1]).toMatch(/"answers":4/);
      expect(outputs.find(([c]) => c.endsWith('--format md'))?.[1]).toMatch(/\| Teacher \|/);

      // every table of the store in full (those src/store/tables.ts declares among them)
      const names = (await ws.sql(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'`)).map((t) => t.table_name);
      expect(names).toEqual(expect.arrayContaining(TABLES.map((t) => t.name)));
      const dump = await dumpStore(ws);
      expect(dump).toMatch(/^llm_errors\t.*HTTP 401.*x-tenant-token.*\[redacted\]/m);
      expect(dump).toMatch(/^experiments\t.*TEST_TENANT/m);
      expectNoSecret(dump, 'the store');
      // every file in the project: the database's own bytes, stage logs, artifacts, the ledger export, the report
      const files = filesUnder(ws.dir);
      expect(files.some((f) => f.endsWith('.log'))).toBe(true);
      expect(files).toEqual(expect.arrayContaining([ws.path('ledger.jsonl'), ws.path('report.html')]));
      for (const f of files) expectNoSecret(readFileSync(f).toString('latin1'), f);
      for (const [what, out] of outputs) expectNoSecret(out, what);
    } finally {
      await server.close();
      ws.remove();
    }
  });
});
