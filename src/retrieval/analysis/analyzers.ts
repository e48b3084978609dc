import { analyzeCjk, analyzeZhWords } from './cjk.js';
import { analyzeEnglish, lowerCase } from './english.js';
import { whitespaceSpans, whitespaceTokens } from './whitespace.js';

export type AnalyzerName = 'english' | 'cjk' | 'zh-words' | 'whitespace' | 'simple';

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

const ANALYZERS: Record<AnalyzerName, Analyzer> = {
  english: {
    name: 'english',
    params: { stemmer: 'porter', stopwords: 'lucene-english-33', possessive: true },
    analyze: (t) => analyzeEnglish(t),
  },
  cjk: {
    name: 'cjk',
    params: { bigrams: 'han+hiragana+katakana+hangul', stopwords: 'lucene-cjk', width: true },
    analyze: (t) => analyzeCjk(t),
  },
  'zh-words': { name: 'zh-words', params: { segmenter: 'icu-dictionary' }, analyze: (t) => analyzeZhWords(t) },
  // Lucene's WhitespaceAnalyzer: split on white space (Java's), nothing else.
  whitespace: { name: 'whitespace', params: { maxTokenLength: 255 }, analyze: whitespaceTokens, spans: whitespaceSpans },
  // Lucene's SimpleAnalyzer: maximal runs of letters, lower-cased.
  simple: { name: 'simple', params: {}, analyze: (t) => (t.match(/\p{L}+/gu) ?? []).map(lowerCase) },
};

export function analyzerNames(): AnalyzerName[] {
  return Object.keys(ANALYZERS) as AnalyzerName[];
}

export function getAnalyzer(name: string): Analyzer {
  const a = ANALYZERS[name as AnalyzerName];
  if (!a) throw new Error(`unknown analyzer '${name}'; available: ${analyzerNames().join(', ')}`);
  return a;
}
