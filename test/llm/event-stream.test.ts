import { describe, expect, it } from 'vitest';
import { streamOf } from '../../src/llm/event-stream.js';

describe('streamOf: callbacks read as an async iterable', () => {
  it('gives the items in the order emitted, then the error the producer ends with', async () => {
    const got: number[] = [];
    const stream = streamOf<number>(new AbortController().signal, async (emit) => {
      emit(1);
      await new Promise((r) => setImmediate(r));
      emit(2);
      emit(3);
      throw new Error('broke after 3');
    });
    await expect(
      (async () => {
        for await (const n of stream) got.push(n);
      })(),
    ).rejects.toThrow('broke after 3');
    expect(got).toEqual([1, 2, 3]);
  });

  it('a consumer that stops early aborts the producer and waits for it to end', async () => {
    let cleanedUp = false;
    let emitted = 0;
    const stream = streamOf<number>(new AbortController().signal, async (emit, signal) => {
      try {
        while (!signal.aborted) {
          emit(++emitted);
          await new Promise((r) => setImmediate(r));
        }
      } finally {
        await new Promise((r) => setImmediate(r));
        cleanedUp = true;
      }
    });
    for await (const n of stream) if (n === 3) break;
    expect(cleanedUp).toBe(true);
    expect(emitted).toBeLessThan(10);
  });

  it("the caller's abort reaches the producer", async () => {
    const outer = new AbortController();
    const seen: number[] = [];
    const stream = streamOf<number>(outer.signal, async (emit, signal) => {
      emit(1);
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
      emit(2);
    });
    for await (const n of stream) {
      seen.push(n);
      if (n === 1) outer.abort();
    }
    expect(seen).toEqual([1, 2]);
  });
});
