import { readFileSync } from 'node:fs';

/** Another process holds the store: says which one and what to do. */
export class StoreBusyError extends Error {
  constructor(
    readonly storePath: string,
    readonly holderPid: number | undefined,
  ) {
    const who = holderPid === undefined ? 'another process' : `process ${holderPid}${describePid(holderPid)}`;
    super(
      `store ${storePath} is in use by ${who}. qexp keeps one writer per store: wait for it to finish, ` +
        'pass --wait SECONDS to queue behind it, or use another store (--store PATH).',
    );
    this.name = 'StoreBusyError';
  }
}

/** Parses DuckDB's lock error ("Conflicting lock is held in ... (PID 123)"). */
export function lockHolder(message: string): number | undefined | null {
  if (!/Could not set lock on file/i.test(message)) return null;
  const m = /PID (\d+)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

function describePid(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const i = cmd.findIndex((a) => /qexp|main\.js$/.test(a));
    const shown = (i >= 0 ? cmd.slice(i) : cmd).join(' ');
    return shown ? ` (${shown.length > 120 ? `${shown.slice(0, 117)}...` : shown})` : '';
  } catch {
    return '';
  }
}
