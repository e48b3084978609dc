import { describe, expect, it } from 'vitest';
import { atof, atol, cFixed, cLong, lround, parseCDouble } from '../../src/eval/c-numbers.js';
import { glibcSort } from '../../src/eval/glibc-sort.js';

/* What glibc's strtod/atof/atol read and printf prints; expected values are C's (checked with a C program). */
describe("C's number reading and printing", () => {
  it('parseCDouble reads what strtod reads whole, with its value', () => {
    const cases: [string, number][] = [
      ['17.123456', 17.123456],
      ['-3.5', -3.5],
      ['+.5', 0.5],
      ['5.', 5],
      ['1e2', 100],
      ['1E-2', 0.01],
      ['1e999', Number.POSITIVE_INFINITY],
      ['-1e999', Number.NEGATIVE_INFINITY],
      ['1e-999', 0],
      ['inf', Number.POSITIVE_INFINITY],
      ['-INF', Number.NEGATIVE_INFINITY],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['0x10', 16],
      ['-0x1p3', -8],
      ['0X1.8P1', 3],
      ['0x.8', 0.5],
      ['0x1p-1074', 5e-324],
      ['0x1p1024', Number.POSITIVE_INFINITY],
      // 2^53 + 1 rounds to even, as strtod rounds
      ['0x20000000000001', 2 ** 53],
      ['0x20000000000003', 2 ** 53 + 4],
    ];
    for (const [text, value] of cases) expect(parseCDouble(text), text).toBe(value);
    for (const text of ['nan', 'NaN', '-nan', 'nan(123)', 'NAN(abc_1)']) expect(Number.isNaN(parseCDouble(text)), text).toBe(true);
  });

  it('parseCDouble refuses what strtod stops inside of (atof would read a prefix)', () => {
    for (const text of [
      '',
      'abc',
      '1.5abc',
      '0x',
      '0xg',
      '1e',
      '1e+',
      '--1',
      '+-1',
      '1,5',
      '0b101',
      '1_000',
      'infinit',
      'nan(',
      ' 1',
      '1 ',
      '.',
      '0x1p',
    ])
      expect(parseCDouble(text), text).toBeUndefined();
  });

  it('atof reads the longest prefix, 0 when none; atol reads digits', () => {
    expect(atof('1.5abc')).toBe(1.5);
    expect(atof('abc')).toBe(0);
    expect(atof('  .25,')).toBe(0.25);
    expect(atof('0x')).toBe(0);
    expect(atof('1e')).toBe(1);
    expect(atol('23.4')).toBe(23);
    expect(atol('  -7x')).toBe(-7);
    expect(atol('x7')).toBe(0);
  });

  it('prints %6.4f as glibc does (ties to even on the exact binary value, -nan, inf) and %ld', () => {
    expect(cFixed(1 / 32, 6, 4)).toBe('0.0312');
    expect(cFixed(3 / 32, 6, 4)).toBe('0.0938');
    expect(cFixed(-412.6666666, 6, 4)).toBe('-412.6667');
    expect(cFixed(0.35, 3, 2)).toBe('0.35'); // 0.34999999999999997...: the nearest 2-decimal value
    expect(cFixed(5, 3, 2)).toBe('5.00');
    expect(cFixed(Number.NaN, 6, 4)).toBe('  -nan');
    expect(cFixed(Number.NaN, 6, 4, true)).toBe('   nan');
    expect(cFixed(Number.POSITIVE_INFINITY, 6, 4)).toBe('   inf');
    expect(cLong(3.99)).toBe('3');
    expect(cLong(-0.5)).toBe('0');
    expect(lround(2.5)).toBe(3);
    expect(lround(-2.5)).toBe(-3);
    expect(lround(0.4)).toBe(0);
  });

  it("sorts as glibc's qsort (a top-down merge sort), also with a comparator that is not an order", () => {
    // trec_eval's gain comparison, (int)(a - b): gains less than 1 apart compare equal, so the
    // result depends on the algorithm; C's qsort prints 1.5 2.5 2 2 1.5 3.5 3 (JavaScript's sort
    // gives 2.5 2 1.5 2 1.5 3.5 3)
    const cmp = (a: number, b: number) => Math.trunc(a - b);
    expect(glibcSort([2.5, 3.5, 2, 1.5, 2, 3, 1.5], cmp)).toEqual([1.5, 2.5, 2, 2, 1.5, 3.5, 3]);
  });
});
