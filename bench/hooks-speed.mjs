// Cost of Python hooks in their sandbox (src/hooks): a sandbox's start, the cost per call within a
// stage's batch (a string hook as generate's postprocess calls it, a dict hook as pairs' keep and
// score call it), and what one batch costs a stage, back to back and with the spare sandbox ready.
// The peer is the same functions called directly in a Pyodide loaded in this process, with no
// sandbox, converting arguments and results the same way.

import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadPyodide } from 'pyodide';
import { HookRuntime, HookSandbox } from '../dist/hooks/hook-runtime.js';

const N = 20000;
const spec = (name, python, fn = 'f') => ({ name, source: python, function: fn, timeoutMs: 10000, where: 'bench' });
const postprocess = spec('pp', 'def f(text, query):\n    return text.lower() + " [" + query + "]"');
const keep = spec('keep', 'def f(p):\n    return p["delta"] > 0.1 and p["chosen"]["pool"] == "a"');
const texts = Array.from({ length: N }, (_, i) => [`The Expansion Number ${i} with some words`, `query ${i % 43}`]);
const pairs = Array.from({ length: N }, (_, i) => [
  { qid: `q${i % 43}`, query: 'a query', chosen: { pool: i % 2 ? 'a' : 'b', sample: 0, text: 'x y z', value: 0.5 }, delta: (i % 7) / 10 },
]);

let t = performance.now();
const box = new HookSandbox();
await box.ready();
const startMs = performance.now() - t;

const perCall = async (h, calls) => {
  await box.define(h);
  await box.call(h, calls.slice(0, 100));
  const t0 = performance.now();
  await box.call(h, calls);
  return ((performance.now() - t0) * 1000) / calls.length;
};
const ppUs = await perCall(postprocess, texts);
const keepUs = await perCall(keep, pairs);
box.close();

// what a stage pays for one batch of one call: a fresh sandbox each time (the spare, when it is ready)
const runtime = new HookRuntime();
await runtime.call(postprocess, [texts[0]]);
const R = 5;
t = performance.now();
for (let i = 0; i < R; i++) await runtime.call(postprocess, [texts[i]]);
const backToBackMs = (performance.now() - t) / R;
let spareMs = 0;
for (let i = 0; i < R; i++) {
  await sleep(startMs * 2); // stages a while apart: the spare has loaded
  t = performance.now();
  await runtime.call(postprocess, [texts[i]]);
  spareMs += (performance.now() - t) / R;
}

// the peer: the same functions in an unsandboxed Pyodide in this process
const py = await loadPyodide();
const direct = (source, calls) => {
  const ns = py.globals.get('dict')();
  py.runPython(source, { globals: ns });
  const fn = ns.get('f');
  const run = (list) => {
    const out = [];
    for (const c of list) {
      const args = c.map((a) => (a !== null && typeof a === 'object' ? py.toPy(a) : a));
      let r = fn(...args);
      for (const a of args) a?.destroy?.();
      if (r !== null && typeof r === 'object' && 'toJs' in r) r = r.toJs({ dict_converter: Object.fromEntries });
      out.push(r);
    }
    return out;
  };
  run(calls.slice(0, 100));
  const t1 = performance.now();
  run(calls);
  return ((performance.now() - t1) * 1000) / calls.length;
};
const ppDirectUs = direct(postprocess.source, texts);
const keepDirectUs = direct(keep.source, pairs);

const f = (x) => x.toFixed(1);
console.log(`sandbox start (Pyodide loaded, guard run): ${Math.round(startMs)} ms`);
console.log(
  `postprocess(text, query), ${N} calls in one batch: ${f(ppUs)} µs/call; unsandboxed Pyodide ${f(ppDirectUs)} µs/call (×${(ppUs / ppDirectUs).toFixed(2)})`,
);
console.log(
  `keep(pair), ${N} calls in one batch: ${f(keepUs)} µs/call; unsandboxed Pyodide ${f(keepDirectUs)} µs/call (×${(keepUs / keepDirectUs).toFixed(2)})`,
);
console.log(
  `a batch of one call (a stage's fresh sandbox): ${Math.round(backToBackMs)} ms back to back, ${Math.round(spareMs)} ms with the spare ready`,
);
