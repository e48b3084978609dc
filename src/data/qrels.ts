import { DataError } from './data-error.js';
import { checkJudgmentComment, displayText, type FieldLine, fieldLines, readTextBytes } from './trec-fields.js';

/** qid → docid → grade. */
export type Qrels = Map<string, Map<string, number>>;

/** A document judged twice for one query. */
export interface DuplicateJudgment {
  docid: string;
  line: number;
  first: number;
}

/** Judgments for evaluation: byte-string ids, and the duplicates trec_eval reports only when it evaluates their query. */
export interface Judgments {
  qrels: Qrels;
  duplicates: Map<string, DuplicateJudgment>;
  /** Repeated lines with a grade > 0 (trec_eval's -c num_rel counts lines). */
  repeatedRelevant: number;
  path: string;
}

export interface QrelsOptions {
  /** trec_eval 10: a line with `#` in its first column is a comment. */
  comments?: boolean;
  /** Where a warning goes (an empty file); stderr by default. */
  warn?: (message: string) => void;
}

// trec_eval keeps one counter per grade up to the largest (rel_levels): a huge grade is a typo
const MAX_GRADE = 1_000_000;

/**
 * Judgments `qid iter docid grade`, separated by blanks; a repeated (qid, docid) is an error with
 * both lines. Ids are UTF-8 text. Blank lines are skipped; a file without a judgment gets a warning.
 */
export async function readQrels(path: string, opts: QrelsOptions = {}): Promise<Qrels> {
  const j = parseJudgments(await readTextBytes(path, 'utf8'), path, opts);
  for (const [qid, d] of j.duplicates)
    throw new DataError(path, d.line, `document ${d.docid} is judged twice for query ${qid} (first at line ${d.first})`);
  return j.qrels;
}

/** The judgments of `qexp eval`: ids as byte strings, duplicates recorded per query. */
export async function readJudgments(path: string, opts: QrelsOptions = {}): Promise<Judgments> {
  return parseJudgments(await readTextBytes(path, 'latin1'), path, opts);
}

function parseJudgments(text: string, path: string, opts: QrelsOptions): Judgments {
  const qrels: Qrels = new Map();
  const duplicates = new Map<string, DuplicateJudgment>();
  const where = new Map<string, Map<string, number>>();
  let repeatedRelevant = 0;
  const lines = [...fieldLines(text)];
  let skipComment = opts.comments === true;
  for (let i = 0; i < lines.length; i++) {
    const { line, fields, hash } = lines[i] as FieldLine;
    if (skipComment && hash) {
      const problem = checkJudgmentComment(lines, i);
      if (problem) throw new DataError(path, line, problem);
      skipComment = false; // trec_eval 10 parses the line after a comment whatever it is
      continue;
    }
    skipComment = opts.comments === true;
    if (fields.length === 0) continue;
    if (fields.length !== 4) {
      const hint = hash && !opts.comments ? "; trec_eval 9 has no comment lines (trec_eval 10 skips lines starting with '#')" : '';
      throw new DataError(path, line, `expected 4 columns 'qid iter docid grade', got ${fields.length}${hint}`);
    }
    const [qid, , docid, gradeText] = fields as [string, string, string, string];
    if (!/^[+-]?\d+$/.test(gradeText))
      throw new DataError(
        path,
        line,
        `grade must be an integer, got '${displayText(gradeText)}' (trec_eval's atol would read a prefix of it)`,
      );
    const grade = Number(gradeText);
    if (Math.abs(grade) > MAX_GRADE)
      throw new DataError(path, line, `grade ${gradeText} is out of range (at most ${MAX_GRADE} in absolute value)`);
    let docs = qrels.get(qid);
    let at = where.get(qid);
    if (!docs || !at) {
      qrels.set(qid, (docs = new Map()));
      where.set(qid, (at = new Map()));
    }
    const prev = at.get(docid);
    if (prev !== undefined) {
      if (grade > 0) repeatedRelevant++;
      if (!duplicates.has(qid)) duplicates.set(qid, { docid: displayText(docid), line, first: prev });
      continue;
    }
    at.set(docid, line);
    docs.set(docid, grade);
  }
  if (qrels.size === 0)
    (opts.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(`qexp: warning: ${path}: the qrels file has no judgments`);
  return { qrels, duplicates, repeatedRelevant, path };
}
