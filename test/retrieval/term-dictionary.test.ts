import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { whitespaceSpans } from '../../src/retrieval/analysis/whitespace.js';
import { TermDictionary, TokenRanges } from '../../src/retrieval/index/term-dictionary.js';

/** Every term of the dictionary, by id. */
function termsOf(dict: TermDictionary): string[] {
  const { ids, units, ends } = dict.sorted();
  const terms: string[] = [];
  ends.forEach((end, i) => {
    terms[ids[i] as number] = String.fromCharCode(...units.subarray(i > 0 ? (ends[i - 1] as number) : 0, end));
  });
  return terms;
}

/** Looks `words` up in one batch of a new dictionary, and checks that each got its own term's id; returns the dictionary. */
function expectIdsOf(words: string[], distinct: number, options?: { kernelBytes?: number }): TermDictionary {
  const dict = new TermDictionary(options);
  const tok = new TokenRanges();
  tok.src.push(words.join(' '));
  let at = 0;
  for (const w of words) {
    tok.push(0, at, at + w.length);
    at += w.length + 1;
  }
  const ids = new Int32Array(tok.n);
  dict.lookup(tok, ids);
  expect(dict.size).toBe(distinct);
  const terms = termsOf(dict);
  words.forEach((w, i) => {
    if (terms[ids[i] as number] !== w) throw new Error(`${w} got id ${ids[i]} (${terms[ids[i] as number]})`);
  });
  return dict;
}

