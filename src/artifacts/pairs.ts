import { readFile, writeFile } from 'node:fs/promises';
import { DataError } from '../data/data-error.js';
import { fields, RecordError, readJsonl, writeJsonl } from './jsonl.js';

/** A candidate as a pair shows it. */
export interface PairSide {
  pool: string;
  sample: number;
  text: string;
  value: number;
}

/** One preference pair: the `pairs` output of a pairs stage. */
export interface PairRecord {
  qid: string;
  query: string;
  chosen: PairSide;
  rejected: PairSide;
  /** chosen.value − rejected.value. */
  delta: number;
  /** The query alone's value. */
  baseline: number;
}

export function writePairs(path: string, rows: Iterable<PairRecord>): Promise<void> {
  return writeJsonl(path, rows);
}

function side(v: unknown, which: string): PairSide {
  try {
    const s = fields(v, { pool: 'string', sample: 'number', text: 'string', value: 'number' }, which);
    return s as unknown as PairSide;
  } catch {
    throw new RecordError(`expected a pair (qid, query, chosen, rejected, delta, baseline); ${which} needs pool, sample, text, value`);
  }
}

export function readPairs(path: string): Promise<PairRecord[]> {
  return readJsonl(path, (v) => {
    const r = fields(
      v,
      { qid: 'string', query: 'string', chosen: 'object', rejected: 'object', delta: 'number', baseline: 'number' },
      'a pair',
    );
    return {
      qid: r.qid as string,
      query: r.query as string,
      chosen: side(r.chosen, 'chosen'),
      rejected: side(r.rejected, 'rejected'),
      delta: r.delta as number,
      baseline: r.baseline as number,
    };
  });
}

/** What a pairs stage reports beside its pairs: its `summary` output. */
export interface PairSummary {
  queries: number;
  candidates: number;
  pairs: number;
  queries_with_pairs: number;
  queries_without_pair: Record<string, number>;
  dropped: Record<string, number>;
  delta_histogram: unknown;
  chosen_by_pool: Record<string, number>;
  best_by_pool: Record<string, number>;
  settings: unknown;
}

export async function writePairSummary(path: string, summary: PairSummary): Promise<void> {
  await writeFile(path, `${JSON.stringify(summary, null, 2)}\n`);
}

export async function readPairSummary(path: string): Promise<PairSummary> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(path, 'utf8'));
  } catch (err) {
    throw new DataError(path, undefined, `not a pair summary (invalid JSON: ${(err as Error).message})`);
  }
  if (value === null || typeof value !== 'object' || typeof (value as PairSummary).pairs !== 'number')
    throw new DataError(path, undefined, 'not a pair summary (expected a JSON object with a number `pairs`)');
  return value as PairSummary;
}
