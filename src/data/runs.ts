import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { parseCDouble } from '../eval/c-numbers.js';
import { DataError } from './data-error.js';
import { displayText } from './trec-fields.js';

/** One query's documents in file order (evaluation ranks them as trec_eval does). */
export interface RankedList {
  /** Document ids as byte strings (see `trec-fields.ts`). */
  docids: string[];
  /** Scores as `strtod` reads them (double); trec_eval 9 then stores them as C floats. */
  scores: number[];
  /** Line of each document in the file, for error messages. */
  lines: number[];
  readonly length: number;
}

export interface Run {
  /** qid (a byte string) → its documents. */
  byQuery: Map<string, RankedList>;
  /** The run tag of the last line (the one trec_eval prints as runid). */
  tag: string;
  path: string;
}

export interface ReadRunOptions {
  /** trec_eval 10: a line whose first non-blank character is `#` is a comment. */
  comments?: boolean;
}

class List implements RankedList {
  docids: string[] = [];
  scores: number[] = [];
  lines: number[] = [];
  get length(): number {
    return this.docids.length;
  }
}

const CHUNK = 4 << 20;

// a line of six or more fields (C isspace separates them; the qid's first character is not '#'
// for trec_eval 10, whose comment lines are skipped)
const F = '[^\\t\\n\\v\\f\\r ]+';
const B = '[\\t\\v\\f\\r ]+';
const LINE = new RegExp(`^[\\t\\v\\f\\r ]*${F}${B}${F}${B}(${F})${B}${F}${B}(${F})${B}${F}[^\\n]*`, 'gm');
const LINE_NO_COMMENT = new RegExp(
  `^[\\t\\v\\f\\r ]*[^\\t\\n\\v\\f\\r #][^\\t\\n\\v\\f\\r ]*${B}${F}${B}(${F})${B}${F}${B}(${F})${B}${F}[^\\n]*`,
  'gm',
);

/** The sixth field of the line starting at `s`. */
function tagOf(text: string, s: number, e: number): string {
  let i = s;
  for (let k = 0; k < 5; k++) {
    while (i < e && space(text.charCodeAt(i))) i++;
    while (i < e && !space(text.charCodeAt(i))) i++;
  }
  while (i < e && space(text.charCodeAt(i))) i++;
  const t = i;
  while (i < e && !space(text.charCodeAt(i))) i++;
  return text.slice(t, i);
}

/** C isspace without '\n' (which ends lines). */
const space = (c: number) => c === 32 || (c >= 9 && c <= 13 && c !== 10);

/**
 * A TREC run, `qid Q0 docid rank score tag`, read as trec_eval reads it: fields after the sixth
 * are ignored, the rank column is not used, the score is the number C's strtod reads from the
 * whole field (anything else is an error with the line), `runid` is the last line's tag. The file
 * is read in large chunks decoded as latin1 (one char per byte) and scanned in place: no string
 * per line, ids are slices. `.gz` files are decompressed.
 */
export async function readRun(path: string, opts: ReadRunOptions = {}): Promise<Run> {
  const reader = new RunReader(path, opts.comments === true);
  forEachChunk(path, (text) => reader.chunk(text));
  if (reader.dataLines === 0) throw new DataError(path, undefined, 'the run has no result lines');
  return { byQuery: reader.byQuery, tag: reader.tag, path };
}

/** Calls `fn` with the file's text (latin1) in chunks that end at a line end, the last one flagged. */
function forEachChunk(path: string, fn: (text: string, last: boolean) => void): void {
  let carry = '';
  let first = true;
  const emit = (buf: Buffer, n: number, last: boolean) => {
    let text = carry + buf.toString('latin1', 0, n);
    if (first && text.startsWith('\xEF\xBB\xBF')) text = text.slice(3); // a UTF-8 byte order mark
    first = false;
    const cut = last ? text.length : text.lastIndexOf('\n') + 1;
    carry = text.slice(cut);
    if (cut > 0 || last) fn(text.slice(0, cut), last);
  };
  if (path.endsWith('.gz')) {
    const all = gunzipSync(readFileSync(path));
    for (let at = 0; at < all.length || at === 0; at += CHUNK) {
      const part = all.subarray(at, Math.min(at + CHUNK, all.length));
      emit(part, part.length, at + CHUNK >= all.length);
    }
    return;
  }
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const n = readSync(fd, buf, 0, CHUNK, null);
      emit(buf, n, n === 0);
      if (n === 0) break;
    }
  } finally {
    closeSync(fd);
  }
}

