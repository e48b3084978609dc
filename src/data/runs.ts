import { DataError } from './data-error.js';
import { readLines } from './read-lines.js';

export interface RunEntry {
  docid: string;
  score: number;
  rank: number;
}

export interface Run {
  /** qid → entries in file order (evaluation re-sorts them as trec_eval does). */
  byQuery: Map<string, RunEntry[]>;
  tag: string;
}

/** A TREC run file: `qid Q0 docid rank score tag`; a document repeated within a query is an error naming both lines. */
export async function readRun(path: string): Promise<Run> {
  const byQuery = new Map<string, RunEntry[]>();
  const seen = new Map<string, number>();
  let tag = '';
  for await (const { text, line } of readLines(path)) {
    if (text.trim() === '') continue;
    const cols = text.trim().split(/\s+/);
    if (cols.length !== 6) throw new DataError(path, line, `expected 6 columns 'qid Q0 docid rank score tag', got ${cols.length}`);
    const [qid, , docid, rankText, scoreText, runTag] = cols as [string, string, string, string, string, string];
    const score = Number(scoreText);
    if (scoreText === '' || Number.isNaN(score)) throw new DataError(path, line, `score must be a number, got '${scoreText}'`);
    const rank = Number(rankText);
    const key = `${qid}\0${docid}`;
    const prev = seen.get(key);
    if (prev !== undefined)
      throw new DataError(path, line, `document ${docid} appears twice in the ranking of query ${qid} (first at line ${prev})`);
    seen.set(key, line);
    let list = byQuery.get(qid);
    if (!list) byQuery.set(qid, (list = []));
    list.push({ docid, score, rank: Number.isFinite(rank) ? rank : 0 });
    if (!tag) tag = runTag;
  }
  return { byQuery, tag };
}
