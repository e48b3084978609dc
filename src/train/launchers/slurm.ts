import { closeSync, existsSync, openSync, readSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseProgress } from '../../util/run-streaming.js';
import { defineLauncher, type LaunchContext, type LaunchSpec, TIMEOUT_SCHEMA } from './launcher.js';

export interface SlurmLaunchSpec extends LaunchSpec {
  kind: 'slurm';
  /** Seconds between two looks at the job. */
  poll_s: number;
  slurm?: { partition?: string; gpus?: number; time?: string; account?: string; cpus?: number; mem?: string; directives?: string[] };
}

/**
 * `slurm`: submits the job with sbatch (`job.sbatch` in the job folder) and follows it: squeue
 * while it is pending or running (its output streamed to the log), then sacct for how it ended.
 * A requeued job (preempted, or a node failure) is followed through its next run. A job that
 * fails shows its last log lines.
 */
export const slurmLauncher = defineLauncher<SlurmLaunchSpec>({
  kind: 'slurm',
  summary: 'sbatch, followed with squeue/sacct',
  schema: {
    timeout_s: TIMEOUT_SCHEMA,
    poll_s: {
      description: 'Seconds between two looks at a Slurm job.',
      type: 'number',
      exclusiveMinimum: 0,
      default: 30,
    },
    slurm: {
      description: "The job's resources.",
      type: 'object',
      additionalProperties: false,
      properties: {
        partition: {
          description: '--partition.',
          type: 'string',
          minLength: 1,
        },
        gpus: {
          description: 'GPUs (--gres=gpu:N).',
          type: 'integer',
          minimum: 1,
        },
        time: {
          description: '--time, e.g. `12:00:00`.',
          type: 'string',
          minLength: 1,
        },
        account: {
          description: '--account.',
          type: 'string',
          minLength: 1,
        },
        cpus: {
          description: '--cpus-per-task.',
          type: 'integer',
          minimum: 1,
        },
        mem: {
          description: '--mem, e.g. `64G`.',
          type: 'string',
          minLength: 1,
        },
        directives: {
          description: 'Further `#SBATCH` lines, without the prefix (e.g. `--qos=high`).',
          type: 'array',
          items: {
            type: 'string',
            minLength: 1,
          },
        },
      },
    },
  },
  sharesFiles: true,
  check: (spec) => (spec.slurm ? [] : [{ key: '', message: "launcher slurm needs 'slurm' (partition, gpus, time, ...)" }]),

  async launch(spec, ctx) {
    const sbatch = join(ctx.jobDir, 'job.sbatch');
    writeFileSync(sbatch, sbatchScript(spec, ctx));
    await follow(spec, ctx, sbatch);
    return { done: true };
  },
});

/** The sbatch script for the job: the declared resources, the job's output in the job folder, requeue allowed. */
export function sbatchScript(spec: SlurmLaunchSpec, ctx: Pick<LaunchContext, 'jobDir' | 'script' | 'name'>): string {
  const s = spec.slurm ?? {};
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=qexp-${ctx.name}`,
    `#SBATCH --output=${join(ctx.jobDir, 'slurm-%j.out')}`,
    '#SBATCH --requeue',
    '#SBATCH --open-mode=append',
  ];
  if (s.partition) lines.push(`#SBATCH --partition=${s.partition}`);
  if (s.gpus !== undefined) lines.push(`#SBATCH --gres=gpu:${s.gpus}`);
  if (s.time) lines.push(`#SBATCH --time=${s.time}`);
  if (s.account) lines.push(`#SBATCH --account=${s.account}`);
  if (s.cpus !== undefined) lines.push(`#SBATCH --cpus-per-task=${s.cpus}`);
  if (s.mem) lines.push(`#SBATCH --mem=${s.mem}`);
  for (const d of s.directives ?? []) lines.push(`#SBATCH ${d}`);
  lines.push(`cd ${JSON.stringify(ctx.jobDir)}`, `exec bash ${JSON.stringify(ctx.script)}`, '');
  return lines.join('\n');
}

const keepTail = (tail: string[], text: string) => {
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    tail.push(line);
    if (tail.length > 30) tail.shift();
  }
};

