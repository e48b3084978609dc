import { DataError } from './data-error.js';

/** White space or a control character: TREC run and qrels lines split on white space, and the index keeps one id a line. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this refuses
const BAD_ID = /[\s\u0000-\u001f\u007f-\u009f\u2028\u2029\ufeff]/u;

/**
 * A document or query id as qexp can carry it through an index, a run file and trec_eval: not
 * empty, no white space, no control character. Anything else is refused where it is read, with
 * the file, the line and the id, instead of shifting the ids after it or writing a run qexp then
 * cannot read back.
 */
export function checkId(id: string, what: 'document' | 'query', file: string, line: number | undefined): string {
  if (id === '') throw new DataError(file, line, `empty ${what} id`);
  if (BAD_ID.test(id))
    throw new DataError(
      file,
      line,
      `${what} id ${JSON.stringify(id)} contains white space or a control character, which run files (qid Q0 docid rank score tag) cannot hold: fix the id in the file`,
    );
  return id;
}
