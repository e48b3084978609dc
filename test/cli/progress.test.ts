import { afterAll, describe, expect, it } from 'vitest';
import { duration, formatProgress } from '../../src/cli/progress.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

describe('progress display', () => {
  it('formats counts, percentage, rate and ETA', () => {
    // 12,500 of 40,000 docs in 10 s: 1,250/s, 27,500 left → 22 s
    expect(formatProgress(12_500, 40_000, 'docs', 10_000)).toBe('12.5k/40.0k docs (31%) · 1250/s · ETA 22s');
    expect(formatProgress(3, undefined, undefined, 2_000)).toBe('3 · 1.5/s');
    expect(duration(3_723_000)).toBe('1h02m');
    expect(duration(95_000)).toBe('1m35s');
  });

  it('shows a shell stage’s `qexp:progress` lines as plain progress lines in CI', async () => {
    ws.write(
      'p.yaml',
      `name: prog
stages:
  count:
    kind: shell
    command: "for i in 0 1 2 3 4; do echo qexp:progress $i/4 docs; echo line $i; sleep 0.1; done; echo ok > {{outs.x}}"
    outs: {x: null}
`,
    );
    const r = await ws.qexp(['run', 'p.yaml']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/ {2}count: 0\/4 docs \(0%\)/);
    expect(r.stdout).toMatch(/ {2}count: 4\/4 docs \(100%\)/);
    // progress lines are not copied into the log as output; ordinary lines are
    const { readdirSync, readFileSync } = await import('node:fs');
    const dir = ws.path('results/logs/prog');
    const log = readFileSync(`${dir}/${readdirSync(dir)[0]}`, 'utf8');
    expect(log).toContain('line 3');
    expect(log).not.toMatch(/^qexp:progress/m);
  });
});
