/**
 * C library number semantics that trec_eval's results depend on: what `strtod`/`atof` and `atol`
 * read, `(float)` storage, and `printf`'s `%f` (glibc, "C" locale).
 */
import { formatFixed } from './format-fixed.js';

/** C `isspace` in the "C" locale, on a byte or char code. */
export function isCSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INF = /^([+-]?)(?:inf|infinity)$/i;
const NAN = /^[+-]?nan(?:\([0-9A-Za-z_]*\))?$/i;

/**
 * The value of `text` when `strtod` reads all of it (decimal and hexadecimal floats, `inf`,
 * `infinity`, `nan`, `nan(...)`, any case, with a sign), `undefined` when it stops before the end.
 * Out-of-range values become ±Infinity or 0, as strtod returns them.
 */
export function parseCDouble(text: string): number | undefined {
  if (DECIMAL.test(text)) return Number(text);
  const hex = HEX.exec(text);
  if (hex) {
    const [, sign, int = '', frac = '', exp] = hex;
    if (int === '' && frac === '') return undefined; // "0x" alone: strtod reads the 0 and stops at x
    const value = hexValue(int + frac, -4 * frac.length + (exp === undefined ? 0 : Number(exp)));
    return sign === '-' ? -value : value;
  }
  const inf = INF.exec(text);
  if (inf) return inf[1] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  if (NAN.test(text)) return Number.NaN;
  return undefined;
}

/** True when strtod reads `text` as a NaN with the sign bit clear (`nan`, not `-nan`). */
export function isPositiveNaNText(text: string): boolean {
  return NAN.test(text) && !text.startsWith('-');
}

/** `atof`: the longest prefix strtod reads (after leading blanks); 0 when there is none. */
export function atof(text: string): number {
  let i = 0;
  while (i < text.length && isCSpace(text.charCodeAt(i))) i++;
  const rest = text.slice(i);
  for (let end = rest.length; end > 0; end--) {
    const v = parseCDouble(rest.slice(0, end));
    if (v !== undefined) return v;
  }
  return 0;
}

/** `atol` (glibc: strtol base 10): blanks, a sign, digits; the rest is ignored; 0 when no digit. */
export function atol(text: string): number {
  const m = /^[\t\n\v\f\r ]*([+-]?\d+)/.exec(text);
  if (!m) return 0;
  const limit = 2 ** 63; // strtol saturates at LONG_MIN and LONG_MAX (±2^63, as doubles)
  return Math.max(-limit, Math.min(limit, Number(m[1])));
}

/** True when atol/atof read the whole of `text` (used to warn about ignored characters). */
export function readsWhole(text: string, kind: 'long' | 'double'): boolean {
  return kind === 'long' ? /^[+-]?\d+$/.test(text) : parseCDouble(text) !== undefined;
}

/** C `lround`: nearest integer, halfway cases away from zero. */
export function lround(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

/**
 * `printf("%W.Pf", x)` as glibc writes it. A NaN prints as `-nan` unless `positiveNaN`: the NaNs
 * trec_eval computes come from 0/0, the sign-bit-set default NaN on x86-64; a `nan` read from an
 * input file is positive and keeps its sign through arithmetic.
 */
export function cFixed(x: number, width: number, digits: number, positiveNaN = false): string {
  let s: string;
  if (Number.isNaN(x)) s = positiveNaN ? 'nan' : '-nan';
  else if (x === Number.POSITIVE_INFINITY) s = 'inf';
  else if (x === Number.NEGATIVE_INFINITY) s = '-inf';
  else s = formatFixed(x, digits);
  return s.length < width ? s.padStart(width) : s;
}

/** `(long) x` printed with `%ld`: truncation toward zero. */
export function cLong(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? '-9223372036854775808' : x > 0 ? '9223372036854775807' : '-9223372036854775808';
  const t = Math.trunc(x);
  return Object.is(t, -0) ? '0' : BigInt(t).toString();
}

/** mantissa (hex digits) · 2^exp2, correctly rounded to a double (round half to even), as strtod does. */
function hexValue(digits: string, exp2: number): number {
  const m = BigInt(`0x${digits || '0'}`);
  if (m === 0n) return 0;
  const bits = m.toString(2).length;
  const top = exp2 + bits - 1; // exponent of the leading bit
  if (top > 1023) return Number.POSITIVE_INFINITY;
  const precision = top < -1022 ? 53 - (-1022 - top) : 53;
  const shift = bits - precision;
  let q = m;
  let e = exp2;
  if (shift > 0) {
    q = m >> BigInt(shift);
    const rem = m - (q << BigInt(shift));
    const half = 1n << BigInt(shift - 1);
    if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
    e += shift;
  }
  // q has at most 54 bits here and e is the scale of its last bit: two exact power-of-two steps
  const half = Math.trunc(e / 2);
  return Number(q) * 2 ** half * 2 ** (e - half);
}
