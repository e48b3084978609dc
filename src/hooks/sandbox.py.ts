/**
 * Python run once in the hooks' interpreter before any hook: hooks see no files, no network and
 * not the host process. Imports of the bridges to JavaScript and of network modules are refused
 * (an import hook and a meta-path finder, so that importlib is covered too), and `open` and the
 * file functions of `os` raise.
 */
export const SANDBOX_PY = `
import builtins, io, os, sys

_ROOTS = {'js', 'pyodide_js', 'pyodide', 'micropip', 'socket', '_socket', 'ssl', '_ssl', 'select', 'ctypes', '_ctypes',
          'subprocess', 'multiprocessing', 'ftplib', 'smtplib', 'poplib', 'imaplib', 'telnetlib', 'webbrowser'}
_NAMES = {'urllib.request', 'http.client', 'http.server', 'http.cookiejar', 'xmlrpc.client', 'xmlrpc.server'}

def _refused(name):
    return name.split('.')[0] in _ROOTS or any(name == n or name.startswith(n + '.') for n in _NAMES)

class _SandboxError(ImportError):
    pass

_real_import = builtins.__import__

def _guarded_import(name, globals=None, locals=None, fromlist=(), level=0):
    if level == 0 and _refused(name):
        raise _SandboxError(f"qexp hooks cannot import {name}: a hook has no network, no files and no access to the host process")
    return _real_import(name, globals, locals, fromlist, level)

class _Refuse:
    def find_spec(self, name, path=None, target=None):
        if _refused(name):
            raise _SandboxError(f"qexp hooks cannot import {name}: a hook has no network, no files and no access to the host process")
        return None

builtins.__import__ = _guarded_import
sys.meta_path.insert(0, _Refuse())
for _m in list(sys.modules):
    if _refused(_m):
        del sys.modules[_m]

def _no_files(*args, **kwargs):
    raise PermissionError("qexp hooks cannot open or list files: a hook gets everything it needs as arguments")

builtins.open = _no_files
io.open = _no_files
for _n in ('open', 'listdir', 'scandir', 'remove', 'unlink', 'rename', 'replace', 'mkdir', 'makedirs', 'rmdir', 'system',
           'popen', 'walk', 'stat', 'lstat', 'chdir', 'getcwd', 'environ'):
    if hasattr(os, _n):
        setattr(os, _n, _no_files)

_hooks = {}
`;
