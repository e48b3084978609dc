import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Runtime from '../../src/hooks/hook-runtime.js';
import { Workspace } from '../helpers/workspace.js';

// the runtime starts its sandboxes from the compiled files (npm test builds first)
const DIST = resolve(import.meta.dirname, '../../dist/hooks');
const { hooks, HookSandbox, namespaceCommand } = (await import(`${DIST}/hook-runtime.js`)) as typeof Runtime;

// a key in qexp's own environment, which no hook may read
const SECRET = `sk-qexp-hook-test-${randomUUID()}`;
process.env.QEXP_HOOK_TEST_SECRET = SECRET;

const hook = (name: string, python: string, fn = 'f', timeoutMs = 60_000): Runtime.HookSpec => ({
  name,
  source: python,
  function: fn,
  timeoutMs,
  where: 'exp.yaml:9:3',
});

describe('Python hooks in Pyodide', () => {
  it('calls a function on each argument list, dicts as dicts', async () => {
    expect(
      await hooks().call(hook('up', 'def f(text, query):\n    return text.upper() + "|" + query'), [
        ['ab', 'q1'],
        ['c', 'q2'],
      ]),
    ).toEqual(['AB|q1', 'C|q2']);
    expect(
      await hooks().call(hook('keep', 'def keep(p):\n    return p["delta"] > 0.1 and p["chosen"]["pool"] == "a"', 'keep'), [
        [{ delta: 0.2, chosen: { pool: 'a' } }],
        [{ delta: 0.2, chosen: { pool: 'b' } }],
      ]),
    ).toEqual([true, false]);
  });

  it('gives each batch a fresh interpreter: no state from an earlier stage', async () => {
    const counter = hook(
      'count',
      'import builtins\nn = 0\ndef f(x):\n    global n\n    n += 1\n    builtins.seen = getattr(builtins, "seen", 0) + 1\n    return [n, builtins.seen]',
    );
    expect(await hooks().call(counter, [[0], [0]])).toEqual([
      [1, 1],
      [2, 2],
    ]);
    expect(await hooks().call(counter, [[0]])).toEqual([[1, 1]]);
  });

  it('stops a call that runs past its time limit, in Python, in C or swallowing the interrupt, and works again after', async () => {
    const limit = 'ran past its time limit of 300 ms and was stopped';
    // every hook given a short limit here runs forever, so that a slow machine cannot change the outcome;
    // hooks that must finish are defined with a generous one
    await expect(hooks().call(hook('spin', 'while True:\n    pass\ndef f(x):\n    return x', 'f', 300), [[1]])).rejects.toThrow(
      `hook spin (exp.yaml:9:3) ${limit}`,
    );
    expect(await hooks().call(hook('ok', 'def f(x):\n    return x * 2'), [[21]])).toEqual([42]);
    const box = new HookSandbox();
    try {
      const toplevel = hook('toplevel', 'while True:\n    pass\ndef f(x):\n    return x', 'f', 300);
      await expect(box.define(toplevel)).rejects.toThrow(`hook toplevel (exp.yaml:9:3) ${limit}`);
      expect(box.alive).toBe(true); // interrupted in Python: the sandbox goes on
      const spin = hook('spin', 'def f(x):\n    while True:\n        x += 1', 'f', 300);
      await box.define({ ...spin, timeoutMs: 60_000 });
      await expect(box.call(spin, [[1]])).rejects.toThrow(`hook spin (exp.yaml:9:3) ${limit}`);
      expect(box.alive).toBe(true);
      const stubborn = hook(
        'stubborn',
        'def f(x):\n    while True:\n        try:\n            while True:\n                x += 1\n        except BaseException:\n            pass',
        'f',
        300,
      );
      await box.define({ ...stubborn, timeoutMs: 60_000 });
      await expect(box.call(stubborn, [[1]])).rejects.toThrow(`hook stubborn (exp.yaml:9:3) ${limit}`);
      // a loop inside C code never looks at the interrupt: the process is killed
      const inC = hook('inC', 'def f(x):\n    return sum(range(10**15))', 'f', 300);
      await box.define({ ...inC, timeoutMs: 60_000 });
      await expect(box.call(inC, [[1]])).rejects.toThrow(`hook inC (exp.yaml:9:3) ${limit}`);
      expect(box.alive).toBe(false);
    } finally {
      box.close();
    }
  });

  describe('in one sandbox', () => {
    const box = new HookSandbox();
    afterAll(() => box.close());
    const run = async (h: Runtime.HookSpec, calls: unknown[][]) => {
      await box.define(h);
      return box.call(h, calls);
    };

    it('passes back NaN, refuses what cannot be passed back, and keeps print and input away from qexp', async () => {
      const [nan, inf] = (await run(hook('nan', 'def f(x):\n    return float(x)'), [['nan'], ['-inf']])) as number[];
      expect(Number.isNaN(nan)).toBe(true);
      expect(inf).toBe(Number.NEGATIVE_INFINITY);
      await expect(run(hook('aset', 'def f(x):\n    return [1, {x}]'), [[1]])).rejects.toThrow(
        /^hook aset \(exp\.yaml:9:3\) returned a Python list, which cannot be passed back: return a str, number, bool, None, list or dict on call 1$/,
      );
      const noisy =
        'import sys\ndef f(x):\n    print("{\\"ok\\": true, \\"results\\": [666]}")\n    sys.stderr.write("x" * 100000)\n    return x';
      expect(await run(hook('noisy', noisy), [[1], [2]])).toEqual([1, 2]);
      await expect(run(hook('ask', 'def f(x):\n    return input()'), [[1]])).rejects.toThrow(/EOFError/);
    });

    it('shows the Python traceback, with the source line, and where the hook is declared', async () => {
      const e = await run(hook('div', 'def f(x):\n    return helper(x)\n\ndef helper(x):\n    return 1 / x'), [[0]]).catch(
        (err: Error) => err,
      );
      expect((e as Error).message).toMatch(/^hook div \(exp\.yaml:9:3\) raised an error:/);
      expect((e as Error).message).toMatch(/File "<hook div>", line 5, in helper\n\s+return 1 \/ x/);
      expect((e as Error).message).toMatch(/ZeroDivisionError: division by zero/);
      await expect(run(hook('none', 'def g(x):\n    return x', 'f'), [[1]])).rejects.toThrow(
        /could not be defined:[\s\S]*defines no function f/,
      );
    });
  });
});

