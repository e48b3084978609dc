import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defineLauncher, type LaunchSpec } from './launcher.js';

/**
 * `manual`: qexp writes the job folder and the command, and the stage waits until a person has
 * run it on a GPU machine and copied the folder back; a later `qexp run` finds the checkpoint.
 */
export const manualLauncher = defineLauncher<LaunchSpec>({
  kind: 'manual',
  summary: 'qexp writes the job folder and its command, and the stage waits until a person has run it',
  schema: {},
  sharesFiles: false,
  check: () => [],

  async launch(_spec, ctx) {
    if (ctx.finished()) {
      ctx.log(`found the manual run's checkpoint in ${ctx.outputDir}`);
      return { done: true };
    }
    writeFileSync(
      join(ctx.jobDir, 'README.txt'),
      `Run this training job on a GPU machine:\n  bash ${ctx.script}\n(or copy this folder there, run it, and copy it back, output/ included).\nThen run qexp again: it finds the checkpoint and goes on.\n`,
    );
    return {
      waiting: `stage ${ctx.name} waits for a manual training run: run 'bash ${ctx.script}' on a GPU machine (see ${join(ctx.jobDir, 'README.txt')}), then qexp run again`,
    };
  },
});
