/**
 * Python run once in a hook sandbox before any hook (hook-child.ts). It is the first and friendliest
 * of the sandbox's layers, not its boundary: Python introspection can get past any guard inside the
 * interpreter, so the process around it holds without it (README, Python hooks). What it does is
 * refuse the known routes by name: the bridges to JavaScript (Pyodide's own modules, its import hook
 * and the JS proxies it keeps), network and process modules, files, and the environment.
 */
export const SANDBOX_PY = `
import builtins, io, _imp, _io, os, posix, sys

_WHY = "a hook has no network, no files, no environment and no access to JavaScript or the host process; it gets everything it needs as arguments"
_ROOTS = {'js', 'pyodide_js', 'pyodide', '_pyodide', '_pyodide_core', 'micropip', 'pyodide_http', 'socket', '_socket',
          'select', 'selectors', 'ssl', '_ssl', 'ctypes', '_ctypes', 'subprocess', '_posixsubprocess', 'multiprocessing',
          '_multiprocessing', 'posix', 'pty', 'fcntl', 'termios', 'mmap', 'resource', 'asyncio', 'ftplib', 'smtplib',
          'poplib', 'imaplib', 'telnetlib', 'webbrowser'}
_NAMES = {'urllib.request', 'http.client', 'http.server', 'http.cookiejar', 'xmlrpc.client', 'xmlrpc.server'}

def _refused(name):
    return name.split('.')[0] in _ROOTS or any(name == n or name.startswith(n + '.') for n in _NAMES)

class _SandboxError(ImportError):
    pass

def _refuse_import(name):
    raise _SandboxError(f"qexp hooks cannot import {name}: {_WHY}")

_real_import = builtins.__import__

def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and _refused(name):
        _refuse_import(name)
    return _real_import(name, globals, locals, fromlist, level)

class _Refuse:
    def find_spec(self, name, path=None, target=None):
        if _refused(name):
            _refuse_import(name)
        return None

# Pyodide's finder of JavaScript modules holds the proxies of the JS global object and of Pyodide's API
for _f in list(sys.meta_path):
    if type(_f).__name__ == 'JsFinder':
        getattr(_f, 'jsproxies', {}).clear()
        sys.meta_path.remove(_f)
builtins.__import__ = _guarded_import
sys.meta_path.insert(0, _Refuse())
# every builtin module is made by _imp.create_builtin, however it is asked for
_create_builtin = _imp.create_builtin
def _guarded_create_builtin(spec):
    if _refused(spec.name):
        _refuse_import(spec.name)
    return _create_builtin(spec)
_imp.create_builtin = _guarded_create_builtin
# out of sys.modules, so that every way to import them meets the finder above
for _m in list(sys.modules):
    if _refused(_m):
        del sys.modules[_m]
sys.modules['__main__'].__dict__.pop('_pyodide_core', None)

def _no(what, message):
    def refuse(*args, **kwargs):
        raise PermissionError(f"qexp hooks cannot {message} ({what}): {_WHY}")
    refuse.__name__ = what
    return refuse

builtins.open = _no('open', 'open files')
io.open = _no('io.open', 'open files')
io.FileIO = _no('io.FileIO', 'open files')
io.open_code = _no('io.open_code', 'open files')
# _io keeps open and open_code, which the import system reads the standard library with
_io.FileIO = _no('_io.FileIO', 'open files')

# every function of os that comes from posix, and os's own wrappers, except pure ones
_PURE = {'fspath', 'fsencode', 'fsdecode', 'strerror', 'urandom', 'cpu_count', 'WIFEXITED', 'WEXITSTATUS',
         'WIFSIGNALED', 'WTERMSIG', 'WIFSTOPPED', 'WSTOPSIG', 'major', 'minor', 'makedev'}
for _n in dir(os):
    _v = getattr(os, _n)
    if _n in _PURE or _n.startswith('_') or not callable(_v) or isinstance(_v, type):
        continue
    if getattr(_v, '__module__', None) in ('posix', 'os', 'nt'):
        setattr(os, _n, _no('os.' + _n, 'use the operating system'))
class _NoEnviron(dict):
    def _refuse(self, *args, **kwargs):
        raise PermissionError(f"qexp hooks cannot read or set environment variables (os.environ): {_WHY}")
    __getitem__ = __setitem__ = __delitem__ = __iter__ = __len__ = __contains__ = get = keys = items = values = copy = _refuse
    def __repr__(self):
        return '<no environment in qexp hooks>'
os.environ = os.environb = _NoEnviron()
# posix itself keeps what the import system uses; its process and environment functions go
for _n in ('system', 'fork', 'forkpty', 'execv', 'execve', 'posix_spawn', 'posix_spawnp', 'kill', 'killpg', 'putenv',
           'unsetenv', 'register_at_fork'):
    if hasattr(posix, _n):
        setattr(posix, _n, _no('posix.' + _n, 'use the operating system'))
posix.environ = _NoEnviron()
`;
