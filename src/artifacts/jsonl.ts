import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { DataError } from '../data/data-error.js';

/** Thrown by a record decoder: what was wrong with the record (the reader adds file:line). */
export class RecordError extends Error {}

/**
 * Reads a JSONL artifact record by record. A line that is not JSON, or that `decode` rejects,
 * fails with `file:line` and what was expected; blank lines are skipped.
 */
export async function readJsonl<T>(path: string, decode: (value: unknown) => T): Promise<T[]> {
  const out: T[] = [];
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Number.POSITIVE_INFINITY });
  let n = 0;
  for await (const line of lines) {
    n += 1;
    if (line.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (err) {
      throw new DataError(path, n, `invalid JSON: ${(err as Error).message}`);
    }
    try {
      out.push(decode(value));
    } catch (err) {
      if (err instanceof RecordError) throw new DataError(path, n, err.message);
      throw err;
    }
  }
  return out;
}

export async function writeJsonl(path: string, records: Iterable<unknown>): Promise<void> {
  const lines: string[] = [];
  for (const r of records) lines.push(`${JSON.stringify(r)}\n`);
  await writeFile(path, lines.join(''));
}

type FieldType = 'string' | 'number' | 'object';

/** The record as a map with the named fields of the named types, or a RecordError naming the format. */
export function fields<K extends string>(value: unknown, want: Record<K, FieldType>, what: string): Record<K, unknown> {
  const ok =
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.entries(want).every(([k, t]) => {
      const v = (value as Record<string, unknown>)[k];
      return t === 'object' ? v !== null && typeof v === 'object' : typeof v === t;
    });
  if (!ok) throw new RecordError(`expected ${what} with ${Object.keys(want).join(', ')}`);
  return value as Record<K, unknown>;
}
