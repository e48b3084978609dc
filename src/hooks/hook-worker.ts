import { parentPort, workerData } from 'node:worker_threads';
import { loadPyodide, type PyodideInterface } from 'pyodide';
import { SANDBOX_PY } from './sandbox.py.js';

/**
 * The hooks' thread: one Pyodide interpreter, sandboxed (sandbox.py.ts). It defines hooks from
 * their source and calls them on batches of arguments. Before each call it writes the call's
 * number and start time to shared memory, so that the main thread can see a call run past its
 * time limit and interrupt it (Pyodide's interrupt buffer raises KeyboardInterrupt in Python).
 */
const { interrupt, clock } = workerData as { interrupt: SharedArrayBuffer; clock: SharedArrayBuffer };
const state = new Int32Array(clock);
const port = parentPort;
let py: PyodideInterface | undefined;

async function ready(): Promise<PyodideInterface> {
  if (py) return py;
  const p = await loadPyodide();
  p.setInterruptBuffer(new Int32Array(interrupt));
  p.runPython(SANDBOX_PY);
  py = p;
  return p;
}

type Msg =
  | { id: number; type: 'define'; name: string; source: string; fn: string }
  | { id: number; type: 'call'; name: string; calls: unknown[][] };

port?.on('message', async (m: Msg) => {
  try {
    const p = await ready();
    if (m.type === 'define') {
      p.globals.set('_src', m.source);
      p.globals.set('_name', m.name);
      p.globals.set('_fn', m.fn);
      p.runPython(`
_ns = {'__name__': 'hook_' + _name}
exec(compile(_src, '<hook ' + _name + '>', 'exec'), _ns)
if _fn not in _ns or not callable(_ns[_fn]):
    raise NameError(f"the hook's source defines no function {_fn}")
_hooks[_name] = _ns[_fn]
`);
      port.postMessage({ id: m.id, ok: true });
      return;
    }
    const fn = p.runPython(`_hooks[${JSON.stringify(m.name)}]`) as (...a: unknown[]) => unknown;
    const results: unknown[] = [];
    for (let i = 0; i < m.calls.length; i++) {
      Atomics.store(state, 1, Math.floor(performance.now()));
      Atomics.store(state, 0, i + 1);
      const args = (m.calls[i] as unknown[]).map((a) => (a !== null && typeof a === 'object' ? p.toPy(a) : a));
      let r = fn(...args);
      for (const a of args) (a as { destroy?: () => void })?.destroy?.();
      if (r !== null && typeof r === 'object' && 'toJs' in (r as object)) {
        const proxy = r as { toJs(o: object): unknown; destroy(): void };
        r = proxy.toJs({ dict_converter: Object.fromEntries });
        proxy.destroy();
      }
      results.push(r === undefined ? null : r);
    }
    Atomics.store(state, 0, 0);
    port.postMessage({ id: m.id, ok: true, results });
  } catch (err) {
    Atomics.store(state, 0, 0);
    port.postMessage({ id: m.id, ok: false, error: (err as Error).message ?? String(err) });
  }
});
