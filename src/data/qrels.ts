import { DataError } from './data-error.js';
import { readLines } from './read-lines.js';

/** qid → docid → grade. */
export type Qrels = Map<string, Map<string, number>>;

/** Judgments `qid iter docid grade`, separated by spaces or tabs; a repeated (qid, docid) is an error. */
export async function readQrels(path: string): Promise<Qrels> {
  const qrels: Qrels = new Map();
  const where = new Map<string, number>();
  for await (const { text, line } of readLines(path)) {
    if (text.trim() === '') continue;
    const cols = text.trim().split(/\s+/);
    if (cols.length !== 4) throw new DataError(path, line, `expected 4 columns 'qid iter docid grade', got ${cols.length}`);
    const [qid, , docid, gradeText] = cols as [string, string, string, string];
    if (!/^-?\d+$/.test(gradeText)) throw new DataError(path, line, `grade must be an integer, got '${gradeText}'`);
    let docs = qrels.get(qid);
    if (!docs) qrels.set(qid, (docs = new Map()));
    const key = `${qid}\0${docid}`;
    const prev = where.get(key);
    if (prev !== undefined) throw new DataError(path, line, `document ${docid} is judged twice for query ${qid} (first at line ${prev})`);
    where.set(key, line);
    docs.set(docid, Number(gradeText));
  }
  return qrels;
}