class RunReader {
  byQuery = new Map<string, List>();
  tag = '';
  dataLines = 0;
  private lineNo = 0;
  private prevQid = '';
  private cur: List | undefined;
  constructor(
    private readonly path: string,
    private readonly comments: boolean,
  ) {}

  private fail(detail: string): never {
    throw new DataError(this.path, this.lineNo, detail);
  }

  chunk(text: string): void {
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      this.lineNo += text.slice(0, nul).split('\n').length;
      this.fail('a NUL byte: this is not a text run file');
    }
    // Well-formed lines are matched by a regular expression (native code from the first line,
    // where a hand-written scanner runs in the interpreter until it is compiled: 3× the time of
    // a DL19 run); the lines between two matches go through the scanner, which skips blank and
    // comment lines and reports malformed ones.
    const re = this.comments ? LINE_NO_COMMENT : LINE;
    re.lastIndex = 0;
    this.lastSlowLine = -1;
    let expect = 0;
    let lastStart = -1;
    let lastEnd = -1;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      const end = m.index + m[0].length;
      if (m.index > expect) this.slowLines(text, expect, m.index);
      this.lineNo++;
      this.add(this.qidAt(text, m.index), m[1] as string, m[2] as string);
      lastStart = m.index;
      lastEnd = end;
      expect = end + 1;
    }
    if (expect < text.length) this.slowLines(text, expect, text.length);
    if (lastStart >= 0 && this.lastSlowLine < lastStart) this.tag = tagOf(text, lastStart, lastEnd);
  }

  private lastSlowLine = -1;

  /** The qid of the line at `s`: the previous line's when its bytes are there (no new string), else sliced. */
  private qidAt(text: string, s: number): string {
    let i = s;
    while (space(text.charCodeAt(i))) i++;
    const q = this.prevQid;
    if (q && text.startsWith(q, i) && space(text.charCodeAt(i + q.length))) return q;
    const a = i;
    while (!space(text.charCodeAt(i))) i++;
    return text.slice(a, i);
  }

  private add(qid: string, docid: string, scoreText: string): void {
    this.dataLines++;
    let list = this.cur;
    if (!list || qid !== this.prevQid) {
      this.prevQid = qid;
      list = this.byQuery.get(qid);
      if (!list) this.byQuery.set(qid, (list = new List()));
      this.cur = list;
    }
    const score = parseCDouble(scoreText);
    if (score === undefined)
      this.fail(
        `score '${displayText(scoreText)}' is not a number as C's strtod reads it (trec_eval's atof would silently read a prefix of it)`,
      );
    list.docids.push(docid);
    list.scores.push(score as number);
    list.lines.push(this.lineNo);
  }

  /** Lines the expression did not match: blank, comment (trec_eval 10) or malformed. */
  private slowLines(text: string, from: number, to: number): void {
    for (let p = from; p < to; ) {
      let e = text.indexOf('\n', p);
      if (e < 0 || e > to) e = to;
      this.lineNo++;
      const s = p;
      p = e + 1;
      let i = s;
      while (i < e && space(text.charCodeAt(i))) i++;
      if (i === e) continue;
      if (this.comments && text.charCodeAt(i) === 35) continue;
      const f: number[] = [];
      while (i < e && f.length < 12) {
        const a = i;
        while (i < e && !space(text.charCodeAt(i))) i++;
        f.push(a, i);
        while (i < e && space(text.charCodeAt(i))) i++;
      }
      if (f.length < 12) this.short(text, s, e);
      this.add(text.slice(f[0], f[1]), text.slice(f[4], f[5]), text.slice(f[8], f[9]));
      this.tag = text.slice(f[10], f[11]);
      this.lastSlowLine = s;
    }
  }

  /** A line with fewer than six fields. */
  private short(text: string, s: number, e: number): never {
    let n = 0;
    for (let i = s; i < e; ) {
      while (i < e && space(text.charCodeAt(i))) i++;
      if (i === e) break;
      n++;
      while (i < e && !space(text.charCodeAt(i))) i++;
    }
    const hint =
      text.charCodeAt(s) === 35 && !this.comments ? "; trec_eval 9 has no comment lines (trec_eval 10 skips lines starting with '#')" : '';
    this.fail(`expected 6 columns 'qid Q0 docid rank score tag', got ${n}${hint}`);
  }
}
