import { describe, expect, it } from 'vitest';
import { histogram, type PairOptions, pairsForQuery, REASONS, type Scored } from '../../src/feedback/select-pairs.js';
import { isValidation } from '../../src/train/validation-split.js';

/** Candidates of one query, named by letter, with their values, in feedback order. */
function cands(values: Record<string, number>, baseline = 0.3): Scored[] {
  return Object.entries(values).map(([name, value], order) => ({
    qid: 'q1',
    query: 'query',
    pool: name.startsWith('z') ? 'zero-shot' : 'few-shot',
    sample: order,
    text: name,
    value,
    baseline,
    order,
  }));
}

const base: PairOptions = { strategy: 'best-vs-worst', minDelta: 0.1, ties: 'first', requireChosenAboveBaseline: false };
const names = (r: ReturnType<typeof pairsForQuery>) => r.pairs.map((p) => `${p.chosen.text}>${p.rejected.text}`);

describe('pair strategies (each expected set worked out by hand)', () => {
  // a 0.9, b 0.5, c 0.45, d 0.2: best a, worst d
  const four = cands({ a: 0.9, b: 0.5, c: 0.45, d: 0.2 });

  it('best-vs-worst: the best against the worst', () => {
    expect(names(pairsForQuery(four, base))).toEqual(['a>d']);
  });

  it('best-vs-rest: the best against each candidate below it by min_delta', () => {
    expect(names(pairsForQuery(four, { ...base, strategy: 'best-vs-rest' }))).toEqual(['a>b', 'a>c', 'a>d']);
    // min_delta 0.42: a−b = 0.40 and a−c = 0.45 → only c and d qualify
    expect(names(pairsForQuery(four, { ...base, strategy: 'best-vs-rest', minDelta: 0.42 }))).toEqual(['a>c', 'a>d']);
  });

  it('all-pairs: every candidate against every one below it by min_delta', () => {
    // differences: a−b .40, a−c .45, a−d .70, b−c .05 (too small), b−d .30, c−d .25
    expect(names(pairsForQuery(four, { ...base, strategy: 'all-pairs' })).sort()).toEqual(['a>b', 'a>c', 'a>d', 'b>d', 'c>d']);
  });

  it('max_pairs_per_query keeps the largest differences', () => {
    const r = pairsForQuery(four, { ...base, strategy: 'all-pairs', maxPairsPerQuery: 2 });
    expect(names(r)).toEqual(['a>d', 'a>c']);
    expect(r.dropped.get(REASONS.overMax)).toBe(3);
  });

  it('counts 0.3 − 0.1 as reaching min_delta 0.2 (float slack)', () => {
    expect(names(pairsForQuery(cands({ a: 0.3, b: 0.1 }), { ...base, minDelta: 0.2 }))).toEqual(['a>b']);
  });

  it('require_chosen_above_baseline drops pairs whose chosen does not beat the query alone', () => {
    const r = pairsForQuery(cands({ a: 0.3, b: 0.1 }, 0.3), { ...base, requireChosenAboveBaseline: true });
    expect(r.pairs).toEqual([]);
    expect(r.dropped.get(REASONS.notAboveBaseline)).toBe(1);
  });

  describe('tie policies', () => {
    // two best (a, b at 0.8), two worst (e, f at 0.1), c in between
    const tied = cands({ a: 0.8, b: 0.8, c: 0.5, e: 0.1, f: 0.1 });
    it('first: the first tied best against the first tied worst', () => {
      expect(names(pairsForQuery(tied, { ...base, ties: 'first' }))).toEqual(['a>e']);
      expect(names(pairsForQuery(tied, { ...base, ties: 'first', strategy: 'best-vs-rest' }))).toEqual(['a>c', 'a>e', 'a>f']);
    });
    it('all: every tied best against every tied worst', () => {
      expect(names(pairsForQuery(tied, { ...base, ties: 'all' }))).toEqual(['a>e', 'a>f', 'b>e', 'b>f']);
      expect(names(pairsForQuery(tied, { ...base, ties: 'all', strategy: 'best-vs-rest' }))).toEqual([
        'a>c',
        'a>e',
        'a>f',
        'b>c',
        'b>e',
        'b>f',
      ]);
    });
    it('drop: no pair for a query whose best or worst is tied', () => {
      const r = pairsForQuery(tied, { ...base, ties: 'drop' });
      expect(r.pairs).toEqual([]);
      expect(r.dropped.get(REASONS.tied)).toBe(1);
      // best-vs-rest only looks at the best: a tied worst does not matter
      expect(names(pairsForQuery(cands({ a: 0.8, c: 0.5, e: 0.1, f: 0.1 }), { ...base, ties: 'drop', strategy: 'best-vs-rest' }))).toEqual([
        'a>c',
        'a>e',
        'a>f',
      ]);
    });
    it('all-pairs never pairs equal values, whatever the policy', () => {
      expect(names(pairsForQuery(tied, { ...base, strategy: 'all-pairs', ties: 'drop' })).sort()).toEqual(
        ['a>c', 'a>e', 'a>f', 'b>c', 'b>e', 'b>f', 'c>e', 'c>f'].sort(),
      );
    });
  });

  it('says why a query gives no pair', () => {
    expect(pairsForQuery(cands({ a: 0.5 }), base).dropped.get(REASONS.tooFew)).toBe(1);
    expect(pairsForQuery(cands({ a: 0.5, b: 0.5 }), base).dropped.get(REASONS.allEqual)).toBe(1);
    expect(pairsForQuery(cands({ a: 0.5, b: 0.45 }), base).dropped.get(REASONS.belowMin)).toBe(1);
  });

  it('bins differences by 0.05', () => {
    const h = histogram([0.05, 0.1, 0.12, 0.99, 3]);
    expect(h[1]?.count).toBe(1);
    expect(h[2]?.count).toBe(2);
    expect(h[19]?.count).toBe(2);
    expect(h.reduce((n, b) => n + b.count, 0)).toBe(5);
  });
});

describe('train/validation split by query', () => {
  it('puts about the asked fraction in validation, the same queries for the same seed', () => {
    const qids = Array.from({ length: 2000 }, (_, i) => `q${i}`);
    const val = qids.filter((q) => isValidation(q, 0.1, 42));
    expect(val.length).toBeGreaterThan(150);
    expect(val.length).toBeLessThan(250);
    expect(qids.filter((q) => isValidation(q, 0.1, 42))).toEqual(val);
    expect(qids.filter((q) => isValidation(q, 0.1, 43))).not.toEqual(val);
    expect(qids.filter((q) => isValidation(q, 0, 42))).toEqual([]);
  });
});