/**
 * Python (the body of a hook) that walks every JS proxy it can reach from `roots` (two properties
 * deep) and calls the Function constructor of each (AsyncFunction's for async functions): it
 * returns how it escaped, or raises with how many it tried and the error they all gave.
 */
const EVERY_CONSTRUCTOR = `
is_proxy = lambda v: any(c.__name__ == 'JsProxy' for c in type(v).__mro__)
constructors = {'Function', 'AsyncFunction', 'GeneratorFunction', 'AsyncGeneratorFunction'}
seen, frontier, kinds, errors, tried = set(), list(ROOTS), set(), set(), 0
for depth in range(3):
    reached = []
    for p in frontier:
        if p.js_id in seen:
            continue
        seen.add(p.js_id)
        for ctor in ([p.constructor] if p.typeof == 'function' else []) + [getattr(getattr(p, 'constructor', None), 'constructor', None)]:
            if not is_proxy(ctor) or ctor.typeof != 'function' or str(ctor.name) not in constructors:
                continue
            tried += 1
            kinds.add(str(ctor.name))
            try:
                ctor('return process')
                return 'escaped through the constructor of ' + str(p)[:60]
            except Exception as e:
                errors.add(str(e).split(chr(10))[0])
        if depth < 2 and 'Array' not in str(getattr(getattr(p, 'constructor', None), 'name', '')):
            for k in list(p.object_keys())[:300]:
                try:
                    v = getattr(p, k)
                except Exception:
                    continue
                if is_proxy(v) and v.typeof in ('object', 'function'):
                    reached.append(v)
    frontier = reached
raise RuntimeError(f"{tried} constructors of {len(seen)} JS objects ({', '.join(sorted(kinds))}) all refused: {' / '.join(sorted(errors))}")
`;

