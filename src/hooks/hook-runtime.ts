import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { decode, encode } from './codec.js';

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

/** Layers of the sandbox that tests may turn off, to show that the others hold on their own. */
export interface SandboxOptions {
  /** The Python guard (sandbox.py.ts); on unless false. */
  pythonGuard?: boolean;
  /** Linux user, network and PID namespaces where `unshare` can make them; on unless false. */
  namespaces?: boolean;
}

/**
 * How long a sandbox may take to start, and how long past a call's limit before it is killed;
 * generous, as a loaded machine may not run the sandbox for seconds.
 */
const START_MS = 120_000;
const GRACE_MS = 5000;

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'hook-child.js');

/** Node's flag for its permission model: `--permission` from Node 22.13, `--experimental-permission` before. */
function permissionFlag(): string {
  return process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
}

let unshare: string[] | null | undefined;
/**
 * The `unshare` command that puts a sandbox in new user, network and PID namespaces (no network
 * interface, not even loopback; no other process to signal), or null where that fails (not Linux,
 * no util-linux, unprivileged user namespaces disabled). Probed once per process.
 */
export function namespaceCommand(): string[] | null {
  if (unshare !== undefined) return unshare;
  unshare = null;
  if (process.platform !== 'linux') return unshare;
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/bin', '/bin'].filter(Boolean);
  const exe = dirs.map((d) => join(d, 'unshare')).find((p) => existsSync(p));
  if (!exe) return unshare;
  const cmd = [exe, '--user', '--map-root-user', '--net', '--pid', '--fork', '--kill-child'];
  const probe = spawnSync(cmd[0] as string, [...cmd.slice(1), process.execPath, '--version'], {
    env: {},
    stdio: 'ignore',
    timeout: 30_000,
  });
  if (probe.status === 0) unshare = cmd;
  return unshare;
}

type Reply =
  | { ok: true; results?: unknown[] }
  | { ok: false; kind: 'raised' | 'timeout' | 'fatal' | 'result'; call?: number; error?: string };

/**
 * One sandbox process (hook-child.ts) and the requests it answers, one at a time. A request's time
 * limit is kept by the sandbox itself (KeyboardInterrupt in Python); if no answer or progress comes
 * for the limit plus five seconds (a loop in C code, an interrupt swallowed), the process is killed.
 */
export class HookSandbox {
  /** Whether the sandbox runs in its own namespaces (no network at all). */
  readonly namespaces: boolean;
  private readonly child: ChildProcess;
  private readonly replies: Readable;
  private readonly started: Promise<void>;
  private waiting: { resolve(r: Reply): void; reject(e: Error): void } | undefined;
  private lastProgress = 0;
  private ended: Error | undefined;
  private stderr = '';
  private refs = 0;
  private notReady: (e: Error) => void = () => {};

  constructor(opts: SandboxOptions = {}) {
    const ns = opts.namespaces === false ? null : namespaceCommand();
    this.namespaces = ns !== null;
    const pyodide = dirname(fileURLToPath(import.meta.resolve('pyodide')));
    const node = [
      process.execPath,
      permissionFlag(),
      `--allow-fs-read=${pyodide}`,
      ...['hook-child.js', 'codec.js', 'no-network.js', 'sandbox.py.js'].map((f) => `--allow-fs-read=${join(here, f)}`),
      '--disallow-code-generation-from-strings',
      '--no-warnings',
      CHILD,
      ...(opts.pythonGuard === false ? ['--no-python-guard'] : []),
    ];
    const argv = [...(ns ?? []), ...node];
    this.child = spawn(argv[0] as string, argv.slice(1), { env: {}, stdio: ['pipe', 'ignore', 'pipe', 'pipe'] });
    this.replies = this.child.stdio[3] as Readable;
    let ready: () => void = () => {};
    this.started = new Promise<void>((resolve, reject) => {
      ready = resolve;
      this.notReady = reject;
    });
    this.started.catch(() => {}); // a spare that never starts is only reported when used
    let pieces: string[] = [];
    this.replies.setEncoding('utf8');
    this.replies.on('data', (chunk: string) => {
      for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n')) {
        pieces.push(chunk.slice(0, nl));
        const m = decode(pieces.join('')) as Reply & { ready?: true; tick?: number; fatal?: string };
        pieces = [];
        chunk = chunk.slice(nl + 1);
        this.lastProgress = performance.now();
        if (m.ready) ready();
        else if (m.fatal) this.end(new Error(m.fatal));
        else if (m.tick === undefined) {
          const w = this.waiting;
          this.waiting = undefined;
          w?.resolve(m);
        }
      }
      pieces.push(chunk);
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (s: string) => {
      this.stderr = (this.stderr + s).slice(-2000);
    });
    this.child.on('error', (err) => this.end(err));
    this.child.on('exit', (code, signal) => {
      const tail = this.stderr.trim();
      this.end(new Error(`the hook sandbox stopped (${signal ?? `exit code ${code}`})${tail ? `: ${tail}` : ''}`));
    });
    this.unref();
  }

