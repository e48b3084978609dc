/**
 * Lucene's WhitespaceTokenizer (a CharTokenizer): tokens are maximal runs of characters that are
 * not white space by Java's `Character.isWhitespace`, and a run longer than 255 UTF-16 code units
 * is cut into tokens of 255 (a surrogate pair is never split, so one may reach 256).
 */

/** Java's Character.isWhitespace: space, line and paragraph separators other than the no-break spaces, and the ASCII controls it lists. */
export function isJavaWhitespace(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x1f);
  if (c < 0x1680) return false;
  return (
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x2006) ||
    (c >= 0x2008 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x205f ||
    c === 0x3000
  );
}

/** The longest token: a CharTokenizer cuts longer runs. */
export const MAX_TOKEN = 255;

/** Calls emit(from, to) for every token of text, in order. */
export function whitespaceSpans(text: string, emit: (from: number, to: number) => void): void {
  const n = text.length;
  let i = 0;
  while (i < n) {
    let c = text.charCodeAt(i);
    if (isJavaWhitespace(c)) {
      i++;
      continue;
    }
    const start = i;
    while (i < n) {
      c = text.charCodeAt(i);
      if (isJavaWhitespace(c)) break;
      if (i - start >= MAX_TOKEN) break;
      // a high surrogate takes its low surrogate along (a lone one is a character of its own)
      i += (c & 0xfc00) === 0xd800 && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00 ? 2 : 1;
    }
    emit(start, i);
  }
}

export function whitespaceTokens(text: string): string[] {
  const out: string[] = [];
  whitespaceSpans(text, (a, b) => out.push(text.slice(a, b)));
  return out;
}

const LETTER = /\p{L}/u;

/**
 * Lucene's LetterTokenizer (a CharTokenizer, as WhitespaceTokenizer): maximal runs of letters
 * (Character.isLetter: general category L), cut into tokens of 255 code units (256 where the last
 * character is a surrogate pair).
 */
export function letterTokens(text: string): string[] {
  const out: string[] = [];
  const n = text.length;
  let start = -1;
  for (let i = 0; i < n; ) {
    const c = text.codePointAt(i) as number;
    const len = c > 0xffff ? 2 : 1;
    if (LETTER.test(String.fromCodePoint(c))) {
      if (start < 0) start = i;
      i += len;
      if (i - start >= MAX_TOKEN) {
        out.push(text.slice(start, i));
        start = -1;
      }
    } else {
      if (start >= 0) out.push(text.slice(start, i));
      start = -1;
      i += len;
    }
  }
  if (start >= 0) out.push(text.slice(start));
  return out;
}
