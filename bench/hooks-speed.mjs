// Cost of Python hooks in their sandbox (src/hooks): a sandbox's start, the cost per call within a
// stage's batch (a string hook as generate's postprocess calls it, a dict hook as pairs' keep and
// score call it), and what a batch of one call costs a stage once its sandbox has started (the
// spare). The peer is the same functions called directly in a Pyodide loaded in this process,
// with no sandbox, converting arguments and results the same way. Each figure is the best of
// several rounds, so that a machine shared with other work disturbs it less; per call, the CPU
// time (qexp's and, on Linux, the sandbox's from /proc) is printed beside the wall time.
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadPyodide } from 'pyodide';
import { HookSandbox } from '../dist/hooks/hook-runtime.js';

const N = 20000;
const ROUNDS = 5;
const spec = (name, python, fn = 'f') => ({ name, source: python, function: fn, timeoutMs: 10000, where: 'bench' });
const postprocess = spec('pp', 'def f(text, query):\n    return text.lower() + " [" + query + "]"');
const keep = spec('keep', 'def f(p):\n    return p["delta"] > 0.1 and p["chosen"]["pool"] == "a"');
const texts = Array.from({ length: N }, (_, i) => [`The Expansion Number ${i} with some words`, `query ${i % 43}`]);
const pairs = Array.from({ length: N }, (_, i) => [
  { qid: `q${i % 43}`, query: 'a query', chosen: { pool: i % 2 ? 'a' : 'b', sample: 0, text: 'x y z', value: 0.5 }, delta: (i % 7) / 10 },
]);
const best = async (rounds, fn) => {
  let min = Number.POSITIVE_INFINITY;
  for (let i = 0; i < rounds; i++) min = Math.min(min, await fn());
  return min;
};

const startMs = await best(3, async () => {
  const t = performance.now();
  const box = new HookSandbox();
  await box.ready();
  const ms = performance.now() - t;
  box.close();
  return ms;
});

// without namespaces, the sandbox's pid is the node process's own (CPU time of a process, in µs)
const box = new HookSandbox({ namespaces: false });
await box.ready();
const sandboxPid = box.child.pid;
const cpuOf = (pid) => {
  const path = `/proc/${pid}/stat`;
  if (!existsSync(path)) return Number.NaN;
  const f = readFileSync(path, 'utf8').split(')').pop().trim().split(' ');
  return (Number(f[11]) + Number(f[12])) * 10_000; // utime + stime, in ticks of 10 ms
};
const ownCpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
const perCall = async (h, calls) => {
  await box.define(h);
  await box.call(h, calls.slice(0, 100));
  const c0 = cpuOf(sandboxPid) + ownCpu();
  const wall = await best(ROUNDS, async () => {
    const t = performance.now();
    await box.call(h, calls);
    return ((performance.now() - t) * 1000) / calls.length;
  });
  return { wall, cpu: (cpuOf(sandboxPid) + ownCpu() - c0) / (ROUNDS * calls.length) };
};
const ppUs = await perCall(postprocess, texts);
const keepUs = await perCall(keep, pairs);
box.close();

// a stage's batch of one call, its sandbox started (as the spare is): define, call, close
const batchMs = await best(ROUNDS, async () => {
  const b = new HookSandbox();
  await b.ready();
  const t = performance.now();
  await b.define(postprocess);
  await b.call(postprocess, [texts[0]]);
  b.close();
  return performance.now() - t;
});

// the peer: the same functions in an unsandboxed Pyodide in this process
const py = await loadPyodide();
const direct = async (source, calls) => {
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
  const c0 = ownCpu();
  const wall = await best(ROUNDS, async () => {
    const t = performance.now();
    run(calls);
    return ((performance.now() - t) * 1000) / calls.length;
  });
  return { wall, cpu: (ownCpu() - c0) / (ROUNDS * calls.length) };
};
const ppDirectUs = await direct(postprocess.source, texts);
const keepDirectUs = await direct(keep.source, pairs);

const f = (x) => x.toFixed(1);
const line = (what, a, b) =>
  `${what}, ${N} calls in one batch: ${f(a.wall)} µs/call (CPU ${f(a.cpu)} µs); unsandboxed Pyodide ${f(b.wall)} µs/call (CPU ${f(b.cpu)} µs); ×${(a.wall / b.wall).toFixed(2)} wall, ×${(a.cpu / b.cpu).toFixed(2)} CPU`;
console.log(`sandbox start (Pyodide loaded, guard run), best of 3: ${Math.round(startMs)} ms`);
console.log(line('postprocess(text, query)', ppUs, ppDirectUs));
console.log(line('keep(pair)', keepUs, keepDirectUs));
console.log(`a batch of one call in a started sandbox (define, call, close): ${f(batchMs)} ms`);
