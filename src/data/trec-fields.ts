import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DataError } from './data-error.js';

/**
 * TREC text files (runs, qrels, prefs) as trec_eval reads them: fields are separated by C
 * `isspace` characters, lines end at `\n` (so `\r\n` works), and ids are byte strings. Files are
 * decoded as latin1 so that each byte is one character: ids compare as trec_eval's `strcmp` does
 * and any bytes (even invalid UTF-8) survive; `displayText` turns them back into UTF-8 for messages.
 */
export async function readTextBytes(path: string, encoding: 'latin1' | 'utf8' = 'latin1'): Promise<string> {
  // synchronous: fs/promises costs `qexp eval` tens of milliseconds of start-up (AbortController)
  const raw = readFileSync(path);
  const buf = path.endsWith('.gz') ? gunzipSync(raw) : raw;
  let text = buf.toString(encoding);
  if (encoding === 'latin1' ? text.startsWith('\xEF\xBB\xBF') : text.charCodeAt(0) === 0xfeff)
    text = text.slice(encoding === 'latin1' ? 3 : 1);
  return text;
}

/** strcmp order of two byte strings (JavaScript compares their chars, each one byte). */
export function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A latin1 byte string as the UTF-8 text it encodes (unchanged when it is ASCII). */
export function displayText(bytes: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for non-ASCII bytes
  return /^[\x00-\x7f]*$/.test(bytes) ? bytes : Buffer.from(bytes, 'latin1').toString('utf8');
}

/** A UTF-8 string as its latin1 byte string (unchanged when it is ASCII). */
export function byteText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for non-ASCII characters
  return /^[\x00-\x7f]*$/.test(text) ? text : Buffer.from(text, 'utf8').toString('latin1');
}

export interface FieldLine {
  /** 1-based line number in the file. */
  line: number;
  /** Whitespace-separated fields (empty for a blank line). */
  fields: string[];
  /** The line starts with `#` in its first column (trec_eval 10's comment lines). */
  hash: boolean;
}

/** Lines of a TREC text file, each split into fields as trec_eval splits them. */
export function* fieldLines(text: string): Generator<FieldLine> {
  let line = 0;
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = n;
    line++;
    const fields: string[] = [];
    let i = pos;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === 32 || (c >= 9 && c <= 13)) {
        i++;
        continue;
      }
      const s = i;
      while (i < end) {
        const d = text.charCodeAt(i);
        if (d === 32 || (d >= 9 && d <= 13)) break;
        i++;
      }
      fields.push(text.slice(s, i));
    }
    yield { line, fields, hash: text.charCodeAt(pos) === 35 };
    pos = end + 1;
  }
}

/**
 * The data lines of a judgment file (blank lines skipped). Under trec_eval 10.0 a `#` in the first
 * column skips that line, but its reader then takes the next line as data whatever it is, so a
 * comment followed by another comment (read as a judgment) or ending the file (read past the end)
 * is refused here; trec_eval 9 reads `#` lines as data.
 */
export function* judgmentLines(path: string, text: string, version: 9 | 10): Generator<FieldLine> {
  const lines = [...fieldLines(text)];
  let afterComment = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as FieldLine;
    if (version === 10 && l.hash && !afterComment) {
      const next = lines[i + 1];
      if (!next)
        throw new DataError(path, l.line, 'trec_eval 10.0 reads past the end of the file after a comment on the last line; remove it');
      if (next.hash)
        throw new DataError(
          path,
          l.line,
          'trec_eval 10.0 reads the line after a comment as a judgment even when it is a comment; merge these comment lines',
        );
      afterComment = true;
      continue;
    }
    afterComment = false;
    if (l.fields.length > 0) yield l;
  }
}