/** New complete lines of a growing file, from where the last read stopped. */
class Follower {
  private at = 0;
  private partial = '';
  constructor(private readonly path: string) {}
  read(): string[] {
    if (!existsSync(this.path)) return [];
    const size = statSync(this.path).size;
    if (size < this.at) {
      // the file was started again
      this.at = 0;
      this.partial = '';
    }
    if (size === this.at) return [];
    const fd = openSync(this.path, 'r');
    const buf = Buffer.alloc(size - this.at);
    readSync(fd, buf, 0, buf.length, this.at);
    closeSync(fd);
    this.at = size;
    const lines = (this.partial + buf.toString('utf8')).split('\n');
    this.partial = lines.pop() ?? '';
    return lines.filter((l) => l.trim() !== '');
  }
  /** The last line, even without its newline (when the job has ended). */
  rest(): string[] {
    const r = this.partial.trim() ? [this.partial] : [];
    this.partial = '';
    return r;
  }
}

/** Submits the job and follows it to its end (see `slurmLauncher`). */
async function follow(spec: SlurmLaunchSpec, ctx: LaunchContext, sbatchPath: string): Promise<void> {
  const sub = await execa('sbatch', ['--parsable', sbatchPath], { cwd: ctx.jobDir, reject: false, all: true });
  if (sub.exitCode !== 0) throw new Error(`sbatch refused the job (exit ${sub.exitCode}): ${String(sub.all).trim()}`);
  const id = String(sub.stdout).trim().split(';')[0] as string;
  ctx.log(`submitted Slurm job ${id}`);
  const out = new Follower(join(ctx.jobDir, `slurm-${id}.out`));
  const tail: string[] = [];
  const started = Date.now();
  let last = '';
  // ran: the job has started once (squeue said RUNNING, or it wrote output); a later PENDING is a requeue
  let ran = false;
  const drain = (end = false) => {
    const lines = out.read();
    if (lines.length > 0) ran = true;
    if (end) lines.push(...out.rest());
    for (const l of lines) {
      const p = parseProgress(l);
      if (p) ctx.progress(p.done, p.total, p.unit);
      else {
        ctx.log(l);
        keepTail(tail, l);
      }
    }
  };
  for (;;) {
    if (ctx.signal.aborted || Date.now() - started > spec.timeout_s * 1000) {
      await execa('scancel', [id], { reject: false });
      drain(true);
      throw new Error(
        `${ctx.signal.aborted ? 'interrupted' : `Slurm job ${id} ran past timeout_s (${spec.timeout_s} s)`}: cancelled it; its last lines:\n${tail.slice(-15).join('\n')}`,
      );
    }
    // output first: output seen before a PENDING answer means the job ran before it was pending again
    drain();
    const q = await execa('squeue', ['-h', '-j', id, '-o', '%T'], { reject: false });
    const state = String(q.stdout).trim().split('\n')[0]?.trim() ?? '';
    const pending = state === 'PENDING' || state.startsWith('REQUEUE');
    if (pending && ran) {
      ctx.log(`Slurm job ${id} was requeued (preempted or a node failed); following its next run`);
      ran = false;
      last = state;
    } else if (state !== '' && state !== last) {
      if (state === 'RUNNING') ran = true;
      ctx.log(`Slurm job ${id}: ${state}`);
      last = state;
    }
    if (state === '') {
      const acct = await execa('sacct', ['-n', '-P', '-X', '-j', id, '-o', 'State,ExitCode'], { reject: false });
      const [final = 'UNKNOWN', exit = ''] = String(acct.stdout).trim().split('\n')[0]?.split('|') ?? [];
      if (final.startsWith('REQUEUED') || final === 'PENDING' || final === 'RUNNING') {
        await new Promise((r) => setTimeout(r, spec.poll_s * 1000));
        continue;
      }
      drain(true);
      if (final === 'COMPLETED') return;
      throw new Error(`Slurm job ${id} ended ${final} (exit ${exit}); its last lines:\n${tail.slice(-15).join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, spec.poll_s * 1000));
  }
}
