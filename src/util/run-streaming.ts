import { execa } from 'execa';

/** A line `qexp:progress DONE[/TOTAL] [UNIT]` from a command feeds the progress display. */
const PROGRESS = /^qexp:progress (\d+)(?:\/(\d+))?(?: (\S+))?\s*$/;

export interface StreamingOptions {
  cwd: string;
  env?: Record<string, string>;
  /** Seconds before the command is stopped; none: no limit. */
  timeoutS?: number;
  /** Seconds between SIGTERM and SIGKILL when the command is stopped. */
  graceS: number;
  signal: AbortSignal;
  /** Every output line but progress lines. */
  onLine(line: string): void;
  onProgress?(done: number, total: number | undefined, unit: string | undefined): void;
  /** Lines kept for the error message. */
  tailLines?: number;
}

export interface StreamingResult {
  exitCode: number | undefined;
  signal: string | undefined;
  /** Why qexp stopped it (`interrupted`, or the timeout), if it did. */
  stopped: string | undefined;
  /** Its last output lines. */
  tail: string[];
}

/** The numbers of a progress line, or undefined. */
export function parseProgress(line: string): { done: number; total: number | undefined; unit: string | undefined } | undefined {
  const p = PROGRESS.exec(line);
  return p ? { done: Number(p[1]), total: p[2] === undefined ? undefined : Number(p[2]), unit: p[3] } : undefined;
}

function killGroup(pid: number | undefined, signal: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

/**
 * Runs a command in its own process group, its stdout and stderr read line by line as they come
 * (progress lines to `onProgress`, the rest to `onLine`); a timeout or an abort sends the group
 * SIGTERM, then SIGKILL after the grace period (so a trainer can save, a pipeline dies whole).
 */
export async function runStreaming(file: string, args: string[], opts: StreamingOptions): Promise<StreamingResult> {
  const child = execa(file, args, {
    cwd: opts.cwd,
    env: opts.env,
    detached: true,
    reject: false,
    buffer: false,
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const keep = opts.tailLines ?? 20;
  const tail: string[] = [];
  const partial = { stdout: '', stderr: '' };
  const onLine = (line: string) => {
    if (line.trim() === '') return;
    const p = parseProgress(line);
    if (p) {
      opts.onProgress?.(p.done, p.total, p.unit);
      return;
    }
    opts.onLine(line);
    tail.push(line);
    if (tail.length > keep) tail.shift();
  };
  const reader = (which: 'stdout' | 'stderr') => (chunk: Buffer) => {
    // progress bars rewrite their line with \r: each rewrite is a line
    const lines = (partial[which] + chunk.toString('utf8')).split(/\r?\n|\r/);
    partial[which] = lines.pop() ?? '';
    for (const l of lines) onLine(l);
  };
  child.stdout?.on('data', reader('stdout'));
  child.stderr?.on('data', reader('stderr'));

  let stopped: string | undefined;
  const stop = (why: string) => {
    if (stopped) return;
    stopped = why;
    killGroup(child.pid, 'SIGTERM');
    setTimeout(() => killGroup(child.pid, 'SIGKILL'), opts.graceS * 1000).unref();
  };
  const onAbort = () => stop('interrupted');
  if (opts.signal.aborted) onAbort();
  opts.signal.addEventListener('abort', onAbort, { once: true });
  const timer =
    opts.timeoutS === undefined ? undefined : setTimeout(() => stop(`timed out after ${opts.timeoutS} s`), opts.timeoutS * 1000);
  const result = await child;
  opts.signal.removeEventListener('abort', onAbort);
  if (timer) clearTimeout(timer);
  onLine(partial.stdout);
  onLine(partial.stderr);
  return { exitCode: result.exitCode, signal: result.signal, stopped, tail };
}