describe('batched term dictionary', () => {
  it('gives every distinct token one id, in order of first appearance, across batches and table growth', () => {
    // tokens from a small alphabet: many share hashes' low bits; lone surrogates and astral characters
    // too; short ones (held in the slot) and long ones (over 8 code units, compared in the buffer)
    const unit = fc.constantFrom('a', 'b', 'é', '\ud800', '😀');
    const token = fc.oneof(fc.string({ unit, minLength: 1, maxLength: 4 }), fc.string({ unit, minLength: 5, maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(fc.array(token, { maxLength: 300 }), { minLength: 1, maxLength: 8 }), (batches) => {
        const dict = new TermDictionary();
        const reference = new Map<string, number>();
        const tok = new TokenRanges();
        for (const batch of batches) {
          tok.reset();
          // half the tokens as pieces of a longer text, half as strings of their own
          const text = batch.join(' ');
          tok.src.push(text);
          let at = 0;
          batch.forEach((t, i) => {
            if (i % 2 === 0) tok.push(0, at, at + t.length);
            else {
              tok.src.push(t);
              tok.push(tok.src.length - 1, 0, t.length);
            }
            at += t.length + 1;
          });
          const ids = new Int32Array(tok.n);
          dict.lookup(tok, ids);
          batch.forEach((t, i) => {
            if (!reference.has(t)) reference.set(t, reference.size);
            expect(ids[i]).toBe(reference.get(t));
          });
        }
        expect(dict.size).toBe(reference.size);
        expect(termsOf(dict)).toEqual([...reference.keys()]);
      }),
      { numRuns: 100, seed: 11 },
    );
  });

  it('keeps ids stable through many rehashes', () => {
    expectIdsOf(
      Array.from({ length: 200_000 }, (_, i) => `t${(i * 7919) % 100_000}`),
      100_000,
    );
  });

  it('finds long terms seen earlier in a batch whose new terms make the table grow', () => {
    // new short terms grow the table twice within one batch, while long terms of one length,
    // alike past their inline code units, recur: their first pass's slots must not outlive a growth
    expectIdsOf(
      Array.from({ length: 200_000 }, (_, i) => (i % 2 ? `t${i}` : `${String(i % 997).padStart(8, '0')}:suffix`)),
      100_000 + 997,
    );
  });

  it('moves its table out of the kernel when it outgrows the memory the kernel may have, ids unchanged', () => {
    // 4 MiB of kernel memory holds tables of 65,536 and 131,072 slots, not the 262,144 that 100,000 terms need
    const small = { kernelBytes: 4 << 20 };
    const words = Array.from({ length: 200_000 }, (_, i) =>
      i % 2 ? `t${(i * 7919) % 99_003}` : `${String(i % 997).padStart(8, '0')}:suffix`,
    );
    const distinct = new Set(words).size;
    const dict = expectIdsOf(words, distinct, small);
    expect(dict.inKernel).toBe(false);
    // a later batch, probed in JavaScript from the start, finds every term at its id and adds the new one
    const terms = termsOf(dict);
    const again = [...words.slice(0, 5000), 'new-term', words[7] as string];
    const tok = new TokenRanges();
    tok.src = again;
    again.forEach((w, i) => {
      tok.push(i, 0, w.length);
    });
    const ids = new Int32Array(tok.n);
    dict.lookup(tok, ids);
    const after = termsOf(dict);
    expect(Array.from(ids, (id) => after[id])).toEqual(again);
    expect(ids[5000]).toBe(terms.length);
    expect(expectIdsOf(words.slice(0, 20_000), new Set(words.slice(0, 20_000)).size, small).inKernel).toBe(true);
  });

  it('tells apart long terms alike in their first code units, and short terms of 16-bit and 8-bit units alike in their bytes', () => {
    // a slot holds a term's first 8 code units as bytes where all are below 256, else its first 4;
    // 'ā' (U+0101) and 'ȁ' (U+0201) share their low byte with U+0001, which a slot holds as one byte
    const long = ['x'.repeat(255), 'x'.repeat(256), `${'x'.repeat(255)}a`, `${'x'.repeat(255)}b`, 'x'.repeat(300)];
    const short = ['ā', 'ȁ', '\u0001', 'aā', 'aȁ', 'āa', 'abcdefgh', 'abcdefgi', 'abcdefghi', 'āāāā', 'āāāāā', 'ābcd'];
    expectIdsOf([...long, ...short, ...[...short].reverse(), ...[...long].reverse()], long.length + short.length);
  });
});

/** The distinct words, each looked up as a string of its own, in the dictionary's sorted order. */
function sortedTerms(words: string[]): string[] {
  const dict = new TermDictionary();
  const tok = new TokenRanges();
  tok.src.push(...words);
  words.forEach((w, i) => {
    tok.push(i, 0, w.length);
  });
  dict.lookup(tok, new Int32Array(tok.n));
  const terms = termsOf(dict);
  return Array.from(dict.sortedIds(), (id) => terms[id] as string);
}

describe('sorted term ids', () => {
  it("orders the terms as JavaScript's string order does (UTF-16 code units), prefixes first", () => {
    // a small alphabet so that groups share long prefixes; code units whose high or low bytes tie
    const unit = fc.constantFrom('a', 'b', 'ā', 'ġ', '\u0100', '\u0161', '\ud800', '😀', '\u0000');
    // and Latin-1 alone, whose sort skips the high bytes
    const latin1 = fc.constantFrom('a', 'b', 'é', '\u00ff', '\u0000', '\u0080');
    const word = fc.oneof(fc.string({ unit, minLength: 1, maxLength: 40 }), fc.string({ unit: latin1, minLength: 1, maxLength: 40 }));
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(word, { minLength: 40, maxLength: 400 }),
          fc.array(fc.string({ unit: latin1, minLength: 1, maxLength: 40 }), { minLength: 40, maxLength: 400 }),
        ),
        (words) => {
          expect(sortedTerms(words)).toEqual([...new Set(words)].sort());
        },
      ),
      { numRuns: 200, seed: 5 },
    );
  });

  it('orders thousands of terms alike in their first code units, past the 8 bytes the radix sort keys hold', () => {
    // groups of hundreds tie on their keys (a prefix of 7 Latin-1 or 3 wider units, and the length
    // capped past it) and go on to the sort by characters; U+0000 units tie with the keys' padding
    const latin1 = fc.constantFrom('a', 'b', '\u0000', 'ÿ');
    const wide = fc.constantFrom('a', '\u0000', 'ā', '\u0100', '😀');
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(fc.nat(6), { minLength: 2000, maxLength: 6000 }),
        fc.integer({ min: 0, max: 1000 }),
        (isWide, picks, seed) => {
          const unit = isWide ? wide : latin1;
          const tails = fc.sample(fc.string({ unit, minLength: 1, maxLength: 4 }), { numRuns: picks.length, seed });
          // shared prefixes of up to 9 units, then short distinct tails
          const prefixes = ['aaaaaaaaa', 'aaaaaaa', 'aaa', '', isWide ? 'āāāā' : 'ÿÿÿÿÿÿÿÿ', 'a\u0000a\u0000a\u0000a'];
          const words = tails.map((w, i) => `${prefixes[(picks[i] as number) % prefixes.length]}${w}`);
          expect(sortedTerms(words)).toEqual([...new Set(words)].sort());
        },
      ),
      { numRuns: 12, seed: 9 },
    );
  });
});

