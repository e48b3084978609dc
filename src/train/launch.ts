import { closeSync, createWriteStream, existsSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { parseProgress, runStreaming } from '../util/run-streaming.js';

/** How a train stage's job runs: here, on Slurm, or by a person elsewhere. */
export interface LaunchSpec {
  kind: 'local' | 'slurm' | 'manual';
  cuda_visible_devices?: string;
  timeout_s: number;
  /** Seconds a stopped trainer gets to save before it is killed. */
  stop_grace_s: number;
  /** Seconds between two looks at a Slurm job. */
  poll_s: number;
  slurm?: { partition?: string; gpus?: number; time?: string; account?: string; cpus?: number; mem?: string; directives?: string[] };
}

export interface LaunchContext {
  jobDir: string;
  /** The job's entry point, `run.sh` in the job folder. */
  script: string;
  name: string;
  log(line: string): void;
  progress(done: number, total: number | undefined, unit: string | undefined): void;
  signal: AbortSignal;
}

const keepTail = (tail: string[], text: string) => {
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    tail.push(line);
    if (tail.length > 30) tail.shift();
  }
};

/**
 * Runs the job here: its output streamed to the stage's log and to `trainer.log` in the job folder,
 * a timeout, and a stop (timeout or Ctrl-C) that gives the trainer stop_grace_s to save.
 */
export async function launchLocal(spec: LaunchSpec, ctx: LaunchContext): Promise<void> {
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
}

/** The sbatch script for the job: the declared resources, the job's output in the job folder, requeue allowed. */
export function sbatchScript(spec: LaunchSpec, ctx: LaunchContext): string {
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

/**
 * Submits the job with sbatch and follows it: squeue while it is pending or running (its output
 * streamed to the log), then sacct for how it ended. A requeued job (preempted, or a node
 * failure) is followed through its next run. A job that fails shows its last log lines.
 */
export async function launchSlurm(spec: LaunchSpec, ctx: LaunchContext, sbatchPath: string): Promise<void> {
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
