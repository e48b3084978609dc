import { Worker } from 'node:worker_threads';

/** A Python hook as the experiment declares it, with where it is declared (for errors). */
export interface HookSpec {
  name: string;
  source: string;
  function: string;
  timeoutMs: number;
  /** `file:line:col` of its declaration. */
  where: string;
}

export class HookError extends Error {}

/**
 * The interpreter for Python hooks: one Pyodide, started on first use (once per qexp process,
 * and only if a stage uses a hook), in a thread of its own. A call that runs past its hook's
 * time limit is interrupted; if it does not stop (a loop in C code), the thread is ended and the
 * next use starts a fresh one.
 */
class HookRuntime {
  private worker: Worker | undefined;
  private readonly interrupt = new SharedArrayBuffer(4);
  private readonly clock = new SharedArrayBuffer(8);
  private readonly defined = new Map<string, string>();
  private next = 0;
  private readonly pending = new Map<number, { resolve: (m: Reply) => void; reject: (e: Error) => void }>();

  private start(): Worker {
    if (this.worker) return this.worker;
    const url = new URL('./hook-worker.js', import.meta.url);
    const w = new Worker(url, { workerData: { interrupt: this.interrupt, clock: this.clock } });
    w.on('message', (m: Reply & { id: number }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      p?.resolve(m);
    });
    w.on('error', (err) => this.fail(err));
    w.on('exit', () => this.fail(new Error('the hooks thread stopped')));
    // after the listeners (adding one refs the port again): the thread keeps qexp alive only while a call waits
    w.unref();
    this.worker = w;
    return w;
  }

  private fail(err: Error): void {
    this.worker = undefined;
    this.defined.clear();
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }

  private send(msg: object): Promise<Reply> {
    const w = this.start();
    const id = this.next++;
    if (this.pending.size === 0) w.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ ...msg, id });
    });
  }

  private async define(h: HookSpec): Promise<void> {
    if (this.defined.get(h.name) === h.source + h.function) return;
    const r = await this.send({ type: 'define', name: h.name, source: h.source, fn: h.function });
    if (!r.ok) throw new HookError(`hook ${h.name} (${h.where}) could not be defined:\n${r.error}`);
    this.defined.set(h.name, h.source + h.function);
  }

  /** Calls a hook on each argument list, in order; any failure or time-out is a HookError naming the hook and where it is declared. */
  async call(h: HookSpec, calls: unknown[][]): Promise<unknown[]> {
    if (calls.length === 0) return [];
    await this.define(h);
    const state = new Int32Array(this.clock);
    let timedOut = false;
    const watch = setInterval(
      () => {
        const current = Atomics.load(state, 0);
        if (current === 0) return;
        if (Math.floor(performance.now()) - Atomics.load(state, 1) > h.timeoutMs && !timedOut) {
          timedOut = true;
          Atomics.store(new Int32Array(this.interrupt), 0, 2); // SIGINT: KeyboardInterrupt in Python
          const w = this.worker;
          // a loop that never returns to the interpreter: end the thread
          setTimeout(() => {
            if (Atomics.load(state, 0) === current && this.worker === w) void w?.terminate();
          }, 2000).unref();
        }
      },
      Math.min(50, Math.max(5, h.timeoutMs / 4)),
    );
    watch.unref();
    try {
      const r = await this.send({ type: 'call', name: h.name, calls });
      if (timedOut) throw new HookError(`hook ${h.name} (${h.where}) ran past its time limit of ${h.timeoutMs} ms and was stopped`);
      if (!r.ok) throw new HookError(`hook ${h.name} (${h.where}) raised an error:\n${r.error}`);
      return r.results as unknown[];
    } catch (err) {
      if (timedOut) throw new HookError(`hook ${h.name} (${h.where}) ran past its time limit of ${h.timeoutMs} ms and was stopped`);
      throw err;
    } finally {
      clearInterval(watch);
      Atomics.store(new Int32Array(this.interrupt), 0, 0);
    }
  }
}

type Reply = { ok: true; results?: unknown[] } | { ok: false; error: string };

let runtime: HookRuntime | undefined;

/** The process's hook interpreter (created on first use). */
export function hooks(): HookRuntime {
  runtime ??= new HookRuntime();
  return runtime;
}
