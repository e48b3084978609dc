/**
 * A hook sandbox: the process that hook-runtime.ts starts to run Python hooks in Pyodide. It reads
 * requests as JSON lines on stdin and answers on fd 3; hooks see their arguments and nothing else.
 *
 * It is started with an empty environment, under Node's permission model (read access to Pyodide's
 * files and its own four files only) and with code generation from strings disallowed, and checks
 * that before anything else. Then it disables the network primitives, hides the JavaScript globals
 * Pyodide does not need, gives Pyodide an empty object as its `js` module, and runs the Python guard
 * (sandbox.py.ts). A call that runs past its time limit is interrupted from inside the interpreter:
 * its interrupt "buffer" is an object whose first element says SIGINT once the deadline has passed,
 * which needs no second thread (a sandbox may start none).
 */
import { constants as fsConstants, writeSync } from 'node:fs';
import process from 'node:process';
import type { PyodideInterface } from 'pyodide';
import { decode, encode } from './codec.js';
import { refuseNetwork } from './no-network.js';
import { SANDBOX_PY } from './sandbox.py.js';

const REPLIES = 3;
const send = (m: object) => {
  const line = Buffer.from(`${encode(m)}\n`);
  for (let at = 0; at < line.length; ) at += writeSync(REPLIES, line, at);
};

/** Refuses to run at all when the process around it is not the sandbox hook-runtime.ts asks for. */
function checkSandbox(): void {
  const permission = (process as { permission?: { has(scope: string, ref?: string): boolean } }).permission;
  const problems: string[] = [];
  if (!permission) problems.push("Node's permission model is off");
  else
    for (const [scope, ref] of [['fs.write'], ['fs.read', '/'], ['child'], ['worker']] as [string, string?][])
      if (permission.has(scope, ref)) problems.push(`${scope}${ref ? ` ${ref}` : ''} is allowed`);
  if (Object.keys(process.env).length > 0) problems.push('the environment is not empty');
  if (problems.length > 0) {
    send({ fatal: `the hook sandbox refused to start: ${problems.join('; ')}` });
    process.exit(3);
  }
}

checkSandbox();
refuseNetwork();
// Emscripten's NODEFS asks process.binding (refused under the permission model) for open's flags
(process as unknown as { binding: (name: string) => unknown }).binding = (name: string) => {
  if (name === 'constants') return { fs: fsConstants };
  throw Object.assign(new Error(`process.binding(${name}) is refused in qexp hooks`), { code: 'ERR_ACCESS_DENIED' });
};

const pythonGuard = !process.argv.includes('--no-python-guard');
let deadline = Number.POSITIVE_INFINITY;
const interrupt = {
  get 0() {
    return performance.now() > deadline ? 2 : 0; // 2: SIGINT, raised in Python as KeyboardInterrupt
  },
  set 0(_: number) {},
};

type Hook = ((...a: unknown[]) => unknown) & { destroy(): void };

/** Loads Pyodide with no JS globals and no I/O, runs the guard, and hides what is left of the process. */
async function start() {
  const { loadPyodide } = await import('pyodide');
  const py: PyodideInterface = await loadPyodide({
    jsglobals: {},
    env: {},
    stdin: () => null as unknown as string, // end of file
    stdout: () => {},
    stderr: () => {},
  });
  py.setInterruptBuffer(interrupt as unknown as Int32Array);
  // Pyodide's host file system turns every Node error into an errno; a refusal keeps its reason
  const nodefs = (py as unknown as { _module: { NODEFS: { tryFSOperation<T>(f: () => T): T } } })._module.NODEFS;
  const tryFSOperation = nodefs.tryFSOperation.bind(nodefs);
  nodefs.tryFSOperation = <T>(f: () => T): T =>
    tryFSOperation(() => {
      try {
        return f();
      } catch (err) {
        if ((err as { code?: string })?.code === 'ERR_ACCESS_DENIED') throw new Error(describe(err));
        throw err;
      }
    });
  const helpers = py
    .runPython(
      `
import linecache
_hooks = {}
def _define(name, source, fn):
    filename = f'<hook {name}>'
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    ns = {'__name__': 'hook_' + name}
    exec(compile(source, filename, 'exec'), ns)
    if fn not in ns or not callable(ns[fn]):
        raise NameError(f"the hook's source defines no function {fn}")
    _hooks[name] = ns[fn]
def _hook(name):
    return _hooks[name]
(_define, _hook)
`,
      { globals: py.toPy({}) },
    )
    .toJs({ depth: 1 }) as [(name: string, source: string, fn: string) => void, (name: string) => Hook];
  if (pythonGuard) py.runPython(SANDBOX_PY, { globals: py.toPy({}) });
  // nothing a hook could reach from here on may lead back to the process
  delete (globalThis as Record<string, unknown>).process;
  delete (globalThis as Record<string, unknown>).require;
  return { py, define: helpers[0], hookOf: helpers[1] };
}

