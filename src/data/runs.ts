import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
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

// C isspace without '\n' (which ends lines)
const SPACE = new Uint8Array(256);
for (const c of [9, 11, 12, 13, 32]) SPACE[c] = 1;
const POW10 = Array.from({ length: 16 }, (_, i) => 10 ** i);
// Buffer#latin1Slice is what toString('latin1', s, e) calls, without its argument checks (25% of
// the time to decode 7M short ids); it is not in Node's type definitions
const latin1 = (buf: Buffer, s: number, e: number): string =>
  (buf as unknown as { latin1Slice(s: number, e: number): string }).latin1Slice(s, e);

/**
 * A TREC run, `qid Q0 docid rank score tag`, read as trec_eval reads it: fields after the sixth
 * are ignored, the rank column is not used, the score is the number C's strtod reads from the
 * whole field (anything else is an error with the line), `runid` is the last line's tag. The
 * bytes are parsed directly, without a string per line; `.gz` files are decompressed.
 */
export async function readRun(path: string, opts: ReadRunOptions = {}): Promise<Run> {
  const byQuery = new Map<string, List>();
  const comments = opts.comments === true;
  let lineNo = 0;
  let dataLines = 0;
  let prevQid = '';
  let cur: List | undefined;
  let tag = '';
  const starts = new Int32Array(6);
  const ends = new Int32Array(6);

  const fail = (detail: string): never => {
    throw new DataError(path, lineNo, detail);
  };

  const parseLine = (buf: Buffer, p: number, e: number): void => {
    lineNo++;
    let i = p;
    while (i < e && SPACE[buf[i] as number]) i++;
    if (i === e) return;
    if (comments && buf[i] === 35) return;
    let n = 0;
    while (i < e && n < 6) {
      starts[n] = i;
      while (i < e && !SPACE[buf[i] as number]) {
        if (buf[i] === 0) fail('a NUL byte in the line: this is not a text run file');
        i++;
      }
      ends[n++] = i;
      while (i < e && SPACE[buf[i] as number]) i++;
    }
    if (n < 6) {
      const hint =
        buf[starts[0] as number] === 35 && !comments
          ? "; trec_eval 9 has no comment lines (trec_eval 10 skips lines starting with '#')"
          : '';
      fail(`expected 6 columns 'qid Q0 docid rank score tag', got ${n}${hint}`);
    }
    dataLines++;
    // the qid usually repeats the previous line's: compare bytes instead of decoding
    const qs = starts[0] as number;
    const qe = ends[0] as number;
    let same = cur !== undefined && qe - qs === prevQid.length;
    for (let k = 0; same && k < prevQid.length; k++) if (buf[qs + k] !== prevQid.charCodeAt(k)) same = false;
    if (!same) {
      prevQid = latin1(buf, qs, qe);
      cur = byQuery.get(prevQid);
      if (!cur) byQuery.set(prevQid, (cur = new List()));
    }
    const list = cur as List;
    const score = parseScore(buf, starts[4] as number, ends[4] as number);
    if (score === undefined) {
      const text = displayText(latin1(buf, starts[4] as number, ends[4] as number));
      fail(`score '${text}' is not a number as C's strtod reads it (trec_eval's atof would silently read a prefix of it)`);
    }
    list.docids.push(latin1(buf, starts[2] as number, ends[2] as number));
    list.scores.push(score as number);
    list.lines.push(lineNo);
  };

  let rest: Buffer | undefined;
  let first = true;
  for await (const chunk of openRun(path)) {
    const buf = rest ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let p = 0;
    if (first && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3; // a UTF-8 byte order mark
    first = false;
    let tagStart = -1;
    let tagEnd = -1;
    for (let nl = buf.indexOf(10, p); nl >= 0; nl = buf.indexOf(10, p)) {
      const before = dataLines;
      parseLine(buf, p, nl);
      if (dataLines !== before) {
        tagStart = starts[5] as number;
        tagEnd = ends[5] as number;
      }
      p = nl + 1;
    }
    if (tagStart >= 0) tag = latin1(buf, tagStart, tagEnd);
    rest = p < buf.length ? buf.subarray(p) : undefined;
  }
  if (rest) {
    const before = dataLines;
    parseLine(rest, 0, rest.length);
    if (dataLines !== before) tag = latin1(rest, starts[5] as number, ends[5] as number);
  }
  if (dataLines === 0) throw new DataError(path, undefined, 'the run has no result lines');
  return { byQuery, tag, path };
}

function openRun(path: string): Readable {
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  return path.endsWith('.gz') ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
}

/**
 * strtod on a field: plain decimals of up to 15 digits are computed directly (m / 10^k is
 * correctly rounded when m < 2^53 and k ≤ 22, so equal to strtod's value); the rest go through
 * the full grammar.
 */
function parseScore(buf: Buffer, s: number, e: number): number | undefined {
  let i = s;
  let neg = false;
  if (buf[i] === 45) {
    neg = true;
    i++;
  } else if (buf[i] === 43) i++;
  let m = 0;
  let digits = 0;
  let frac = -1;
  for (; i < e; i++) {
    const c = buf[i] as number;
    if (c >= 48 && c <= 57) {
      m = m * 10 + (c - 48);
      digits++;
    } else if (c === 46 && frac < 0) frac = digits;
    else return parseCDouble(latin1(buf, s, e));
  }
  if (digits === 0 || digits > 15) return parseCDouble(latin1(buf, s, e));
  const v = frac >= 0 && frac < digits ? m / (POW10[digits - frac] as number) : m;
  return neg ? -v : v;
}
