import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GenerateContext, type GenerateJob, generate, planRequests, type ResolvedModel } from '../../src/llm/answer.js';
import type { Ledger } from '../../src/llm/ledger-writer.js';
import { type PromptDecl, templateVersion } from '../../src/llm/prompt.js';
import { defineProvider, type LlmRequest, type ProviderEvent } from '../../src/llm/providers/provider.js';
import { type Json, LlmError, type Sampling } from '../../src/llm/types.js';
import { Store } from '../../src/store/store.js';
import { canonicalJson } from '../../src/util/canonical-json.js';
import { sha256Text } from '../../src/util/hash.js';

// A provider declared once, here, and nowhere else: what the layer does with it is all it gets.
interface EchoDecl {
  provider: 'echo';
  voice: string;
  sampling: Sampling;
  prefix: string;
  fail_after?: number;
}
type EchoIdentity = { provider: 'echo'; voice: string; sampling: Json };

/** Every batch of requests the provider was asked to answer; how many answers it gave in its last call, and whether it got to its end. */
const asked: LlmRequest[][] = [];
let last = { given: 0, ended: false };

const echo = defineProvider<EchoDecl, EchoIdentity, { prefix: string; fail_after: number | null }>({
  name: 'echo',
  noun: 'an echo (`echo`)',
  summary: 'repeats the query',
  schema: {},
  fewShot: true,
  refs: () => [],
  check: () => [],
  resolve: (m) => ({
    identity: { provider: 'echo', voice: m.voice, sampling: m.sampling as Json },
    runtime: { prefix: m.prefix, fail_after: m.fail_after ?? null },
    files: [],
  }),
  requests: {
    model: () => 'echo-1',
    endpoint: (m) => `echo:${m.voice}`,
    sampling: (m) => m.sampling as Sampling,
    body: (m, messages, sampling) => ({ ...sampling, voice: m.voice, messages }),
  },
  async *answer(requests, { runtime }, ctx) {
    asked.push(requests);
    last = { given: 0, ended: false };
    for (const request of requests) {
      if (runtime.fail_after !== null && last.given === runtime.fail_after) throw new Error(`echo broke after ${last.given} answers`);
      if (ctx.signal.aborted) return;
      last.given++;
      const text = `${runtime.prefix}${request.query} #${request.body?.seed}`;
      const completion = {
        texts: [text],
        finishReasons: ['stop'],
        promptTokens: 3,
        completionTokens: 2,
        estimated: false,
        latencyMs: 1,
        endpoint: 'here',
      };
      yield { kind: 'answer', request, completion, costUsd: 0.001 } satisfies ProviderEvent;
      // let the consumer run between answers, as a network provider does
      await new Promise((r) => setImmediate(r));
    }
    yield { kind: 'done', sent: requests.length };
    last.ended = true;
  },
});

const prompt: PromptDecl = {
  messages: [{ role: 'user', content: 'Answer: {{query}}' }],
  postprocess: { strip_think: true, normalize_whitespace: true },
};

function modelOf(decl: Omit<EchoDecl, 'provider'>): ResolvedModel {
  const { identity, runtime } = echo.resolve({ provider: 'echo', ...decl } as never, {} as never);
  return { provider: echo, identity, runtime };
}

const job: GenerateJob = {
  topics: [
    { qid: 'q1', text: 'solar   panels' },
    { qid: 'q2', text: 'wind farms' },
    { qid: 'q3', text: 'sourdough' },
  ],
  prompt,
  samples: 2,
  seed: 1,
  pool: [],
  fingerprint: 'f'.repeat(64),
  fingerprintOf: () => 'unused',
};

const dir = mkdtempSync(join(tmpdir(), 'qexp-answer-'));
let store: Store;
const logs: string[] = [];
const ctx = (): GenerateContext => ({
  name: 'm',
  stage: 'gen',
  root: dir,
  tmpDir: dir,
  env: {},
  input: () => {
    throw new Error('no inputs');
  },
  stored: store,
  log: (l) => logs.push(l),
  progress: () => {},
  signal: new AbortController().signal,
});