/** Every token's fields, and each document's first token, of `texts` cut by `pushWhitespaceAll` and by `whitespaceSpans` and `push`. */
function expectAllAsApart(texts: string[]): void {
  const all = new TokenRanges();
  const apart = new TokenRanges();
  all.src = [...texts];
  apart.src = [...texts];
  const starts = new Int32Array(texts.length);
  const startsApart = new Int32Array(texts.length);
  all.pushWhitespaceAll(starts);
  texts.forEach((text, i) => {
    startsApart[i] = apart.n;
    whitespaceSpans(text, (a, b) => {
      apart.push(i, a, b);
    });
  });
  expect(all.n).toBe(apart.n);
  expect(Array.from(starts)).toEqual(Array.from(startsApart));
  for (const key of ['srcOf', 'from', 'len', 'hash'] as const)
    expect(Array.from(all[key].subarray(0, all.n)), key).toEqual(Array.from(apart[key].subarray(0, apart.n)));
  expect(Array.from(all.inline.subarray(0, 4 * all.n))).toEqual(Array.from(apart.inline.subarray(0, 4 * apart.n)));
}

describe("the whitespace analyzer's tokens, cut as they are hashed", () => {
  it('are the tokens, hashes and inline code units that whitespaceSpans and push give', () => {
    // Java white space of several kinds, surrogate pairs and lone surrogates, and runs past 255
    // code units (cut there, never inside a pair)
    const unit = fc.constantFrom('a', 'b', 'é', ' ', '\t', '\u2028', '\u3000', '\u00a0', '\ud83d', '\ude00', '😀', 'x'.repeat(60));
    // long runs: odd and even lengths, so that a pair may straddle the cut
    const runUnit = fc.constantFrom('x'.repeat(127), 'x'.repeat(64), 'y', '😀', '\ud83d', ' ');
    const text = fc.oneof(fc.string({ unit, maxLength: 80 }), fc.string({ unit: runUnit, maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(text, { minLength: 1, maxLength: 20 }), (texts) => {
        const fused = new TokenRanges();
        const apart = new TokenRanges();
        fused.src = [...texts];
        apart.src = [...texts];
        texts.forEach((text, i) => {
          fused.pushWhitespace(i);
          whitespaceSpans(text, (a, b) => {
            apart.push(i, a, b);
          });
        });
        expect(fused.n).toBe(apart.n);
        for (const key of ['srcOf', 'from', 'len', 'hash'] as const)
          expect(Array.from(fused[key].subarray(0, fused.n)), key).toEqual(Array.from(apart[key].subarray(0, apart.n)));
        expect(Array.from(fused.inline.subarray(0, 4 * fused.n))).toEqual(Array.from(apart.inline.subarray(0, 4 * apart.n)));
      }),
      { numRuns: 300, seed: 9 },
    );
  });
  it('are the same through the token kernel for ASCII documents, and for the others mixed in', () => {
    // every ASCII white space Java counts and the controls beside them that it does not, and runs of
    // lengths about the kernel's 8 and 16 bytes and the 255 of the cut; some documents not ASCII
    const ascii = fc.constantFrom(
      'a',
      'Z',
      '!',
      ' ',
      '\t',
      '\n',
      '\x0b',
      '\x0c',
      '\r',
      '\x1c',
      '\x1f',
      '\x00',
      '\x08',
      '\x0e',
      '\x1b',
      '\x7f',
      'x'.repeat(7),
      'y'.repeat(8),
      'z'.repeat(9),
      'q'.repeat(16),
      'w'.repeat(127),
      'v'.repeat(128),
    );
    const other = fc.constantFrom('é', '\u3000', '😀', '\ud83d', '\u0100');
    const text = fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: ascii, maxLength: 60 }) },
      { weight: 1, arbitrary: fc.string({ unit: fc.oneof(ascii, other), maxLength: 30 }) },
    );
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 40 }), expectAllAsApart), { numRuns: 400, seed: 11 });
  });

  it('are the same for more documents and text than the token kernel takes a call, and a document longer than all of it', () => {
    const words = Array.from({ length: 3000 }, (_, i) => `w${(i * 7919) % 1000} x${i}\tyy${i % 13}`);
    expectAllAsApart([...words, `${'ab '.repeat(100_000)}end`, 'c'.repeat(300_000), ...words.slice(0, 50), 'é début', ...words]);
  });
});
