import { fields, readJsonl, writeJsonl } from './jsonl.js';

/** One expansion a generate stage wrote: the `generations` output, one JSON record a line. */
export interface Generation {
  qid: string;
  query: string;
  sample: number;
  text: string;
}

export function writeGenerations(path: string, rows: Iterable<Generation>): Promise<void> {
  return writeJsonl(
    path,
    (function* () {
      for (const r of rows) yield { qid: r.qid, query: r.query, sample: r.sample, text: r.text };
    })(),
  );
}

export function readGenerations(path: string): Promise<Generation[]> {
  return readJsonl(path, (v) => {
    const r = fields(v, { qid: 'string', query: 'string', sample: 'number', text: 'string' }, 'a generation (a generate stage output)');
    return { qid: r.qid as string, query: r.query as string, sample: r.sample as number, text: r.text as string };
  });
}
