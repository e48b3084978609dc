import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { runStreaming } from '../../util/run-streaming.js';
import { defineLauncher, type LaunchSpec, TIMEOUT_SCHEMA } from './launcher.js';

export interface LocalLaunchSpec extends LaunchSpec {
  kind: 'local';
  cuda_visible_devices?: string;
  /** Seconds a stopped trainer gets to save before it is killed. */
  stop_grace_s: number;
}

/**
 * `local`: runs the job here, its output streamed to the stage's log and to `trainer.log` in the
 * job folder, with a timeout, and a stop (timeout or Ctrl-C) that gives the trainer stop_grace_s
 * to save.
 */
export const localLauncher = defineLauncher<LocalLaunchSpec>({
  kind: 'local',
  summary: 'here, followed to its end',
  schema: {
    cuda_visible_devices: {
      description: 'CUDA_VISIBLE_DEVICES for a local run, e.g. `0,1`.',
      type: 'string',
    },
    timeout_s: TIMEOUT_SCHEMA,
    stop_grace_s: {
      description: 'Seconds a stopped trainer gets to save a checkpoint before it is killed.',
      type: 'number',
      minimum: 0,
      default: 120,
    },
  },
  sharesFiles: true,
  check: () => [],

  async launch(spec, ctx) {
    const env: Record<string, string> = { PYTHONUNBUFFERED: '1' };
    if (spec.cuda_visible_devices !== undefined) env.CUDA_VISIBLE_DEVICES = spec.cuda_visible_devices;
    const file = createWriteStream(join(ctx.jobDir, 'trainer.log'), { flags: 'a' });
    const r = await runStreaming('bash', [ctx.script], {
      cwd: ctx.jobDir,
      env,
      timeoutS: spec.timeout_s,
      graceS: spec.stop_grace_s,
      signal: ctx.signal,
      tailLines: 30,
      onLine(line) {
        ctx.log(line);
        file.write(`${line}\n`);
      },
      onProgress: ctx.progress,
    });
    await new Promise<void>((done) => file.end(done));
    const last = `; its last lines:\n${r.tail.slice(-15).join('\n')}`;
    if (r.stopped === 'interrupted') throw new Error(`interrupted; the trainer was asked to save a checkpoint${last}`);
    if (r.stopped)
      throw new Error(`the trainer ${r.stopped} (launcher timeout_s) and was stopped; a rerun resumes from its last checkpoint${last}`);
    if (r.exitCode !== 0) throw new Error(`the trainer failed (${r.signal ? `killed by ${r.signal}` : `exit ${r.exitCode}`})${last}`);
    return { done: true };
  },
});
