import { describe, expect, it } from 'vitest';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { analyzeEnglish, ENGLISH_STOP_WORDS, removePossessive } from '../../src/retrieval/analysis/english.js';
import { standardTokens } from '../../src/retrieval/analysis/standard-tokenizer.js';

const tokens = (s: string) => [...standardTokens(s)].map((t) => t.text);

describe('analysis', () => {
  it('tokenizes at UAX#29 word boundaries as StandardTokenizer does', () => {
    // apostrophes and periods between letters, and separators inside numbers, stay inside a token;
    // hyphens, slashes and other punctuation split
    expect(tokens("Don't stop: U.S.A. 3.14, 1,000 e-mail foo_bar C++ x/y")).toEqual([
      "Don't",
      'stop',
      'U.S.A',
      '3.14',
      '1,000',
      'e',
      'mail',
      'foo_bar',
      'C',
      'x',
      'y',
    ]);
    // every ideograph is a token of its own; a Latin word next to them stays whole
    expect(tokens('二战是什么时候开始的？WWII')).toEqual(['二', '战', '是', '什', '么', '时', '候', '开', '始', '的', 'WWII']);
    // tokens longer than 255 characters are dropped
    expect(tokens(`ok ${'a'.repeat(256)} fine ${'b'.repeat(255)}`)).toEqual(['ok', 'fine', 'b'.repeat(255)]);
  });

  it('cuts very long text into pieces without losing or splitting words', () => {
    const words = Array.from({ length: 30_000 }, (_, i) => `w${i}`);
    expect(tokens(words.join(' '))).toEqual(words);
  });

  it('removes English possessives before lower-casing', () => {
    expect(removePossessive("Knuth's")).toBe('Knuth');
    expect(removePossessive('Knuth\u2019S')).toBe('Knuth');
    expect(removePossessive("its'")).toBe("its'");
    expect(ENGLISH_STOP_WORDS.size).toBe(33);
  });

  it('applies Porter stems (Porter 1980 examples) after stop words', () => {
    // pairs from Porter's paper and the reference implementation's vocabulary
    const cases: [string, string][] = [
      ['caresses', 'caress'],
      ['ponies', 'poni'],
      ['ties', 'ti'],
      ['cats', 'cat'],
      ['feed', 'feed'],
      ['agreed', 'agre'],
      ['plastered', 'plaster'],
      ['bled', 'bled'],
      ['motoring', 'motor'],
      ['sing', 'sing'],
      ['conflated', 'conflat'],
      ['troubled', 'troubl'],
      ['sized', 'size'],
      ['hopping', 'hop'],
      ['tanned', 'tan'],
      ['falling', 'fall'],
      ['hissing', 'hiss'],
      ['fizzed', 'fizz'],
      ['failing', 'fail'],
      ['filing', 'file'],
      ['happy', 'happi'],
      ['sky', 'sky'],
      ['relational', 'relat'],
      ['conditional', 'condit'],
      ['rational', 'ration'],
      ['digitizer', 'digit'],
      ['differentli', 'differ'],
      ['vietnamization', 'vietnam'],
      ['predication', 'predic'],
      ['operator', 'oper'],
      ['feudalism', 'feudal'],
      ['decisiveness', 'decis'],
      ['hopefulness', 'hope'],
      ['callousness', 'callous'],
      ['formaliti', 'formal'],
      ['sensitiviti', 'sensit'],
      ['sensibiliti', 'sensibl'],
      ['triplicate', 'triplic'],
      ['formative', 'form'],
      ['formalize', 'formal'],
      ['electriciti', 'electr'],
      ['electrical', 'electr'],
      ['goodness', 'good'],
      ['revival', 'reviv'],
      ['allowance', 'allow'],
      ['inference', 'infer'],
      ['airliner', 'airlin'],
      ['adjustable', 'adjust'],
      ['defensible', 'defens'],
      ['irritant', 'irrit'],
      ['replacement', 'replac'],
      ['adjustment', 'adjust'],
      ['dependent', 'depend'],
      ['adoption', 'adopt'],
      ['communism', 'commun'],
      ['activate', 'activ'],
      ['angulariti', 'angular'],
      ['homologous', 'homolog'],
      ['effective', 'effect'],
      ['bowdlerize', 'bowdler'],
      ['probate', 'probat'],
      ['rate', 'rate'],
      ['cease', 'ceas'],
      ['controll', 'control'],
      ['roll', 'roll'],
      ['generalizations', 'gener'],
      ['oscillators', 'oscil'],
    ];
    for (const [word, stem] of cases) expect(analyzeEnglish(word), word).toEqual([stem]);
    expect(analyzeEnglish("The Computer's operating systems are NOT in the Knuth's list")).toEqual([
      'comput',
      'oper',
      'system',
      'knuth',
      'list',
    ]);
  });

  it('has whitespace and simple analyzers', () => {
    expect(getAnalyzer('whitespace').analyze(' A-b  c\td ')).toEqual(['A-b', 'c', 'd']);
    expect(getAnalyzer('simple').analyze("It's A-b 3x")).toEqual(['it', 's', 'a', 'b', 'x']);
    expect(() => getAnalyzer('klingon')).toThrow(/unknown analyzer 'klingon'/);
  });
});

describe('whitespace analyzer (Lucene WhitespaceTokenizer)', () => {
  const ws = getAnalyzer('whitespace');
  it("splits at Java's white space: not at no-break spaces, but at the ASCII separators U+001C–U+001F", () => {
    expect(ws.analyze('a\tb\nc\u000bd\u001ce\u3000f\u2007g\u00a0h\u202fi  ')).toEqual(['a', 'b', 'c', 'd', 'e', 'f\u2007g\u00a0h\u202fi']);
    expect(ws.analyze('')).toEqual([]);
    expect(ws.analyze(' \u2028 ')).toEqual([]);
  });

  it('cuts runs longer than 255 code units into tokens of 255, never splitting a surrogate pair', () => {
    expect(ws.analyze('x'.repeat(600)).map((t) => t.length)).toEqual([255, 255, 90]);
    // a pair starting at position 254 is kept whole: the first token is 256 code units
    const text = `${'y'.repeat(254)}😀z`;
    expect(ws.analyze(text)).toEqual([`${'y'.repeat(254)}😀`, 'z']);
  });

  it('gives its spans in the order and with the text of its tokens', () => {
    const text = ' the  quick\u00a0brown\tfox ';
    const spans: string[] = [];
    ws.spans?.(text, (a, b) => spans.push(text.slice(a, b)));
    expect(spans).toEqual(ws.analyze(text));
  });
});
