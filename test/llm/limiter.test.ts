import { describe, expect, it } from 'vitest';
import { AdaptiveLimit, backoffMs, ReplicaPool, retryAfterMs } from '../../src/llm/limiter.js';

const headers = (h: Record<string, string>) => ({ get: (n: string) => h[n] ?? null });

describe('rate limits and retries', () => {
  it('halves concurrency on a rate limit and grows it back by one per window of successes', () => {
    const l = new AdaptiveLimit(32);
    l.rateLimited();
    expect(l.limit).toBe(16);
    l.rateLimited();
    l.rateLimited();
    expect(l.limit).toBe(4);
    for (let i = 0; i < 3; i++) l.succeeded();
    expect(l.limit).toBe(4);
    l.succeeded();
    expect(l.limit).toBe(5);
    for (let i = 0; i < 1000; i++) l.succeeded();
    expect(l.limit).toBe(32);
    const one = new AdaptiveLimit(1);
    one.rateLimited();
    expect(one.limit).toBe(1);
  });

  it('reads retry-after-ms first, then retry-after in seconds or as a date', () => {
    expect(retryAfterMs(headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
    expect(retryAfterMs(headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-11-25T10:00:00Z');
    expect(retryAfterMs(headers({ 'retry-after': 'Wed, 25 Nov 2026 10:00:03 GMT' }), now)).toBe(3000);
    expect(retryAfterMs(headers({}))).toBeUndefined();
    expect(retryAfterMs(headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });

  it('backs off exponentially with full jitter, capped', () => {
    expect(backoffMs(1, 500, 30_000, () => 0.999)).toBe(499);
    expect(backoffMs(4, 500, 30_000, () => 0.999)).toBe(3996);
    expect(backoffMs(20, 500, 30_000, () => 0.999)).toBe(29_970);
    expect(backoffMs(3, 500, 30_000, () => 0)).toBe(0);
  });

  it('gives a request to the replica with the fewest outstanding, and waits when all are full', async () => {
    const pool = new ReplicaPool([
      { target: 'a', limit: new AdaptiveLimit(2) },
      { target: 'b', limit: new AdaptiveLimit(1) },
    ]);
    const first = await pool.acquire();
    const second = await pool.acquire();
    const third = await pool.acquire();
    expect([first.target, second.target, third.target].sort()).toEqual(['a', 'a', 'b']);
    let got: string | undefined;
    const waiting = pool.acquire().then((r) => {
      got = r.target;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect(got).toBeUndefined();
    pool.release(third);
    await waiting;
    expect(got).toBe(third.target);
  });
});
