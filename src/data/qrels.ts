import { DataError } from './data-error.js';
import { displayText, fieldLines, readTextBytes } from './trec-fields.js';

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
  let repeatedRelevant = 0;
  const comments = opts.comments === true;
  const n = text.length;
  const fs: string[] = [];
  let lineNo = 0;
  let afterComment = false;
  let qid = '';
  let docs: Map<string, number> | undefined;
  for (let p = 0; p < n; ) {
    let e = text.indexOf('\n', p);
    if (e < 0) e = n;
    lineNo++;
    const hash = text.charCodeAt(p) === 35;
    if (comments && hash && !afterComment) {
      // trec_eval 10 skips a comment, then reads the next line as data whatever it is
      const next = e + 1;
      if (next >= n)
        throw new DataError(path, lineNo, 'trec_eval 10.0 reads past the end of the file after a comment on the last line; remove it');
      if (text.charCodeAt(next) === 35)
        throw new DataError(
          path,
          lineNo,
          'trec_eval 10.0 reads the line after a comment as a judgment even when it is a comment; merge these comment lines',
        );
      afterComment = true;
      p = next;
      continue;
    }
    afterComment = false;
    fs.length = 0;
    for (let i = p; i < e && fs.length < 5; ) {
      while (i < e && isBlank(text.charCodeAt(i))) i++;
      if (i === e) break;
      const s0 = i;
      while (i < e && !isBlank(text.charCodeAt(i))) i++;
      fs.push(text.slice(s0, i));
    }
    const lineStart = p;
    p = e + 1;
    if (fs.length === 0) continue;
    if (fs.length !== 4) {
      let count = fs.length;
      if (count === 5) count = countFields(text, lineStart, e);
      const hint = hash && !comments ? "; trec_eval 9 has no comment lines (trec_eval 10 skips lines starting with '#')" : '';
      throw new DataError(path, lineNo, `expected 4 columns 'qid iter docid grade', got ${count}${hint}`);
    }
    const [q, , docid, gradeText] = fs as [string, string, string, string];
    if (!/^[+-]?\d+$/.test(gradeText))
      throw new DataError(
        path,
        lineNo,
        `grade must be an integer, got '${displayText(gradeText)}' (trec_eval's atol would read a prefix of it)`,
      );
    const grade = Number(gradeText);
    if (Math.abs(grade) > MAX_GRADE)
      throw new DataError(path, lineNo, `grade ${gradeText} is out of range (at most ${MAX_GRADE} in absolute value)`);
    if (q !== qid || !docs) {
      qid = q;
      docs = qrels.get(q);
      if (!docs) qrels.set(q, (docs = new Map()));
    }
    if (docs.has(docid)) {
      if (grade > 0) repeatedRelevant++;
      if (!duplicates.has(q)) duplicates.set(q, { docid: displayText(docid), line: lineNo, first: firstLine(text, q, docid) });
      continue;
    }
    docs.set(docid, grade);
  }
  if (qrels.size === 0)
    (opts.warn ?? ((m: string) => process.stderr.write(`${m}\n`)))(`qexp: warning: ${path}: the qrels file has no judgments`);
  return { qrels, duplicates, repeatedRelevant, path };
}

function isBlank(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function countFields(text: string, s: number, e: number): number {
  let count = 0;
  for (let i = s; i < e; ) {
    while (i < e && isBlank(text.charCodeAt(i))) i++;
    if (i === e) break;
    count++;
    while (i < e && !isBlank(text.charCodeAt(i))) i++;
  }
  return count;
}

/** The line of a judgment's first occurrence (looked up only to report a repeated one). */
function firstLine(text: string, qid: string, docid: string): number {
  for (const { line, fields } of fieldLines(text)) if (fields[0] === qid && fields[2] === docid) return line;
  return 0;
}
