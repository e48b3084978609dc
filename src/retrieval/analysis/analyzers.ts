import { analyzeCjk, analyzeZhWords } from './cjk.js';
import { analyzeEnglish, lowerCase } from './english.js';
import { letterTokens, whitespaceSpans, whitespaceTokens } from './whitespace.js';
import { WORD_BREAK_DATA } from './word-break-data.js';

export type AnalyzerName = 'english' | 'english-lucene8' | 'cjk' | 'cjk-lucene8' | 'zh-words' | 'whitespace' | 'simple';

export interface Analyzer {
  name: AnalyzerName;
  /** Recorded in the index: searching with other settings is an error. */
  params: Record<string, unknown>;
  analyze(text: string): string[];
  /**
   * For analyzers whose tokens are verbatim pieces of the text: calls emit(from, to) per token,
   * in the order of `analyze`, so that indexing needs no token strings.
   */
  spans?: (text: string, emit: (from: number, to: number) => void) => void;
}

// StandardTokenizer's rules: Lucene 9/10's (Unicode 12.1, what current Anserini runs) by
// default; the `-lucene8` analyzers follow Lucene 8's (Unicode 9.0, Emoji 11.0).
const LUCENE9 = { tokenizer: 'lucene9', unicode: WORD_BREAK_DATA.lucene9.unicode };
const LUCENE8 = { tokenizer: 'lucene8', unicode: WORD_BREAK_DATA.lucene8.unicode };
const ENGLISH = { stemmer: 'porter', stopwords: 'lucene-english-33', possessive: true };
const CJK = { bigrams: 'han+hiragana+katakana+hangul', stopwords: 'lucene-cjk', width: true };

const ANALYZERS: Record<AnalyzerName, Analyzer> = {
  english: { name: 'english', params: { ...ENGLISH, ...LUCENE9 }, analyze: (t) => analyzeEnglish(t, [], 'lucene9') },
  'english-lucene8': { name: 'english-lucene8', params: { ...ENGLISH, ...LUCENE8 }, analyze: (t) => analyzeEnglish(t, [], 'lucene8') },
  cjk: { name: 'cjk', params: { ...CJK, ...LUCENE9 }, analyze: (t) => analyzeCjk(t, [], 'lucene9') },
  'cjk-lucene8': { name: 'cjk-lucene8', params: { ...CJK, ...LUCENE8 }, analyze: (t) => analyzeCjk(t, [], 'lucene8') },
  'zh-words': { name: 'zh-words', params: { segmenter: 'icu-dictionary' }, analyze: (t) => analyzeZhWords(t) },
  // Lucene's WhitespaceAnalyzer: split on white space (Java's), nothing else.
  whitespace: { name: 'whitespace', params: { maxTokenLength: 255 }, analyze: whitespaceTokens, spans: whitespaceSpans },
  // Lucene's SimpleAnalyzer: maximal runs of letters (cut at 255 like any CharTokenizer), lower-cased.
  simple: { name: 'simple', params: { maxTokenLength: 255 }, analyze: (t) => letterTokens(t).map(lowerCase) },
};

export function analyzerNames(): AnalyzerName[] {
  return Object.keys(ANALYZERS) as AnalyzerName[];
}

export function getAnalyzer(name: string): Analyzer {
  const a = ANALYZERS[name as AnalyzerName];
  if (!a) throw new Error(`unknown analyzer '${name}'; available: ${analyzerNames().join(', ')}`);
  return a;
}
