/**
 * Concurrency of one endpoint, adapted as TCP adapts its window (AIMD): a rate limit (HTTP 429)
 * halves it, and every `limit` successes since then add one back, up to the declared maximum.
 * Written here because the queues on npm (p-limit, p-queue) have a settable limit but neither this
 * rule nor the choice between replicas.
 */
export class AdaptiveLimit {
  limit: number;
  inflight = 0;
  private successes = 0;

  constructor(readonly max: number) {
    this.limit = max;
  }

  get free(): boolean {
    return this.inflight < Math.floor(this.limit);
  }

  rateLimited(): void {
    this.limit = Math.max(1, Math.floor(this.limit / 2));
    this.successes = 0;
  }

  succeeded(): void {
    if (this.limit >= this.max) return;
    if (++this.successes >= this.limit) {
      this.limit += 1;
      this.successes = 0;
    }
  }
}

/** Replicas of one model: a request goes to the one with the fewest outstanding among those with room. */
export class ReplicaPool<T> {
  private readonly waiting: (() => void)[] = [];

  constructor(readonly replicas: { target: T; limit: AdaptiveLimit }[]) {}

  /** Waits for room on some replica and takes it. */
  async acquire(signal?: AbortSignal): Promise<{ target: T; limit: AdaptiveLimit }> {
    for (;;) {
      let best: { target: T; limit: AdaptiveLimit } | undefined;
      for (const r of this.replicas) if (r.limit.free && (!best || r.limit.inflight < best.limit.inflight)) best = r;
      if (best) {
        best.limit.inflight++;
        return best;
      }
      if (signal?.aborted) throw new Error('aborted');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  release(r: { limit: AdaptiveLimit }): void {
    r.limit.inflight--;
    this.wake();
  }

  /** Lets every waiter look again (after a release or a change of limits). */
  wake(): void {
    for (const w of this.waiting.splice(0)) w();
  }
}

/** Milliseconds to wait before attempt `attempt` (1-based retry): exponential with full jitter, capped. */
export function backoffMs(attempt: number, baseMs = 500, capMs = 30_000, random = Math.random): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** (attempt - 1)));
}

/** `retry-after-ms` (milliseconds), else `retry-after` (seconds or an HTTP date), as milliseconds. */
export function retryAfterMs(headers: { get(name: string): string | null } | undefined, now = Date.now()): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  if (Number.isFinite(Number(after))) return Math.max(0, Number(after) * 1000);
  const at = Date.parse(after);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
