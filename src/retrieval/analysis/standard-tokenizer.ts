/**
 * Lucene's StandardTokenizer: UAX#29 word boundaries as Lucene's JFlex grammar applies them (see
 * scripts/gen-word-break.mjs for the rules), run as a table-driven state machine over character
 * classes generated from the Unicode data of the version each Lucene line follows:
 * - `lucene8`: Unicode 9.0 with Emoji 11.0 properties (Lucene 7.x–8.x);
 * - `lucene9`: Unicode 12.1 (Lucene 9.x and 10.x, what current Anserini runs).
 *
 * Like Lucene, a token is the longest match within 255 UTF-16 units of where it starts (the
 * scanner's buffer, whose reads are replayed exactly): a longer word is cut there and the rest
 * starts a new token.
 */
import { WORD_BREAK_DATA } from './word-break-data.js';

export type UnicodeRules = keyof typeof WORD_BREAK_DATA;
export const UNICODE_RULES = Object.keys(WORD_BREAK_DATA) as UnicodeRules[];
/** What current Anserini (Lucene 9/10) tokenizes with. */
export const DEFAULT_RULES: UnicodeRules = 'lucene9';

export const MAX_TOKEN_LENGTH = 255;

/** Token types, numbered as the rules of the grammar. */
export const TOKEN_TYPES = ['EMOJI', 'NUM', 'HANGUL', 'KATAKANA', 'ALPHANUM', 'SOUTHEAST_ASIAN', 'IDEOGRAPHIC', 'HIRAGANA'] as const;
export type TokenType = (typeof TOKEN_TYPES)[number];
export const EMOJI = 0;
export const HANGUL = 2;
export const KATAKANA = 3;
export const IDEOGRAPHIC = 6;
export const HIRAGANA = 7;
const SKIP = 8;

interface Tables {
  classes: number;
  classOf: Uint8Array;
  transitions: Uint16Array;
  accept: Int8Array;
  /** States with no way on: the scanner stops there without reading the next character. */
  sink: Uint8Array;
}

const loaded = new Map<UnicodeRules, Tables>();

function tables(rules: UnicodeRules): Tables {
  let t = loaded.get(rules);
  if (t) return t;
  const d = WORD_BREAK_DATA[rules];
  if (!d) throw new Error(`unknown tokenizer rules '${rules}'; available: ${UNICODE_RULES.join(', ')}`);
  const runs = Buffer.from(d.classRuns, 'base64');
  const classOf = new Uint8Array(0x110000);
  let c = 0;
  for (let i = 0; i < runs.length; ) {
    let len = 0;
    let shift = 0;
    for (;;) {
      const b = runs[i++] as number;
      len |= (b & 0x7f) << shift;
      shift += 7;
      if (b < 0x80) break;
    }
    classOf.fill(runs[i++] as number, c, c + len);
    c += len;
  }
  const tr = Buffer.from(d.transitions, 'base64');
  const ac = Buffer.from(d.accept, 'base64');
  const transitions = new Uint16Array(tr.buffer.slice(tr.byteOffset, tr.byteOffset + tr.byteLength));
  const sink = new Uint8Array(d.states);
  for (let st = 0; st < d.states; st++) sink[st] = transitions.subarray(st * d.classes, (st + 1) * d.classes).every((x) => x === 0) ? 1 : 0;
  t = {
    classes: d.classes,
    classOf,
    transitions,
    accept: new Int8Array(ac.buffer.slice(ac.byteOffset, ac.byteOffset + ac.byteLength)),
    sink,
  };
  loaded.set(rules, t);
  return t;
}

/**
 * Reads the tokens of one text after another without allocating: after `reset(text)`, each
 * `next()` that returns true leaves the token in `start`, `end` (UTF-16 offsets) and `type`.
 */
