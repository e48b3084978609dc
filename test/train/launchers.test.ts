import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../../src/config/schema.js';
import type { LaunchContext } from '../../src/train/launchers/launcher.js';
import { findLauncher, getLauncher, launcherKinds, launcherProperties } from '../../src/train/launchers/registry.js';

const dir = mkdtempSync(join(tmpdir(), 'qexp-launchers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The schema as qexp checks it: without the hover text (`markdownDescription`) written for editors. */
const checked = (v: unknown): unknown =>
  Array.isArray(v)
    ? v.map(checked)
    : v && typeof v === 'object'
      ? Object.fromEntries(Object.entries(v).flatMap(([k, x]) => (k === 'markdownDescription' ? [] : [[k, checked(x)]])))
      : v;

describe('the launcher registry', () => {
  it("assembles `launcher:`'s properties from the launchers' fragments: the committed schema's, but the stage's own `command`", () => {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'));
    const { command: _stageOwn, ...committed } = schema.$defs['stage-train'].properties.launcher.properties;
    expect(launcherProperties()).toEqual(checked(committed));
  });

  it('finds launchers by kind and names them all when one is unknown', () => {
    expect(launcherKinds()).toEqual(['local', 'slurm', 'manual']);
    expect(findLauncher('pbs')).toBeUndefined();
    expect(() => getLauncher('pbs')).toThrow("unknown launcher 'pbs'; available: local, slurm, manual");
  });

  it('checks its own settings: Slurm needs its resources', () => {
    expect(getLauncher('slurm').check({ kind: 'slurm', timeout_s: 60 })).toEqual([
      { key: '', message: "launcher slurm needs 'slurm' (partition, gpus, time, ...)" },
    ]);
    expect(getLauncher('slurm').check({ kind: 'slurm', timeout_s: 60, slurm: { partition: 'gpu' } } as never)).toEqual([]);
  });

  it('only a manual run happens where this machine’s files are not', () => {
    expect(launcherKinds().filter((k) => !getLauncher(k).sharesFiles)).toEqual(['manual']);
  });
});

describe('the manual launcher', () => {
  it('leaves the job to a person (what to run, in README.txt), then finds its output', async () => {
    const logs: string[] = [];
    let finished = false;
    const ctx: LaunchContext = {
      jobDir: dir,
      script: join(dir, 'run.sh'),
      name: 'sft',
      outputDir: join(dir, 'output', 'final'),
      finished: () => finished,
      log: (l) => logs.push(l),
      progress: () => {},
      signal: new AbortController().signal,
    };
    const manual = getLauncher('manual');
    const first = await manual.launch({ kind: 'manual', timeout_s: 60 }, ctx);
    expect(first).toEqual({
      waiting: `stage sft waits for a manual training run: run 'bash ${ctx.script}' on a GPU machine (see ${join(dir, 'README.txt')}), then qexp run again`,
    });
    expect(readFileSync(join(dir, 'README.txt'), 'utf8')).toContain(`bash ${ctx.script}`);
    finished = true;
    rmSync(join(dir, 'README.txt'));
    expect(await manual.launch({ kind: 'manual', timeout_s: 60 }, ctx)).toEqual({ done: true });
    expect(existsSync(join(dir, 'README.txt'))).toBe(false);
    expect(logs).toEqual([`found the manual run's checkpoint in ${ctx.outputDir}`]);
  });
});
