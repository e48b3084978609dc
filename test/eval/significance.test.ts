import { execFileSync, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bootstrapInterval, holmBonferroni, pairedTTest, randomizationTest } from '../../src/eval/significance.js';

const here = dirname(fileURLToPath(import.meta.url));
const script = join(here, '../reference/paired_ttest.py');

// The cases of test/reference/paired_ttest.py and what SciPy 1.17.1 (scipy.stats.ttest_rel) printed for them.
const CASES: [number[], number[]][] = [
  [
    [0.61, 0.45, 0.72, 0.33, 0.58, 0.49, 0.81, 0.27, 0.66, 0.52, 0.39, 0.74],
    [0.55, 0.47, 0.6, 0.3, 0.51, 0.52, 0.7, 0.25, 0.61, 0.44, 0.41, 0.62],
  ],
  [
    [0.1, 0.2, 0.3, 0.4, 0.5],
    [0.12, 0.18, 0.33, 0.41, 0.47],
  ],
  [
    [1.0, 0.0, 0.5, 0.25, 0.75, 0.5, 0.0, 1.0],
    [0.0, 1.0, 0.5, 0.75, 0.25, 0.5, 1.0, 0.0],
  ],
];
const SCIPY = [
  { t: 3.1434930232301737, p: 0.009350000890310023 },
  { t: -0.17277368511627064, p: 0.8712193191878368 },
  { t: 0.0, p: 1.0 },
];

/** Exact two-sided randomization p-value by enumerating all 2^n sign assignments (small n). */
function exactRandomization(a: number[], b: number[]): number {
  const d = a.map((x, i) => x - (b[i] as number));
  const obs = Math.abs(d.reduce((s, x) => s + x, 0));
  let extreme = 0;
  const total = 2 ** d.length;
  for (let mask = 0; mask < total; mask++) {
    let s = 0;
    d.forEach((x, i) => {
      s += mask & (1 << i) ? -x : x;
    });
    if (Math.abs(s) >= obs - 1e-12) extreme++;
  }
  return extreme / total;
}

describe('significance tests', () => {
  it('paired t-test matches SciPy', () => {
    CASES.forEach(([a, b], i) => {
      const r = pairedTTest(a, b);
      expect(r.t).toBeCloseTo(SCIPY[i]?.t as number, 10);
      expect(r.p).toBeCloseTo(SCIPY[i]?.p as number, 10);
      expect(r.df).toBe(a.length - 1);
    });
  });

  it.skipIf(spawnSync('python3', ['-c', 'import scipy']).status !== 0)(
    'paired t-test matches SciPy run now (test/reference/paired_ttest.py)',
    () => {
      const live = JSON.parse(execFileSync('python3', [script], { encoding: 'utf8' })) as { t: number; p: number }[];
      CASES.forEach(([a, b], i) => {
        expect(pairedTTest(a, b).p).toBeCloseTo(live[i]?.p as number, 10);
      });
    },
  );

  it('randomization test agrees with exact enumeration, is seeded, and needs ≥ 10,000 permutations', () => {
    const [a, b] = CASES[0] as [number[], number[]];
    const exact = exactRandomization(a, b); // 4096 sign assignments
    const r = randomizationTest(a, b, { permutations: 20_000, seed: 7 });
    // Monte Carlo standard error at p ≈ 0.01 with 20,000 draws is ≈ 0.0007
    expect(Math.abs(r.p - exact)).toBeLessThan(0.004);
    expect(randomizationTest(a, b, { permutations: 20_000, seed: 7 }).p).toBe(r.p);
    const [c, d] = CASES[2] as [number[], number[]];
    expect(randomizationTest(c, d, { seed: 1 }).p).toBe(1); // mean difference 0: every assignment is as extreme
    expect(() => randomizationTest(a, b, { permutations: 999 })).toThrow(/at least 10,000/);
  });

  it('Holm–Bonferroni adjusts step-down and keeps the input order', () => {
    // sorted: 0.005×4 = 0.02, 0.01×3 = 0.03, 0.03×2 = 0.06, 0.04×1 = 0.04 → raised to 0.06 (monotone)
    expect(holmBonferroni([0.01, 0.04, 0.03, 0.005]).map((x) => Number(x.toFixed(10)))).toEqual([0.03, 0.06, 0.06, 0.02]);
    // 0.5×2 = 1 (capped); 0.9×1 = 0.9 → raised to 1
    expect(holmBonferroni([0.5, 0.9])).toEqual([1, 1]);
  });

  it('paired bootstrap interval is seeded and close to the normal interval for many queries', () => {
    // 400 queries with differences spread around 0.05: the percentile interval ≈ mean ± 1.96·sd/√n
    const next = (() => {
      let s = 12345;
      return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
    })();
    const a = Array.from({ length: 400 }, () => 0.4 + next() * 0.3);
    const b = a.map((x) => x - 0.05 + (next() - 0.5) * 0.2);
    const ci = bootstrapInterval(a, b, { seed: 3 });
    const d = a.map((x, i) => x - (b[i] as number));
    const m = d.reduce((s, x) => s + x, 0) / d.length;
    const sd = Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / (d.length - 1));
    const half = (1.96 * sd) / Math.sqrt(d.length);
    expect(ci.meanDiff).toBeCloseTo(m, 12);
    expect(ci.lower).toBeCloseTo(m - half, 2);
    expect(ci.upper).toBeCloseTo(m + half, 2);
    expect(bootstrapInterval(a, b, { seed: 3 })).toEqual(ci);
    expect(ci.lower).toBeLessThan(m);
    expect(ci.upper).toBeGreaterThan(m);
  });
});
