import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AnswerContext, LlmRequest, ProviderEvent, StoredGenerations } from '../../../src/llm/providers/provider.js';
import { getProvider } from '../../../src/llm/providers/registry.js';

const replay = getProvider('replay');
const dir = mkdtempSync(join(tmpdir(), 'qexp-replay-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const request = (qid: string, query: string, sample = 0): LlmRequest => ({ qid, query, sample, key: null, body: null, messages: [] });

function context(stored: StoredGenerations, logs: string[] = []): AnswerContext {
  return {
    name: 'm',
    stage: 'gen',
    root: dir,
    tmpDir: dir,
    env: {},
    input: () => '',
    stored,
    log: (l) => logs.push(l),
    signal: new AbortController().signal,
  };
}
const noStore: StoredGenerations = {
  path: 'nowhere',
  latestDone: async () => undefined,
  generations: async () => [],
};

async function all(events: AsyncIterable<ProviderEvent>): Promise<ProviderEvent[]> {
  const out: ProviderEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const texts = (events: ProviderEvent[]) =>
  events.flatMap((e) => (e.kind === 'answer' ? [[e.request.qid, e.request.sample, e.completion.texts]] : []));

describe('the replay provider', () => {
  it('answers each (query, sample) from a recorded file, in the order asked', async () => {
    writeFileSync(
      join(dir, 'rec.jsonl'),
      ['{"qid": "q2", "text": "two"}', '{"qid": "q1", "text": "one, first"}', '{"qid": "q1", "sample": 1, "text": "one, second"}'].join(
        '\n',
      ),
    );
    const { identity, runtime, files } = replay.resolve(
      { provider: 'replay', file: 'rec.jsonl' } as never,
      {
        resolvePath: (_key: string, p: string) => join(dir, p),
        recordPath: (abs: string) => abs.slice(dir.length + 1),
      } as never,
    );
    expect(identity).toEqual({ provider: 'replay', file: 'rec.jsonl', stage: null });
    expect(files).toEqual([join(dir, 'rec.jsonl')]);
    const logs: string[] = [];
    const events = await all(
      replay.answer(
        [request('q1', 'first'), request('q1', 'first', 1), request('q2', 'second')],
        { identity, runtime },
        context(noStore, logs),
      ),
    );
    expect(texts(events)).toEqual([
      ['q1', 0, ['one, first']],
      ['q1', 1, ['one, second']],
      ['q2', 0, ['two']],
    ]);
    expect(events.at(-1)).toEqual({ kind: 'done', about: { source: 'rec.jsonl' } });
    expect(logs).toEqual(['replayed 3 generations for 2 queries from rec.jsonl']);
  });

  it('names the query (and sample) the recording lacks, before answering any', async () => {
    const identity = { provider: 'replay', file: 'rec.jsonl', stage: null };
    const asked = [request('q2', 'second'), request('q2', 'second', 1)];
    const seen: ProviderEvent[] = [];
    await expect(
      (async () => {
        for await (const e of replay.answer(asked, { identity, runtime: null }, context(noStore))) seen.push(e);
      })(),
    ).rejects.toThrow('replay: rec.jsonl has no generation for query q2 (sample 1) ("second")');
    expect(seen).toEqual([]);
  });

  it("replays a stage's latest stored generations, and says when that stage never completed", async () => {
    const stored: StoredGenerations = {
      path: 'results/qexp.duckdb',
      latestDone: async (stage) => (stage === 'teacher' ? 'b'.repeat(64) : undefined),
      generations: async () => [
        { qid: 'q1', sample: 0, text: 'stored one' },
        { qid: 'q2', sample: 0, text: 'stored two' },
      ],
    };
    const events = await all(
      replay.answer(
        [request('q2', 'x'), request('q1', 'y')],
        { identity: { provider: 'replay', file: null, stage: 'teacher' }, runtime: null },
        context(stored),
      ),
    );
    expect(texts(events)).toEqual([
      ['q2', 0, ['stored two']],
      ['q1', 0, ['stored one']],
    ]);
    expect(events.at(-1)).toEqual({ kind: 'done', about: { source: `stage teacher (${'b'.repeat(12)})` } });
    await expect(
      all(
        replay.answer(
          [request('q1', 'y')],
          { identity: { provider: 'replay', file: null, stage: 'nope' }, runtime: null },
          context(stored),
        ),
      ),
    ).rejects.toThrow("replay: no stage 'nope' has completed in results/qexp.duckdb; run it first, or replay an exported file");
  });
});
