/**
 * Word tokens as Lucene's StandardTokenizer finds them: UAX#29 word boundaries (Intl.Segmenter
 * implements UAX#29), keeping word-like segments (letters, digits); every Han ideograph and every
 * hiragana character is a token of its own, as StandardTokenizer emits them, while katakana and
 * hangul runs stay whole; tokens longer than 255 characters are dropped.
 */

export const MAX_TOKEN_LENGTH = 255;

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });
const SINGLE_CHAR_SCRIPTS = /[\p{Script=Han}\p{Script=Hiragana}]/u;
const SPLIT_SINGLE = /([\p{Script=Han}\p{Script=Hiragana}])/u;
const KATAKANA = /^[\p{Script=Katakana}\u30FC\uFF70\uFF9E\uFF9F\u3099-\u309C]+$/u;
const HANGUL = /^\p{Script=Hangul}+$/u;
// Intl.Segmenter stalls on very long strings: cut them at white space into pieces of at most this size.
const PIECE = 8192;

/** StandardTokenizer's token types that matter downstream (CJKBigramFilter bigrams the last four). */
export type TokenType = 'word' | 'ideographic' | 'hiragana' | 'katakana' | 'hangul';

export interface RawToken {
  text: string;
  type: TokenType;
  /** UTF-16 offsets in the analyzed text. */
  start: number;
  end: number;
}

export function* standardTokens(text: string): Generator<RawToken> {
  for (const [base, piece] of pieces(text)) {
    for (const seg of segmenter.segment(piece)) {
      if (!seg.isWordLike) continue;
      const s = seg.segment;
      const at = base + seg.index;
      if (!SINGLE_CHAR_SCRIPTS.test(s)) {
        if (s.length <= MAX_TOKEN_LENGTH)
          yield { text: s, type: KATAKANA.test(s) ? 'katakana' : HANGUL.test(s) ? 'hangul' : 'word', start: at, end: at + s.length };
        continue;
      }
      let offset = at;
      for (const part of s.split(SPLIT_SINGLE)) {
        if (part === '') continue;
        if (SINGLE_CHAR_SCRIPTS.test(part)) {
          yield { text: part, type: /\p{Script=Han}/u.test(part) ? 'ideographic' : 'hiragana', start: offset, end: offset + part.length };
        } else if (part.length <= MAX_TOKEN_LENGTH) {
          yield {
            text: part,
            type: KATAKANA.test(part) ? 'katakana' : HANGUL.test(part) ? 'hangul' : 'word',
            start: offset,
            end: offset + part.length,
          };
        }
        offset += part.length;
      }
    }
  }
}

/** [offset, piece] of at most PIECE characters, cut at white space or sentence ends, else hard. */
function* pieces(text: string): Generator<[number, string]> {
  let start = 0;
  while (text.length - start > PIECE) {
    let cut = text.lastIndexOf(' ', start + PIECE);
    if (cut <= start) {
      const window = text.slice(start, start + PIECE);
      const m = /[\s\u3000。！？；]/g;
      let last = -1;
      for (let r = m.exec(window); r; r = m.exec(window)) last = r.index;
      cut = last > 0 ? start + last + 1 : start + PIECE;
    }
    yield [start, text.slice(start, cut)];
    start = cut;
  }
  yield [start, text.slice(start)];
}
