import { readdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

const TRAINERS = resolve(dirname(fileURLToPath(import.meta.url)), '../../trainers');

// The GPU side is Python: CI has no torch, but every file must compile and the torch-free part has unit tests.
describe('trainers/ (Python)', () => {
  it('every trainers/*.py compiles under the machine python3', async () => {
    const files = readdirSync(TRAINERS).filter((f) => f.endsWith('.py'));
    expect(files).toEqual(expect.arrayContaining(['train_trl.py', 'generate.py', 'qexp_trainer_config.py', 'tiny_qwen3.py']));
    // what py_compile does, without writing a .pyc into the repo
    const r = await execa(
      'python3',
      ['-c', 'import sys\nfor f in sys.argv[1:]: compile(open(f, encoding="utf-8").read(), f, "exec")', ...files],
      {
        cwd: TRAINERS,
        reject: false,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
  });

  it('the unit tests of the torch-free config and data loading pass', async () => {
    const r = await execa('python3', ['-m', 'unittest', 'discover', '-s', 'tests'], {
      cwd: TRAINERS,
      reject: false,
      env: { PYTHONDONTWRITEBYTECODE: '1' },
    });
    expect(r.stderr).toMatch(/\nOK\s*$/);
    expect(r.exitCode).toBe(0);
  });
});
