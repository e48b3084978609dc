import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // generous: CI shares a machine that can run at load 8 on 2 cores, where a test that runs qexp a
    // few times takes minutes; a test that really hangs still fails, ten minutes later
    testTimeout: 600_000,
    hookTimeout: 600_000,
    pool: 'forks',
    // each worker process runs many files, started once: vitest gives a new worker 60 s to start, a
    // limit no option changes, and on that loaded machine one of ~100 starts (one a file) once took longer
    isolate: false,
    // vitest's default, a worker a CPU less one, is a single worker on 2 cores: one file at a time,
    // with the second core idle whenever a test waits on a subprocess it started
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