  private end(err: Error): void {
    if (this.ended) return;
    this.ended = err;
    this.notReady(err);
    const w = this.waiting;
    this.waiting = undefined;
    w?.reject(err);
    this.child.kill('SIGKILL');
    this.refs = 1;
    this.unref();
  }

  // the process keeps qexp alive only while someone waits for it
  private ref(): void {
    if (this.refs++ > 0) return;
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stderr, this.replies]) (s as unknown as { ref?(): void })?.ref?.();
  }
  private unref(): void {
    if (this.refs > 0 && --this.refs > 0) return;
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stderr, this.replies]) (s as unknown as { unref?(): void })?.unref?.();
  }

  /** False once the process has ended (closed, killed, failed, or a hook broke Pyodide). */
  get alive(): boolean {
    return this.ended === undefined;
  }

  /** Resolves once the sandbox has started (Pyodide loaded, the guard run). */
  async ready(): Promise<void> {
    this.ref();
    const timer = setTimeout(() => this.end(new Error(`the hook sandbox did not start within ${START_MS / 1000} s`)), START_MS);
    try {
      await this.started;
    } finally {
      clearTimeout(timer);
      this.unref();
    }
  }

  private async request(h: HookSpec, msg: object): Promise<Reply> {
    try {
      await this.ready();
      if (this.ended) throw this.ended;
    } catch (err) {
      throw new HookError(`hook ${h.name} (${h.where}): ${(err as Error).message}`);
    }
    if (this.waiting) throw new Error('a hook sandbox answers one request at a time');
    this.ref();
    this.lastProgress = performance.now();
    let timedOut = false;
    const overdue = () => performance.now() - this.lastProgress > h.timeoutMs + 10 + GRACE_MS;
    const watch = setInterval(() => {
      // a check after pending input has been read, so that qexp's own stalls are not the hook's
      if (overdue())
        setImmediate(() => {
          if (!overdue() || !this.waiting) return;
          timedOut = true;
          this.end(new Error('killed past its time limit'));
        });
    }, 100);
    try {
      return await new Promise<Reply>((resolve, reject) => {
        this.waiting = { resolve, reject };
        (this.child.stdin as Writable).write(`${encode(msg)}\n`);
      });
    } catch (err) {
      if (timedOut) return { ok: false, kind: 'timeout' };
      throw new HookError(`hook ${h.name} (${h.where}): ${(err as Error).message}`);
    } finally {
      clearInterval(watch);
      this.unref();
    }
  }

  /** Defines a hook from its source; an error is a HookError naming the hook and where it is declared. */
  async define(h: HookSpec): Promise<void> {
    const r = await this.request(h, { op: 'define', name: h.name, source: h.source, fn: h.function, timeoutMs: h.timeoutMs });
    if (!r.ok) throw failure(h, r, 'could not be defined');
  }

  /** Calls a defined hook on each argument list, in order; any failure or time-out is a HookError. */
  async call(h: HookSpec, calls: unknown[][]): Promise<unknown[]> {
    const r = await this.request(h, { op: 'call', name: h.name, calls, timeoutMs: h.timeoutMs });
    if (!r.ok) throw failure(h, r, 'raised an error');
    return r.results as unknown[];
  }

  /** Ends the process. */
  close(): void {
    this.end(new Error('the hook sandbox was closed'));
  }
}

function failure(h: HookSpec, r: Extract<Reply, { ok: false }>, raised: string): HookError {
  const who = `hook ${h.name} (${h.where})`;
  const at = r.call !== undefined ? ` on call ${r.call + 1}` : '';
  if (r.kind === 'timeout') return new HookError(`${who} ran past its time limit of ${h.timeoutMs} ms and was stopped`);
  if (r.kind === 'fatal') return new HookError(`${who} was stopped by the sandbox${at}:\n${r.error}`);
  if (r.kind === 'result') return new HookError(`${who} ${r.error}${at}`);
  return new HookError(`${who} ${raised}:\n${r.error}`);
}

/**
 * Runs hooks, each batch (a stage's calls of one hook) in a sandbox process of its own, so that no
 * hook sees another's state and every stage starts from the same interpreter. A spare sandbox is
 * started while a batch runs, so that the next one does not wait for Pyodide to load.
 */
export class HookRuntime {
  private spare: HookSandbox | undefined;

  constructor(private readonly opts: SandboxOptions = {}) {}

  /** Calls a hook on each argument list, in order; any failure or time-out is a HookError naming the hook and where it is declared. */
  async call(h: HookSpec, calls: unknown[][]): Promise<unknown[]> {
    if (calls.length === 0) return [];
    const box = this.spare ?? new HookSandbox(this.opts);
    this.spare = undefined;
    try {
      await box.ready();
      this.spare ??= new HookSandbox(this.opts);
      await box.define(h);
      return await box.call(h, calls);
    } finally {
      box.close();
    }
  }
}

let runtime: HookRuntime | undefined;

/** The process's hook runtime (created on first use). */
export function hooks(): HookRuntime {
  runtime ??= new HookRuntime();
  return runtime;
}
