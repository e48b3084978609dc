/**
 * An async iterable fed by callbacks: `produce` emits items while it runs and the consumer reads
 * them as they come; an error `produce` throws reaches the consumer after the items emitted before
 * it. A consumer that stops early aborts `produce` (through the signal it gets) and waits for it
 * to end, so that nothing it started (a server, a subprocess) outlives the loop.
 */
export async function* streamOf<T>(
  signal: AbortSignal,
  produce: (emit: (item: T) => void, signal: AbortSignal) => Promise<void>,
): AsyncGenerator<T> {
  const stop = new AbortController();
  const onAbort = () => stop.abort();
  if (signal.aborted) stop.abort();
  else signal.addEventListener('abort', onAbort, { once: true });
  let queue: T[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let failure: { err: unknown } | undefined;
  const running = produce((item) => {
    queue.push(item);
    wake?.();
  }, stop.signal).then(
    () => {
      ended = true;
      wake?.();
    },
    (err: unknown) => {
      failure = { err };
      ended = true;
      wake?.();
    },
  );
  try {
    for (;;) {
      if (queue.length > 0) {
        const batch = queue;
        queue = [];
        for (const item of batch) yield item;
        continue;
      }
      if (ended) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
      wake = undefined;
    }
    if (failure) throw failure.err;
  } finally {
    stop.abort();
    signal.removeEventListener('abort', onAbort);
    await running;
  }
}
