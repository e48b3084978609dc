import { fields, readJsonl, writeJsonl } from './jsonl.js';

/** One scored candidate: the `feedback` output of a feedback stage, in the pool's order. */
export interface FeedbackRecord {
  qid: string;
  query: string;
  /** The generate stage the candidate came from. */
  pool: string;
  sample: number;
  text: string;
  /** The feedback measure with the candidate as expansion. */
  value: number;
  /** The same measure for the query alone. */
  baseline: number;
}

export function writeFeedback(path: string, rows: Iterable<FeedbackRecord>): Promise<void> {
  return writeJsonl(
    path,
    (function* () {
      for (const r of rows)
        yield { qid: r.qid, query: r.query, pool: r.pool, sample: r.sample, text: r.text, value: r.value, baseline: r.baseline };
    })(),
  );
}

export function readFeedback(path: string): Promise<FeedbackRecord[]> {
  return readJsonl(path, (v) => {
    const r = fields(
      v,
      { qid: 'string', query: 'string', pool: 'string', sample: 'number', text: 'string', value: 'number', baseline: 'number' },
      'a feedback record',
    );
    return r as unknown as FeedbackRecord;
  });
}
