import { ENGLISH_STOP_WORDS, lowerCase } from './english.js';
import { DEFAULT_RULES, HANGUL, HIRAGANA, IDEOGRAPHIC, KATAKANA, StandardTokenizer, type UnicodeRules } from './standard-tokenizer.js';

/** Lucene's CJKAnalyzer default stop set (analysis/cjk/stopwords.txt): the English list without "an", plus s, t, www. */
export const CJK_STOP_WORDS: ReadonlySet<string> = new Set([...[...ENGLISH_STOP_WORDS].filter((w) => w !== 'an'), 's', 't', 'www']);

/** CJKWidthFilter: full-width ASCII variants to ASCII, half-width katakana to full-width (voiced marks composed). */
export function foldWidth(s: string): string {
  if (!/[\uFF01-\uFF5E\uFF65-\uFF9F]/.test(s)) return s;
  return s
    .replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/[\uFF65-\uFF9F]+/g, (run) => run.normalize('NFKC'));
}

const tokenizers = new Map<UnicodeRules, StandardTokenizer>();

/**
 * Lucene's CJKAnalyzer as Anserini uses it for MIRACL-zh: StandardTokenizer → CJKWidthFilter →
 * LowerCaseFilter → CJKBigramFilter (overlapping bigrams over runs of adjacent Han, Hiragana,
 * Katakana and Hangul tokens, adjacent meaning no character between them; a lone character
 * stays a unigram; other tokens pass through) → StopFilter.
 */
export function analyzeCjk(text: string, out: string[] = [], rules: UnicodeRules = DEFAULT_RULES): string[] {
  let tok = tokenizers.get(rules);
  if (!tok) tokenizers.set(rules, (tok = new StandardTokenizer(rules)));
  let run: string[] = [];
  let runEnd = -1;
  const flush = () => {
    if (run.length === 1) out.push(run[0] as string);
    for (let i = 0; i + 1 < run.length; i++) out.push((run[i] as string) + (run[i + 1] as string));
    run = [];
  };
  tok.reset(text);
  while (tok.next()) {
    const t = lowerCase(foldWidth(text.slice(tok.start, tok.end)));
    const type = tok.type;
    if (type === IDEOGRAPHIC || type === HIRAGANA || type === KATAKANA || type === HANGUL) {
      if (tok.start !== runEnd) flush();
      for (const ch of t) run.push(ch);
      runEnd = tok.end;
    } else {
      flush();
      runEnd = -1;
      if (!CJK_STOP_WORDS.has(t)) out.push(t);
    }
  }
  flush();
  return out;
}

const wordSegmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/**
 * Dictionary word segmentation of Chinese (ICU's, through Intl.Segmenter), lower-cased; the text is
 * cut into sentences first because the segmenter stalls on very long strings. No stop words.
 */
export function analyzeZhWords(text: string, out: string[] = []): string[] {
  for (const sentence of text.split(/(?<=[。！？；!?;\n])/)) {
    for (let i = 0; i < sentence.length; i += 2000) {
      for (const seg of wordSegmenter.segment(sentence.slice(i, i + 2000))) {
        if (seg.isWordLike) out.push(lowerCase(foldWidth(seg.segment)));
      }
    }
  }
  return out;
}