const { py, define, hookOf } = await start().catch((err: unknown) => {
  send({ fatal: `the hook sandbox could not start: ${describe(err)}` });
  return process.exit(2);
});

type Request =
  | { op: 'define'; name: string; source: string; fn: string; timeoutMs: number }
  | { op: 'call'; name: string; calls: unknown[][]; timeoutMs: number };

/** What went wrong, with the permission and resource when a layer of the sandbox refused it. */
function describe(err: unknown): string {
  const e = err as Error & { permission?: string; resource?: string };
  const message = e?.message ?? String(err);
  if (e?.permission) return `${message} (refused by Node's permission model: ${e.permission}${e.resource ? ` ${e.resource}` : ''})`;
  return message;
}

function fail(err: unknown, call?: number): void {
  const e = err as Error & { pyodide_fatal_error?: boolean; type?: string };
  if (Number.isFinite(deadline) && performance.now() > deadline && e?.type === 'KeyboardInterrupt') {
    send({ ok: false, kind: 'timeout', call });
    return;
  }
  if (e?.pyodide_fatal_error) {
    send({ ok: false, kind: 'fatal', call, error: describe(e) });
    process.exit(1);
  }
  send({ ok: false, kind: 'raised', call, error: describe(e) });
}

/** Whether a converted result is plain JSON (what a hook may return), NaN and infinities included. */
function plain(v: unknown): boolean {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return true;
  if (Array.isArray(v)) return v.every(plain);
  return typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype && Object.values(v as object).every(plain);
}

function toJs(r: unknown): unknown {
  if (r === undefined) return null;
  if (typeof r === 'bigint') return Number(r);
  if (r === null || typeof r !== 'object' || !('toJs' in r)) return r;
  const proxy = r as { toJs(o: object): unknown; destroy(): void; type: string };
  const type = proxy.type;
  try {
    const v = proxy.toJs({ dict_converter: Object.fromEntries, create_pyproxies: false });
    if (plain(v)) return v;
  } catch {
    // not convertible: said below
  } finally {
    proxy.destroy();
  }
  throw new Error(`returned a Python ${type}, which cannot be passed back: return a str, number, bool, None, list or dict`);
}

function handle(m: Request): void {
  if (m.op === 'define') {
    deadline = performance.now() + m.timeoutMs;
    try {
      define(m.name, m.source, m.fn);
      send({ ok: true });
    } catch (err) {
      fail(err);
    } finally {
      deadline = Number.POSITIVE_INFINITY;
    }
    return;
  }
  const fn = hookOf(m.name);
  const results: unknown[] = [];
  // the runtime's watchdog learns when a call began from the last tick; one tick per 10 ms at most
  let ticked = Number.NEGATIVE_INFINITY;
  try {
    for (let i = 0; i < m.calls.length; i++) {
      const now = performance.now();
      if (now - ticked >= 10) {
        send({ tick: i });
        ticked = now;
      }
      const args = (m.calls[i] as unknown[]).map((a) => (a !== null && typeof a === 'object' ? py.toPy(a) : a));
      deadline = now + m.timeoutMs;
      let r: unknown;
      try {
        r = fn(...args);
      } catch (err) {
        fail(err, i);
        return;
      } finally {
        deadline = Number.POSITIVE_INFINITY;
        for (const a of args) (a as { destroy?: () => void })?.destroy?.();
      }
      try {
        results.push(toJs(r));
      } catch (err) {
        send({ ok: false, kind: 'result', call: i, error: (err as Error).message });
        return;
      }
    }
    send({ ok: true, results });
  } finally {
    fn.destroy();
  }
}

let pieces: string[] = [];
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  for (let nl = chunk.indexOf('\n'); nl >= 0; nl = chunk.indexOf('\n')) {
    pieces.push(chunk.slice(0, nl));
    const line = pieces.join('');
    pieces = [];
    chunk = chunk.slice(nl + 1);
    if (line.trim()) handle(decode(line) as Request);
  }
  pieces.push(chunk);
});
process.stdin.on('end', () => process.exit(0));
send({ ready: true });
