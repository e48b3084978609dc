import { stemmer } from 'stemmer';
import { standardTokens } from './standard-tokenizer.js';

/** Lucene's EnglishAnalyzer.ENGLISH_STOP_WORDS_SET (33 words), the default of Anserini's analyzer. */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set([
  'a',
  'an',
  'and',
  'are',
  'as',
  'at',
  'be',
  'but',
  'by',
  'for',
  'if',
  'in',
  'into',
  'is',
  'it',
  'no',
  'not',
  'of',
  'on',
  'or',
  'such',
  'that',
  'the',
  'their',
  'then',
  'there',
  'these',
  'they',
  'this',
  'to',
  'was',
  'will',
  'with',
]);

const APOSTROPHES = new Set(["'", '\u2019', '\uFF07']);

/** EnglishPossessiveFilter: a trailing 's (with ', ’ or ＇) is removed. */
export function removePossessive(t: string): string {
  if (t.length >= 2 && APOSTROPHES.has(t[t.length - 2] as string) && (t.endsWith('s') || t.endsWith('S'))) return t.slice(0, -2);
  return t;
}

/** Java's Character.toLowerCase per code point (U+0130 İ becomes i, not i + combining dot). */
export function lowerCase(t: string): string {
  const lower = t.toLowerCase();
  return lower.length === t.length ? lower : t.replace(/\u0130/g, 'i').toLowerCase();
}

/**
 * Anserini's default English analysis: StandardTokenizer → EnglishPossessiveFilter →
 * LowerCaseFilter → StopFilter (33 words) → PorterStemFilter (the original Porter stemmer).
 */
export function analyzeEnglish(text: string, out: string[] = []): string[] {
  for (const tok of standardTokens(text)) {
    const t = lowerCase(removePossessive(tok.text));
    if (t === '' || ENGLISH_STOP_WORDS.has(t)) continue;
    out.push(stemmer(t));
  }
  return out;
}