beforeAll(async () => {
  store = await Store.open(join(dir, 'qexp.duckdb'));
});
afterAll(() => {
  store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a provider declared once is asked through the ledger', () => {
  it('keys its requests by its endpoint, body and the template; its runtime reaches it; a second run asks nothing', async () => {
    const model = modelOf({ voice: 'low', sampling: { seed: 10, temperature: 0.5 }, prefix: 'A: ' });
    const first = await generate(model, job, store, ctx());
    expect(asked.at(-1)?.length).toBe(6);
    expect(first.generations.map((g) => [g.qid, g.sample, g.text])).toEqual([
      ['q1', 0, 'A: solar panels #10'],
      ['q1', 1, 'A: solar panels #11'],
      ['q2', 0, 'A: wind farms #10'],
      ['q2', 1, 'A: wind farms #11'],
      ['q3', 0, 'A: sourdough #10'],
      ['q3', 1, 'A: sourdough #11'],
    ]);
    const body = { seed: 11, temperature: 0.5, voice: 'low', messages: [{ role: 'user', content: 'Answer: solar   panels' }] };
    expect(first.generations[1]?.requestKey).toBe(
      sha256Text(canonicalJson({ endpoint: 'echo:low', body, template: templateVersion(prompt) })),
    );
    const stored = await store.answers(first.generations.map((g) => g.requestKey as string));
    expect(stored.size).toBe(6);
    expect([...stored.values()].every((a) => a.endpoint === 'echo:low' && a.model === 'echo-1' && a.fingerprint === job.fingerprint)).toBe(
      true,
    );
    expect(first.stats).toMatchObject({ provider: 'echo', requests: 6, cached: 0, sent: 6, answered_now: 6, generations: 6 });
    expect(first.stats.cost_usd).toBeCloseTo(0.006, 10);

    // another runtime: the same requests, answered from the ledger (the provider is not even asked)
    const calls = asked.length;
    const again = await generate({ ...model, runtime: { prefix: 'B: ', fail_after: null } }, job, store, ctx());
    expect(asked.length).toBe(calls);
    expect(again.generations).toEqual(first.generations);
    expect(again.stats).toMatchObject({ cached: 6, sent: 0, answered_now: 0 });

    // another identity: other keys, all asked again
    const other = await generate(modelOf({ voice: 'high', sampling: { seed: 10, temperature: 0.5 }, prefix: 'C: ' }), job, store, ctx());
    expect(asked.at(-1)?.length).toBe(6);
    expect(other.generations.every((g, i) => g.requestKey !== first.generations[i]?.requestKey)).toBe(true);
  });

  it('numbers the draws of unseeded samples in their keys; sample 0, one sample, and seeded samples keep the keys they had', () => {
    const key = (body: Record<string, unknown>) =>
      sha256Text(canonicalJson({ endpoint: 'echo:d', body, template: templateVersion(prompt) }));
    const messages = [{ role: 'user', content: 'Answer: wind farms' }];
    const unseeded = planRequests(modelOf({ voice: 'd', sampling: { temperature: 1 }, prefix: '' }), { ...job, samples: 3 });
    const q2 = unseeded.filter((r) => r.qid === 'q2');
    expect(q2.map((r) => r.key)).toEqual([
      key({ temperature: 1, voice: 'd', messages }),
      key({ temperature: 1, voice: 'd', messages, qexp_draw: 1 }),
      key({ temperature: 1, voice: 'd', messages, qexp_draw: 2 }),
    ]);
    const single = planRequests(modelOf({ voice: 'd', sampling: { temperature: 1 }, prefix: '' }), { ...job, samples: 1 });
    expect(single.find((r) => r.qid === 'q2')?.key).toBe(q2[0]?.key);
    const seeded = planRequests(modelOf({ voice: 'd', sampling: { temperature: 1, seed: 4 }, prefix: '' }), { ...job, samples: 2 });
    expect(seeded.filter((r) => r.qid === 'q2').map((r) => r.key)).toEqual([
      key({ temperature: 1, seed: 4, voice: 'd', messages }),
      key({ temperature: 1, seed: 5, voice: 'd', messages }),
    ]);
  });

  it('keeps the answers given before the provider failed, and a rerun asks only for the rest', async () => {
    const sampling = { seed: 20 };
    await expect(generate(modelOf({ voice: 'v2', sampling, prefix: '', fail_after: 4 }), job, store, ctx())).rejects.toThrow(
      'echo broke after 4 answers',
    );
    const plan = planRequests(modelOf({ voice: 'v2', sampling, prefix: '' }), job);
    expect((await store.answers(plan.map((p) => p.key as string))).size).toBe(4);
    await generate(modelOf({ voice: 'v2', sampling, prefix: '' }), job, store, ctx());
    expect(asked.at(-1)?.map((r) => `${r.qid}/${r.sample}`)).toEqual(['q3/0', 'q3/1']);
  });

  it('stops the provider when an answer cannot be stored, and fails with the store’s error', async () => {
    const broken: Ledger = {
      answers: (keys) => store.answers(keys),
      recordLlmErrors: (e) => store.recordLlmErrors(e),
      forgetAnswers: (keys) => store.forgetAnswers(keys),
      recordAnswers: () => Promise.reject(new Error('disk full')),
    };
    const many = { ...job, topics: Array.from({ length: 50 }, (_, i) => ({ qid: `m${i}`, text: `query ${i}` })) };
    await expect(generate(modelOf({ voice: 'v3', sampling: { seed: 3 }, prefix: '' }), many, broken, ctx())).rejects.toThrow('disk full');
    // the stream was closed at the first failed write: the provider did not go on through its 100 requests
    expect(asked.at(-1)?.length).toBe(100);
    expect(last.ended).toBe(false);
    expect(last.given).toBeLessThan(10);
  });

  it('records failed attempts in the ledger, says which failed for good, and counts them', async () => {
    const flaky = defineProvider({
      ...echo,
      async *answer(requests: LlmRequest[]) {
        const [a, b] = requests as [LlmRequest, LlmRequest];
        yield { kind: 'error', request: a, error: new LlmError('server error (HTTP 500)', 'server', true, 500), attempt: 1, final: false };
        yield { kind: 'error', request: a, error: new LlmError('rejected (HTTP 400)', 'client', false, 400), attempt: 2, final: true };
        yield {
          kind: 'answer',
          request: b,
          completion: {
            texts: ['ok'],
            finishReasons: [null],
            promptTokens: 1,
            completionTokens: 1,
            estimated: false,
            latencyMs: 1,
            endpoint: 'x',
          },
          costUsd: 0,
        };
        yield { kind: 'done', sent: 3 };
      },
    } as never);
    const fp = 'e'.repeat(64);
    const one = { ...job, topics: job.topics.slice(0, 2), samples: 1, fingerprint: fp };
    const r = await generate({ ...modelOf({ voice: 'v4', sampling: {}, prefix: '' }), provider: flaky }, one, store, ctx());
    expect(r.stats).toMatchObject({ failed: 1, missing: 1, generations: 1, sent: 3 });
    const errors = await store.llmErrors(fp);
    expect(errors.map((e) => [e.attempt, e.final, e.kind, e.status])).toEqual([
      [1, false, 'server', 500],
      [2, true, 'client', 400],
    ]);
    expect(logs.some((l) => l === 'request failed for good after 2 attempt(s): rejected (HTTP 400)')).toBe(true);
  });
});
