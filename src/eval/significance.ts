import jstatPkg from 'jstat';
import { unsafeUniformIntDistribution, xoroshiro128plus } from 'pure-rand';

const { jStat } = jstatPkg as unknown as typeof import('jstat');

/**
 * Significance tests and intervals for paired per-query scores (system A vs B on the same
 * queries), the way IR papers report them. Plain functions over arrays.
 */

function diffs(a: readonly number[], b: readonly number[]): number[] {
  if (a.length !== b.length) throw new Error(`paired tests need equal lengths, got ${a.length} and ${b.length}`);
  if (a.length < 2) throw new Error('paired tests need at least 2 queries');
  return a.map((x, i) => x - (b[i] as number));
}

const mean = (xs: readonly number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;

export interface TTestResult {
  meanDiff: number;
  t: number;
  df: number;
  /** Two-sided p-value. */
  p: number;
}

/** Two-sided paired t-test on a − b (Student's t with n − 1 degrees of freedom). */
export function pairedTTest(a: readonly number[], b: readonly number[]): TTestResult {
  const d = diffs(a, b);
  const n = d.length;
  const m = mean(d);
  const variance = d.reduce((s, x) => s + (x - m) ** 2, 0) / (n - 1);
  const df = n - 1;
  if (variance === 0) return { meanDiff: m, t: m === 0 ? 0 : Math.sign(m) * Number.POSITIVE_INFINITY, df, p: m === 0 ? 1 : 0 };
  const t = m / Math.sqrt(variance / n);
  const p = 2 * (1 - jStat.studentt.cdf(Math.abs(t), df));
  return { meanDiff: m, t, df, p: Math.min(1, Math.max(0, p)) };
}

/** A seeded generator of uniform integers (xoroshiro128+), so that tests and reports are reproducible. */
function randomInts(seed: number): (min: number, max: number) => number {
  const rng = xoroshiro128plus(seed);
  return (min, max) => unsafeUniformIntDistribution(min, max, rng);
}

export interface RandomizationResult {
  meanDiff: number;
  /** (1 + number of sign assignments at least as extreme) / (1 + permutations): never 0. */
  p: number;
  permutations: number;
}

/**
 * Paired randomization (permutation) test, two-sided: under the null hypothesis each query's
 * difference is as likely to have either sign, so random sign flips give the null distribution
 * of the mean difference (Smucker, Allan & Carterette, CIKM 2007).
 */
export function randomizationTest(
  a: readonly number[],
  b: readonly number[],
  opts: { permutations?: number; seed?: number } = {},
): RandomizationResult {
  const permutations = opts.permutations ?? 10_000;
  if (permutations < 10_000) throw new Error('use at least 10,000 permutations');
  const d = diffs(a, b);
  const observed = Math.abs(mean(d));
  const next = randomInts(opts.seed ?? 0);
  // a tolerance keeps equal sums that differ only by rounding counted as "at least as extreme"
  const eps = 1e-12 * Math.max(1, observed);
  let extreme = 0;
  for (let k = 0; k < permutations; k++) {
    let sum = 0;
    for (const x of d) sum += next(0, 1) === 0 ? x : -x;
    if (Math.abs(sum / d.length) >= observed - eps) extreme++;
  }
  return { meanDiff: mean(d), p: (extreme + 1) / (permutations + 1), permutations };
}

/** Holm–Bonferroni step-down adjustment: adjusted p-values in the input order, monotone, at most 1. */
export function holmBonferroni(pValues: readonly number[]): number[] {
  const m = pValues.length;
  const order = pValues.map((p, i) => ({ p, i })).sort((x, y) => x.p - y.p || x.i - y.i);
  const adjusted = new Array<number>(m);
  let running = 0;
  order.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}

export interface Interval {
  meanDiff: number;
  lower: number;
  upper: number;
  level: number;
}

/** Paired bootstrap percentile interval of the mean difference a − b (queries resampled with replacement). */
export function bootstrapInterval(
  a: readonly number[],
  b: readonly number[],
  opts: { samples?: number; seed?: number; level?: number } = {},
): Interval {
  const samples = opts.samples ?? 10_000;
  const level = opts.level ?? 0.95;
  const d = diffs(a, b);
  const n = d.length;
  const next = randomInts(opts.seed ?? 0);
  const means = new Float64Array(samples);
  for (let s = 0; s < samples; s++) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += d[next(0, n - 1)] as number;
    means[s] = sum / n;
  }
  means.sort();
  const alpha = (1 - level) / 2;
  const at = (q: number) => means[Math.min(samples - 1, Math.max(0, Math.floor(q * samples)))] as number;
  return { meanDiff: mean(d), lower: at(alpha), upper: at(1 - alpha), level };
}
