/**
 * Word tokens as Lucene's StandardTokenizer finds them: UAX#29 word boundaries (Intl.Segmenter
 * implements UAX#29), keeping word-like segments (letters, digits); every ideograph and every
 * hiragana character is a token of its own, as StandardTokenizer emits them; tokens longer than
 * 255 characters are dropped.
 */

export const MAX_TOKEN_LENGTH = 255;

const segmenter = new Intl.Segmenter('en', { granularity: 'word' });
// Han ideographs and Hiragana: one token per character in StandardTokenizer (Katakana and Hangul
// runs stay whole).
const SINGLE_CHAR_SCRIPTS = /[\p{Script=Han}\p{Script=Hiragana}]/u;
const SPLIT_SINGLE = /([\p{Script=Han}\p{Script=Hiragana}])/u;
// Intl.Segmenter stalls on very long strings: cut them at white space into pieces of at most this size.
const PIECE = 8192;

export type TokenType = 'word' | 'ideographic';

export interface RawToken {
  text: string;
  type: TokenType;
}

export function* standardTokens(text: string): Generator<RawToken> {
  for (const piece of pieces(text)) {
    for (const seg of segmenter.segment(piece)) {
      if (!seg.isWordLike) continue;
      const s = seg.segment;
      if (!SINGLE_CHAR_SCRIPTS.test(s)) {
        if (s.length <= MAX_TOKEN_LENGTH) yield { text: s, type: 'word' };
        continue;
      }
      for (const part of s.split(SPLIT_SINGLE)) {
        if (part === '') continue;
        if (SINGLE_CHAR_SCRIPTS.test(part)) yield { text: part, type: 'ideographic' };
        else if (part.length <= MAX_TOKEN_LENGTH) yield { text: part, type: 'word' };
      }
    }
  }
}

/** Pieces of at most PIECE characters, cut at white space (a word boundary in every script), else hard. */
function* pieces(text: string): Generator<string> {
  let start = 0;
  while (text.length - start > PIECE) {
    let cut = text.lastIndexOf(' ', start + PIECE);
    if (cut <= start) {
      const ws = /[\s\u3000。！？]/g;
      ws.lastIndex = start + 1;
      const m = ws.exec(text.slice(0, start + PIECE));
      cut = m ? m.index : start + PIECE;
    }
    yield text.slice(start, cut);
    start = cut;
  }
  yield text.slice(start);
}