describe('the hook sandbox', () => {
  const ws = new Workspace();
  const secretFile = ws.write('secret.txt', `${SECRET}\n`);
  const marker = ws.path('written-by-a-hook');
  const arrived: string[] = [];
  const server = createServer((req, res) => {
    arrived.push(`${req.method} ${req.url}`);
    res.end(SECRET);
  });
  server.on('connection', () => arrived.push('connection'));
  let url = '';
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    port = (server.address() as AddressInfo).port;
    url = `http://127.0.0.1:${port}/`;
  });
  afterAll(() => {
    server.close();
    ws.remove();
  });

  /** A route: what a hook tries (the body of `f()`), and the error it must end with (or the value it must return). */
  type Route = [label: string, python: string, expected: RegExp | string];

  /** Runs each route as a hook in sandboxes made with opts (a new one after a route that ended its sandbox). */
  async function attempt(routes: Route[], opts: Runtime.SandboxOptions): Promise<string[]> {
    const wrong: string[] = [];
    let box: Runtime.HookSandbox | undefined;
    for (const [i, [label, python, expected]] of routes.entries()) {
      box ??= new HookSandbox(opts);
      const body = python
        .replaceAll('SECRET_FILE', JSON.stringify(secretFile))
        .replaceAll('MARKER', JSON.stringify(marker))
        .replaceAll('PORT', String(port))
        .replaceAll('URL', JSON.stringify(url));
      const h = hook(`route${i}`, `def f():\n${body.replace(/^/gm, '    ')}\n`);
      let outcome: string;
      let failed = true;
      try {
        await box.define(h);
        outcome = JSON.stringify((await box.call(h, [[]]))[0]);
        failed = false;
      } catch (err) {
        outcome = (err as Error).message;
      }
      if (!box.alive) box = undefined;
      const ok = typeof expected === 'string' ? !failed && outcome === JSON.stringify(expected) : failed && expected.test(outcome);
      if (!ok || outcome.includes(SECRET)) wrong.push(`${label}: ${failed ? '' : 'returned '}${outcome}`);
    }
    box?.close();
    return wrong;
  }

  /** Nothing a hook tried reached the host: no file written, no request, and the listener does work. */
  async function nothingEscaped(): Promise<void> {
    expect(existsSync(marker)).toBe(false);
    expect(arrived).toEqual([]);
    expect(await (await fetch(`${url}control`)).text()).toBe(SECRET);
    expect(arrived).toContain('GET /control');
    arrived.length = 0;
  }

  it('refuses every known escape route, and names what it refused', async () => {
    const routes: Route[] = [
      ['import js', 'import js\nreturn str(js.process.env)', /cannot import js:/],
      ['import pyodide_js', 'import pyodide_js\nreturn str(pyodide_js)', /cannot import pyodide_js:/],
      ['import _pyodide', 'import _pyodide\nreturn 1', /cannot import _pyodide:/],
      ['import _pyodide_core', 'import _pyodide_core\nreturn 1', /cannot import _pyodide_core:/],
      ['pyodide.ffi', 'from pyodide.ffi import to_js\nreturn str(to_js({}))', /cannot import pyodide\.ffi:/],
      ['pyodide.code.run_js', 'from pyodide.code import run_js\nreturn run_js("process.env")', /cannot import pyodide\.code:/],
      ['pyodide.http.pyfetch', 'from pyodide.http import pyfetch\nreturn str(pyfetch(URL))', /cannot import pyodide\.http:/],
      ['micropip', 'import micropip\nreturn 1', /cannot import micropip:/],
      [
        "sys.modules['_pyodide._importhook']",
        "import sys\nreturn str(sys.modules['_pyodide._importhook'].JsFinder)",
        /KeyError: '_pyodide\._importhook'/,
      ],
      ["sys.modules['js']", "import sys\nreturn str(sys.modules['js'].process)", /KeyError: 'js'/],
      ["sys.modules['pyodide.ffi']", "import sys\nreturn str(sys.modules['pyodide.ffi'].to_js({}))", /KeyError: 'pyodide\.ffi'/],
      ['importlib.import_module', "import importlib\nreturn str(importlib.import_module('pyodide_js'))", /cannot import pyodide_js:/],
      ['importlib.util.find_spec', "import importlib.util\nreturn str(importlib.util.find_spec('js'))", /cannot import js:/],
      ['__import__', "return str(__import__('js'))", /cannot import js:/],
      [
        'the import machinery: _builtin_from_name',
        "import importlib._bootstrap as b\nreturn str(b._builtin_from_name('_pyodide_core'))",
        /cannot import _pyodide_core:/,
      ],
      [
        'the import machinery: _imp.create_builtin',
        "import _imp, importlib.machinery as m\nreturn str(_imp.create_builtin(m.ModuleSpec('_pyodide_core', None)))",
        /cannot import _pyodide_core:/,
      ],
      [
        "Pyodide's JsFinder, found by introspection",
        "import gc\nf = [o for o in gc.get_objects() if type(o).__name__ == 'JsFinder'][0]\nreturn str(f.jsproxies['pyodide_js'])",
        /KeyError: 'pyodide_js'/,
      ],
      [
        'sys.meta_path emptied and the import function reset',
        'import sys, builtins, importlib\nsaved, imp = list(sys.meta_path), builtins.__import__\ntry:\n    sys.meta_path.clear()\n    builtins.__import__ = importlib.__import__\n    import js\n    return str(js.process)\nfinally:\n    sys.meta_path[:] = saved\n    builtins.__import__ = imp',
        /No module named 'js'/,
      ],
      [
        "sys.meta_path without qexp's finder, and the import function reset",
        "import sys, builtins, importlib\nsaved, imp = list(sys.meta_path), builtins.__import__\ntry:\n    sys.meta_path[:] = [f for f in saved if type(f).__name__ != '_Refuse']\n    builtins.__import__ = importlib.__import__\n    import _pyodide_core\n    return str(_pyodide_core.to_js({}))\nfinally:\n    sys.meta_path[:] = saved\n    builtins.__import__ = imp",
        /cannot import _pyodide_core:/,
      ],
      [
        'every JS proxy found by introspection, and their Function constructors',
        EVERY_CONSTRUCTOR.replace(
          'ROOTS',
          "[v for o in __import__('gc').get_objects() if type(o).__name__ == 'module' for v in list(vars(o).values()) if is_proxy(v)] + [p for o in __import__('gc').get_objects() if type(o).__name__ == 'module' and o.__name__ == 'pyodide.ffi' for p in (o.to_js({}), o.to_js([1]))]",
        ),
        /RuntimeError: [1-9]\d* constructors of \d+ JS objects \(Function\) all refused: EvalError: Code generation from strings disallowed for this context\n?$/,
      ],
      [
        'a JS proxy found by introspection, and its Function constructor',
        "import gc\nffi = [o for o in gc.get_objects() if type(o).__name__ == 'module' and o.__name__ == 'pyodide.ffi'][0]\nreturn ffi.to_js({}).constructor.constructor('return process.env')()",
        /EvalError: Code generation from strings disallowed/,
      ],
      ['open', 'return open(SECRET_FILE).read()', /cannot open files \(open\)/],
      ['io.open', 'import io\nreturn io.open(SECRET_FILE).read()', /cannot open files \(io\.open\)/],
      ['io.FileIO', 'import io\nreturn io.FileIO(SECRET_FILE).read().decode()', /cannot open files \(io\.FileIO\)/],
      ['_io.FileIO', 'import _io\nreturn _io.FileIO(SECRET_FILE).read().decode()', /cannot open files \(_io\.FileIO\)/],
      ['pathlib', 'import pathlib\nreturn pathlib.Path(SECRET_FILE).read_text()', /cannot open files/],
      ['os.open', 'import os\nreturn os.read(os.open(SECRET_FILE, os.O_RDONLY), 100).decode()', /\(os\.open\)/],
      ['os.listdir', "import os\nreturn os.listdir('/')", /\(os\.listdir\)/],
      ['import posix', 'import posix\nreturn str(posix.environ)', /cannot import posix:/],
      // the import system keeps _io.open and posix.open: they see the sandbox's own files, not the host's
      ['_io.open', 'import _io\nreturn _io.open(SECRET_FILE).read()', /No such file or directory: '.*secret\.txt'/],
      [
        "posix.open, the import system's",
        'import importlib._bootstrap_external as b\nreturn b._os.read(b._os.open(SECRET_FILE, 0), 100).decode()',
        /No such file or directory: '.*secret\.txt'/,
      ],
      ['os.environ', "import os\nreturn os.environ['QEXP_HOOK_TEST_SECRET']", /cannot read or set environment variables \(os\.environ\)/],
      ['os.getenv', "import os\nreturn os.getenv('QEXP_HOOK_TEST_SECRET')", /\(os\.getenv\)/],
      ['posix.environ', 'import importlib._bootstrap_external as b\nreturn str(dict(b._os.environ))', /environment variables/],
      ['write with open', "open(MARKER, 'w').write('x')\nreturn 1", /cannot open files \(open\)/],
      [
        'write with posix.open',
        "import importlib._bootstrap_external as b\nfd = b._os.open(MARKER, b._os.O_CREAT | b._os.O_WRONLY)\nb._os.write(fd, b'x')\nreturn 1",
        /No such file or directory/,
      ],
      ['os.system', "import os\nreturn os.system('touch ' + MARKER)", /\(os\.system\)/],
      ['posix.system', "import importlib._bootstrap_external as b\nreturn b._os.system('touch ' + MARKER)", /\(posix\.system\)/],
      ['os.popen', "import os\nreturn os.popen('id').read()", /\(os\.popen\)/],
      ['os.execv', "import os\nreturn os.execv('/usr/bin/touch', ['touch', MARKER])", /\(os\.execv\)/],
      ['os.fork', 'import os\nreturn os.fork()', /\(os\.fork\)/],
      ['os.kill', 'import os\nreturn os.kill(1, 9)', /\(os\.kill\)/],
      ['subprocess', "import subprocess\nreturn subprocess.run(['touch', MARKER]).returncode", /cannot import subprocess:/],
      ['ctypes', 'import ctypes\nreturn 1', /cannot import ctypes:/],
      ['socket', "import socket\nreturn socket.create_connection(('127.0.0.1', PORT)).recv(100).decode()", /cannot import socket:/],
      ['_socket', "import importlib._bootstrap as b\nreturn str(b._builtin_from_name('_socket'))", /cannot import _socket:/],
      [
        'socket, found by introspection',
        "import gc\ns = [o for o in gc.get_objects() if type(o).__name__ == 'module' and o.__name__ == 'socket'][0]\nreturn s.create_connection(('127.0.0.1', PORT)).recv(100).decode()",
        /OSError: \[Errno \d+\] (Host|Network) is unreachable/,
      ],
      ['urllib.request', 'import urllib.request\nreturn urllib.request.urlopen(URL).read().decode()', /cannot import urllib\.request:/],
      [
        'http.client',
        "import http.client\nc = http.client.HTTPConnection('127.0.0.1', PORT)\nc.request('GET', '/')\nreturn 1",
        /cannot import http\.client:/,
      ],
      ['asyncio', 'import asyncio\nreturn str(asyncio.get_event_loop())', /cannot import asyncio:/],
    ];
    expect(await attempt(routes, {})).toEqual([]);
    await nothingEscaped();
  });

  it('holds without the Python guard: what a hook reaches through Pyodide, the process refuses', async () => {
    const routes: Route[] = [
      [
        'pyodide_js.loadPackage of a URL (network, asynchronously)',
        'import pyodide_js\npyodide_js.loadPackage(URL)\nreturn "asked"',
        'asked',
      ],
      ['js, an empty object', 'import js\nreturn str(js.process.env)', /AttributeError: process/],
      [
        "every JS proxy reached from sys.modules['_pyodide._importhook'] and _pyodide_core, and their Function constructors",
        EVERY_CONSTRUCTOR.replace(
          'ROOTS',
          "[p for f in __import__('sys').modules['_pyodide._importhook'].sys.meta_path if type(f).__name__ == 'JsFinder' for p in f.jsproxies.values()] + [__import__('_pyodide_core').to_js({})]",
        ),
        /RuntimeError: [1-9]\d\d+ constructors of \d+ JS objects \(AsyncFunction, Function\) all refused: EvalError: Code generation from strings disallowed for this context\n?$/,
      ],
      [
        "pyodide_js._module.FS.mount of Pyodide's host file system (NODEFS)",
        `import pyodide_js\nfrom pyodide.ffi import to_js\nm = pyodide_js._module\nm.FS.mkdir('/host')\nm.FS.mount(m.NODEFS, to_js({'root': ${JSON.stringify(ws.dir)}}, dict_converter=pyodide_js.constructor.fromEntries), '/host')\nreturn open('/host/secret.txt').read()`,
        /refused by Node's permission model: FileSystemRead .*/,
      ],
      [
        'io.FileIO of a host file (Pyodide has its own file system)',
        'import io\nreturn io.FileIO(SECRET_FILE).read().decode()',
        /FileNotFoundError/,
      ],
      ['_io.FileIO of a host file', 'import _io\nreturn _io.FileIO(SECRET_FILE).read().decode()', /FileNotFoundError/],
      ['posix.open of a host file', 'import posix\nreturn posix.read(posix.open(SECRET_FILE, 0), 100).decode()', /FileNotFoundError/],
      ['posix.fork', 'import posix\nreturn posix.fork()', /OSError: \[Errno 52\] Function not implemented/],
      ['posix.execv', "import posix\nreturn posix.execv('/usr/bin/touch', ['touch', MARKER])", /OSError: \[Errno 45\]/],
      [
        'run_sync on a JS promise (a file read)',
        'import pyodide_js\nfrom pyodide.ffi import run_sync\nreturn bytes(run_sync(pyodide_js._api.loadBinaryFile(SECRET_FILE)).to_py()).decode()',
        /stack switching not supported|refused by Node's permission model|Access to this API has been restricted/,
      ],
      ['js.fetch', 'import js\nreturn str(js.fetch(URL))', /AttributeError: fetch/],
      [
        "js's Function constructor",
        "import js\nreturn js.constructor.constructor('return process.env')()",
        /EvalError: Code generation from strings disallowed/,
      ],
      [
        "pyodide_js's Function constructor",
        "import pyodide_js\nreturn pyodide_js._module.HEAP8.constructor.constructor('return 1')()",
        /EvalError: Code generation from strings disallowed/,
      ],
      ['pyodide.code.run_js', "from pyodide.code import run_js\nreturn run_js('process.env.QEXP_HOOK_TEST_SECRET')", /EvalError|eval/],
      // Node's permission model: its existence check is refused, so Pyodide says it does not exist
      [
        'pyodide_js.mountNodeFS of the host',
        `import pyodide_js\npyodide_js.mountNodeFS('/host', ${JSON.stringify(ws.dir)})\nreturn open('/host/secret.txt').read()`,
        /hostPath '.*' does not exist/,
      ],
      ["os.environ (the sandbox has none of qexp's)", "import os\nreturn os.environ.get('QEXP_HOOK_TEST_SECRET', 'absent')", 'absent'],
      [
        'socket',
        "import socket\nreturn socket.create_connection(('127.0.0.1', PORT)).recv(100).decode()",
        /OSError: \[Errno \d+\] (Host|Network) is unreachable/,
      ],
      [
        'os.system',
        "import os\nreturn os.system('touch ' + MARKER)",
        /was stopped by the sandbox[\s\S]*refused by Node's permission model: ChildProcess/,
      ],
    ];
    expect(await attempt(routes, { pythonGuard: false, namespaces: false })).toEqual([]);
    await nothingEscaped();
  });

  it('refuses what a hook starts asynchronously, to finish after its call', async () => {
    // without the Python guard: promises started at definition, settled while the sandbox waits
    const box = new HookSandbox({ pythonGuard: false });
    try {
      const h = hook(
        'later',
        [
          'import pyodide_js',
          'settled = {}',
          'def note(what):',
          '    return (lambda v: settled.__setitem__(what, f"resolved {v}"), lambda e: settled.__setitem__(what, f"rejected {e}"))',
          `pyodide_js._api.loadBinaryFile(${JSON.stringify(secretFile)}).then(*note('read a host file'))`,
          `pyodide_js._api.loadBinaryFile(${JSON.stringify(url)}).then(*note('fetch'))`,
          `pyodide_js._module.asyncLoad(${JSON.stringify(secretFile)}).then(*note('asyncLoad'))`,
          `pyodide_js.loadPackage(${JSON.stringify(`${url}pkg.whl`)}).then(*note('loadPackage of a URL'))`,
          'def f():',
          '    return settled',
        ].join('\n'),
      );
      await box.define(h);
      let settled: Record<string, string> = {};
      // each call is a turn of the sandbox's event loop: poll until all four have settled
      for (const until = Date.now() + 120_000; Object.keys(settled).length < 4 && Date.now() < until; ) {
        settled = (await box.call(h, [[]]))[0] as Record<string, string>;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(settled).toEqual({
        'read a host file': expect.stringMatching(/^rejected .*Access to this API has been restricted/),
        fetch: 'rejected ReferenceError: fetch is not defined',
        asyncLoad: expect.stringMatching(/^rejected .*Access to this API has been restricted/),
        // Pyodide reports a package it cannot load on its own console, which goes nowhere
        'loadPackage of a URL': expect.stringMatching(/^resolved/),
      });
      expect(JSON.stringify(settled)).not.toContain(SECRET);
    } finally {
      box.close();
    }
    await nothingEscaped();
  });

  it('refuses to start outside the sandbox it asks for', () => {
    const r = spawnSync(process.execPath, [join(DIST, 'hook-child.js')], {
      env: { QEXP_HOOK_TEST_SECRET: SECRET },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(r.status).toBe(3);
    expect(r.output[3]).toMatch(/the hook sandbox refused to start: Node's permission model is off; the environment is not empty/);
  });

  it("cuts the network in the process's own code, for Node without a network permission", async () => {
    const script = `
import { refuseNetwork } from ${JSON.stringify(`${DIST}/no-network.js`)};
import http from 'node:http';
import net from 'node:net';
import dgram from 'node:dgram';
import dns from 'node:dns/promises';
refuseNetwork();
const out = {};
const tryIt = async (name, fn) => { try { await fn(); out[name] = 'reached'; } catch (e) { out[name] = e.message; } };
await tryIt('net.connect', () => new Promise((ok, no) => net.connect(${port}, '127.0.0.1', ok).on('error', no)));
await tryIt('http.get', () => new Promise((ok, no) => http.get(${JSON.stringify(url)}, ok).on('error', no)));
await tryIt('fetch', () => fetch(${JSON.stringify(url)}));
await tryIt('net.createServer', () => new Promise((ok, no) => net.createServer().listen(0, ok).on('error', no)));
await tryIt('dgram', () => new Promise((ok, no) => dgram.createSocket('udp4').send('x', ${port}, '127.0.0.1', (e) => (e ? no(e) : ok()))));
await tryIt('dns.lookup', () => dns.lookup('localhost'));
await tryIt('dns.resolve', () => dns.resolve4('localhost'));
console.log(JSON.stringify(out));
`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 120_000 });
    expect(r.stderr).toBe('');
    const out = JSON.parse(r.stdout) as Record<string, string>;
    expect(Object.keys(out)).toHaveLength(7);
    for (const [name, message] of Object.entries(out))
      expect(message, name).toMatch(/^qexp hooks have no network \(.+ refused\)$|fetch is not defined/);
    await nothingEscaped();
  });

  it('puts the sandbox in namespaces with no network, where unshare can make them', async (ctx) => {
    const cmd = namespaceCommand();
    if (!cmd) ctx.skip(); // not Linux, no util-linux, or unprivileged user namespaces disabled
    const probe = `require('net').connect(${port}, '127.0.0.1', () => { console.log('connected'); process.exit(0); }).on('error', (e) => { console.log(e.code); process.exit(0); })`;
    const outside = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8', timeout: 120_000 });
    expect(outside.stdout.trim()).toBe('connected');
    const inside = spawnSync((cmd as string[])[0] as string, [...(cmd as string[]).slice(1), process.execPath, '-e', probe], {
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(inside.stdout.trim()).toBe('ENETUNREACH');
    arrived.length = 0; // the connection from outside
    const box = new HookSandbox({});
    try {
      await box.ready();
      expect(box.namespaces).toBe(true);
    } finally {
      box.close();
    }
  });
});

describe('a postprocess hook in a generate stage', () => {
  const ws = new Workspace();
  afterAll(() => ws.remove());
  it('rewrites every generation, and its edit re-runs the stage', async () => {
    ws.write('q.tsv', 'q1\tfirst query\nq2\tsecond query\n');
    ws.write('rec.tsv', 'q1\tThe   first answer\nq2\tThe second answer\n');
    const doc = () =>
      JSON.stringify({
        name: 'pp',
        datasets: { q: { queries: 'q.tsv' } },
        models: { rec: { provider: 'replay', file: 'rec.tsv' } },
        prompts: { zs: { messages: [{ role: 'user', content: '{{query}}' }] } },
        hooks: { tidy: { file: 'tidy.py', function: 'postprocess' } },
        stages: {
          data: { kind: 'dataset', dataset: 'q' },
          gen: { kind: 'generate', model: 'rec', prompt: 'zs', queries: 'data', postprocess_hook: 'tidy' },
        },
      });
    ws.write('tidy.py', 'def postprocess(text, query):\n    return text.lower() + " [" + query + "]"\n');
    ws.write('exp.yaml', doc());
    const r = await ws.qexp(['run', 'exp.yaml', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const dir = ws.path('results/artifacts');
    const file = readdirSync(dir)
      .map((d) => join(dir, d, 'generations.jsonl'))
      .find((f) => existsSync(f)) as string;
    expect(readFileSync(file, 'utf8')).toContain('"text":"the first answer [first query]"');
    const plan = await ws.qexp(['plan', 'exp.yaml']);
    expect(plan.stdout).toMatch(/^\s*done\s+gen\b/m);
    ws.write('tidy.py', 'def postprocess(text, query):\n    return text.upper()\n');
    const again = await ws.qexp(['plan', 'exp.yaml']);
    expect(again.stdout).toMatch(/^\s*stale\s+gen\b[^\n]*\n\s*- file tidy\.py changed/m);
    expect(again.stdout).toMatch(/^\s*done\s+data\b/m);
  });
});
