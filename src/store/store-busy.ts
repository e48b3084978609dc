import { readFileSync } from 'node:fs';

/** Another process holds the store: says which one and what to do. */
export class StoreBusyError extends Error {
  constructor(
    readonly storePath: string,
    readonly holderPid: number | undefined,
    /** A reader was turned away: the holder publishes no snapshot to read instead. */
    reading = false,
  ) {
    const who = holderPid === undefined ? 'another process' : `process ${holderPid}${describePid(holderPid)}`;
    super(
      reading
        ? `store ${storePath} is in use by ${who}, which publishes no snapshot to read meanwhile ` +
            '(only qexp run does): wait for it to finish, or pass --wait SECONDS.'
        : `store ${storePath} is in use by ${who}. qexp keeps one writer per store: wait for it to finish, ` +
            'pass --wait SECONDS to queue behind it, or use another store (--store PATH).',
    );
    this.name = 'StoreBusyError';
  }
}

export interface LockHolder {
  pid: number | undefined;
  /** The holder opened the file read-only (a reader: it lets other readers in and leaves soon). */
  reader: boolean;
}

/** Parses DuckDB's lock error ("Conflicting lock is held in ... (PID 123)"); null for any other error. */
export function lockHolder(message: string): LockHolder | null {
  if (!/Could not set lock on file/i.test(message)) return null;
  const m = /PID (\d+)/.exec(message);
  // DuckDB adds this only when the holder's lock is shared, i.e. the holder reads
  return { pid: m ? Number(m[1]) : undefined, reader: /would be able to open this database in read-only mode/i.test(message) };
}

export function describePid(pid: number): string {
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    const i = cmd.findIndex((a) => /qexp|main\.js$/.test(a));
    const shown = (i >= 0 ? cmd.slice(i) : cmd).join(' ');
    return shown ? ` (${shown.length > 120 ? `${shown.slice(0, 117)}...` : shown})` : '';
  } catch {
    return '';
  }
}