export class StandardTokenizer {
  start = 0;
  end = 0;
  /** Index into TOKEN_TYPES. */
  type = 0;
  private text = '';
  private pos = 0;
  // Lucene's scanner buffer: [bufStart, bufEnd) of the text, and a high surrogate held back
  private bufStart = 0;
  private bufEnd = 0;
  private hidden = 0;
  private readonly classes: number;
  private readonly classOf: Uint8Array;
  private readonly transitions: Uint16Array;
  private readonly accept: Int8Array;
  private readonly sink: Uint8Array;

  constructor(rules: UnicodeRules = DEFAULT_RULES) {
    const t = tables(rules);
    this.classes = t.classes;
    this.classOf = t.classOf;
    this.transitions = t.transitions;
    this.accept = t.accept;
    this.sink = t.sink;
  }

  reset(text: string): this {
    this.text = text;
    this.pos = 0;
    this.bufStart = 0;
    this.bufEnd = 0;
    this.hidden = 0;
    return this;
  }

  next(): boolean {
    const text = this.text;
    const classOf = this.classOf;
    const trans = this.transitions;
    const accept = this.accept;
    const sink = this.sink;
    const nc = this.classes;
    let pos = this.pos;
    for (;;) {
      const start = pos;
      let state = 1;
      let p = start;
      let rule = -1;
      let end = start;
      for (;;) {
        if (p >= this.bufEnd && this.refill(start)) break;
        let c = text.charCodeAt(p);
        let len = 1;
        if ((c & 0xfc00) === 0xd800 && p + 1 < this.bufEnd) {
          const d = text.charCodeAt(p + 1);
          if ((d & 0xfc00) === 0xdc00) {
            c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
            len = 2;
          }
        }
        state = trans[state * nc + (classOf[c] as number)] as number;
        if (state === 0) break;
        p += len;
        const a = accept[state] as number;
        if (a >= 0) {
          rule = a;
          end = p;
          // Lucene's scanner reads no further from a state with no way on (this decides where
          // a read happens, and so where the end of a text with a lone high surrogate is seen)
          if (sink[state] === 1) break;
        }
      }
      if (rule < 0) {
        // the end of the text seen where a token would start: Lucene's scanner stops there
        this.pos = this.bufEnd = this.text.length;
        return false;
      }
      pos = end;
      if (rule !== SKIP) {
        this.start = start;
        this.end = end;
        this.type = rule;
        this.pos = pos;
        return true;
      }
    }
  }

  /**
   * Lucene's scanner reads its input into a buffer of 255 UTF-16 units that starts where the
   * current token starts; reaching the buffer's end reads more, or ends the token (the buffer is
   * full, or the input is at its end). A high surrogate that ends a full read waits for the next
   * read. Returns true where the scanner sees the end. Text ending with a lone high surrogate
   * makes the read that reaches it report the end at once, as Lucene's does.
   */
  private refill(start: number): boolean {
    if (start > this.bufStart) {
      this.bufEnd += this.hidden;
      this.hidden = 0;
      this.bufStart = start;
    }
    const requested = MAX_TOKEN_LENGTH - (this.bufEnd - this.bufStart) - this.hidden;
    if (requested === 0) return true;
    const read = Math.min(requested, this.text.length - this.bufEnd);
    if (read <= 0) return true;
    this.bufEnd += read;
    if ((this.text.charCodeAt(this.bufEnd - 1) & 0xfc00) === 0xd800) {
      if (read < requested) return true;
      this.bufEnd--;
      this.hidden = 1;
      if (read === 1) return true;
    }
    return false;
  }
}

export interface RawToken {
  text: string;
  type: TokenType;
  /** UTF-16 offsets in the analyzed text. */
  start: number;
  end: number;
}

/** The tokens of a text as objects (for tests and the CJK analyzer; indexing uses StandardTokenizer). */
export function standardTokens(text: string, rules: UnicodeRules = DEFAULT_RULES): RawToken[] {
  const tok = new StandardTokenizer(rules).reset(text);
  const out: RawToken[] = [];
  while (tok.next())
    out.push({ text: text.slice(tok.start, tok.end), type: TOKEN_TYPES[tok.type] as TokenType, start: tok.start, end: tok.end });
  return out;
}
