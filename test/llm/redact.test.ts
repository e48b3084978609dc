import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generate } from '../../src/llm/answer.js';
import { defineProvider, type LlmRequest } from '../../src/llm/providers/provider.js';
import { getProvider } from '../../src/llm/providers/registry.js';
import { redact, redactError } from '../../src/llm/redact.js';
import { LlmError } from '../../src/llm/types.js';
import { Store } from '../../src/store/store.js';

describe('redaction', () => {
  it('removes a secret and any 8-character piece of it', () => {
    const key = 'sk-abcdefghijklmnop123456';
    expect(redact(`bad key ${key}!`, [key])).toBe('bad key [redacted]!');
    expect(redact('Incorrect API key provided: sk-abcde***********3456', [key])).not.toContain('sk-abcde');
    expect(redact('nothing here', [key])).toBe('nothing here');
  });

  it('redacts an error in place: same class, message and stack cleared', () => {
    const key = 'sk-abcdefghijklmnop123456';
    const err = new LlmError(`refused ${key}`, 'auth', false, 401);
    const out = redactError(err, [key]);
    expect(out).toBe(err);
    expect(err).toBeInstanceOf(LlmError);
    expect(err.message).toBe('refused [redacted]');
    expect(err.stack).not.toContain('sk-abcde');
    expect((redactError('plain sk-abcdefghij', [key]) as Error).message).toBe('plain [redacted]fghij');
  });
});

const SECRET = 'sk-live-0123456789abcdefXYZ';
const pieces = [SECRET, SECRET.slice(0, 8), SECRET.slice(-8), SECRET.slice(9, 17)];

describe('every path out of a provider is cleared of the secrets it declares', () => {
  it('its log lines, its failed attempts (in the ledger and the log) and the error it throws', async () => {
    // a provider that leaks its key everywhere it can
    const leaky = defineProvider({
      name: 'leaky',
      noun: 'a leak',
      summary: 'leaks',
      schema: {},
      fewShot: true,
      refs: () => [],
      check: () => [],
      resolve: () => ({ identity: { provider: 'leaky' }, runtime: { key_env: 'LEAKY_KEY' }, files: [] }),
      secrets: (_identity: unknown, rt: { key_env: string }) => [rt.key_env],
      requests: { model: () => 'm', endpoint: () => 'e', sampling: () => ({}), body: (_i: unknown, messages: unknown) => ({ messages }) },
      async *answer(requests: LlmRequest[], _m: unknown, ctx: { env: Record<string, string | undefined>; log(l: string): void }) {
        const key = ctx.env.LEAKY_KEY as string;
        ctx.log(`calling with Bearer ${key}`);
        const request = requests[0] as LlmRequest;
        yield {
          kind: 'error',
          request,
          error: new LlmError(`HTTP 401: bad key ${key.slice(0, 12)}...`, 'auth', false, 401),
          attempt: 1,
          final: true,
        };
        throw new Error(`gave up; the server said: invalid key ${key}`);
      },
    } as never);
    const dir = mkdtempSync(join(tmpdir(), 'qexp-redact-'));
    const store = await Store.open(join(dir, 'qexp.duckdb'));
    const logs: string[] = [];
    const fp = 'a'.repeat(64);
    try {
      const job = {
        topics: [{ qid: 'q1', text: 'a query' }],
        prompt: {
          messages: [{ role: 'user' as const, content: '{{query}}' }],
          postprocess: { strip_think: false, normalize_whitespace: false },
        },
        samples: 1,
        seed: 1,
        pool: [],
        fingerprint: fp,
        fingerprintOf: () => '',
      };
      const ctx = {
        name: 'm',
        stage: 'gen',
        root: dir,
        tmpDir: dir,
        env: { LEAKY_KEY: SECRET },
        input: () => '',
        stored: store,
        log: (l: string) => logs.push(l),
        progress: () => {},
        signal: new AbortController().signal,
      };
      const model = { provider: leaky, ...leaky.resolve({ provider: 'leaky' }, {} as never) };
      const err = (await generate(model, job, store, ctx).catch((e: unknown) => e)) as Error;
      expect(err.message).toBe('gave up; the server said: invalid key [redacted]');
      const errors = await store.llmErrors(fp);
      expect(errors).toHaveLength(1);
      expect(logs.some((l) => l.startsWith('calling with Bearer [redacted]'))).toBe(true);
      for (const piece of pieces) {
        expect(err.message + String(err.stack)).not.toContain(piece);
        expect(errors[0]?.message).not.toContain(piece);
        for (const l of logs) expect(l).not.toContain(piece);
      }
    } finally {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the openai provider declares its API key and every header taken from the environment', () => {
    const openai = getProvider('openai');
    const decl = {
      provider: 'openai',
      model: 'm',
      base_url: 'http://127.0.0.1:9/v1',
      api_key_env: 'API_KEY',
      headers_env: { 'x-api-key': 'OTHER_KEY', cookie: 'SESSION' },
      concurrency: 1,
      timeout_s: 1,
      max_retries: 0,
      max_error_rate: 0,
      tokenizer: 'o200k_base',
    };
    const { identity, runtime } = openai.resolve(decl, {} as never);
    expect(openai.secrets?.(identity, runtime).sort()).toEqual(['API_KEY', 'OTHER_KEY', 'SESSION']);
  });
});
