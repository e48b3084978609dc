import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { analyzeEnglish, ENGLISH_STOP_WORDS, lowerCase, porterStem, removePossessive } from '../../src/retrieval/analysis/english.js';
import { standardTokens } from '../../src/retrieval/analysis/standard-tokenizer.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const tokens = (s: string) => standardTokens(s).map((t) => t.text);

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
  });

  it('keeps what Lucene keeps: emoji and symbols, Katakana, Thai and Hangul runs, Hangul joined to Latin and digits', () => {
    const typed = (s: string) => standardTokens(s).map((t) => `${t.text}/${t.type}`);
    expect(typed('❤️ 😀 © ↔ ✔ 👍🏽 👨‍👩‍👧 🇫🇷 #️⃣')).toEqual([
      '❤️/EMOJI',
      '😀/EMOJI',
      '©/EMOJI',
      '↔/EMOJI',
      '✔/EMOJI',
      '👍🏽/EMOJI',
      '👨‍👩‍👧/EMOJI',
      '🇫🇷/EMOJI',
      '#️⃣/EMOJI',
    ]);
    expect(typed('カタカナ ภาษาไทย Biome에 750개 한국어 ひらがな')).toEqual([
      'カタカナ/KATAKANA',
      'ภาษาไทย/SOUTHEAST_ASIAN',
      'Biome에/ALPHANUM',
      '750개/ALPHANUM',
      '한국어/HANGUL',
      'ひ/HIRAGANA',
      'ら/HIRAGANA',
      'が/HIRAGANA',
      'な/HIRAGANA',
    ]);
    // runs of underscores alone are no token; between letters they join them
    expect(tokens('a ___ b__c _d')).toEqual(['a', 'b__c', '_d']);
  });

  it('cuts a token at 255 UTF-16 units, as the scanner buffer of Lucene does', () => {
    expect(tokens(`ok ${'a'.repeat(600)} fine`).map((t) => t.length)).toEqual([2, 255, 255, 90, 4]);
    // the match ends at the last complete word inside the 255 units: "x.y" cut after the period
    expect(tokens(`${'x'.repeat(254)}.y z`).map((t) => t.length)).toEqual([254, 1, 1]);
    // a surrogate pair never straddles the cut: the first token stops before it
    expect(tokens(`${'a'.repeat(254)}𝐀b`).map((t) => t.length)).toEqual([254, 3]);
  });

  it("stops where Lucene's scanner stops: text ending with a lone high surrogate yields nothing in its last read", () => {
    expect(tokens('short text \ud800')).toEqual([]);
    expect(tokens('short text \ud800 more')).toEqual(['short', 'text', 'more']);
  });

  it('has tables that scripts/gen-word-break.mjs writes from the Unicode data packages', () => {
    const r = spawnSync(process.execPath, [join(repo, 'scripts', 'gen-word-break.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('follows Lucene 8 (Unicode 9.0) or Lucene 9/10 (Unicode 12.1) by the rules asked for', () => {
    // Georgian Mtavruli capitals came in Unicode 11.0
    expect(standardTokens('ᲐᲑᲒ ok', 'lucene9').map((t) => t.text)).toEqual(['ᲐᲑᲒ', 'ok']);
    expect(standardTokens('ᲐᲑᲒ ok', 'lucene8').map((t) => t.text)).toEqual(['ok']);
  });

  it('lower-cases per code point as Java does: no final sigma, İ to i', () => {
    expect(analyzeEnglish('ΟΔΟΣ İstanbul')).toEqual(['οδοσ', 'istanbul']);
    expect(lowerCase('ΣΟΦΟΣ')).toBe('σοφοσ');
    expect(lowerCase('ς')).toBe('ς');
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
    // words that are themselves a suffix: Lucene's PorterStemmer strips them
    expect(['ies', 'sses', 'eed', 'eeds', 'ss', 'is'].map(porterStem)).toEqual(['i', 'ss', 'eed', 'eed', 'ss', 'is']);
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
    expect(
      getAnalyzer('simple')
        .analyze('Ab'.repeat(200))
        .map((t) => t.length),
    ).toEqual([255, 145]);
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
