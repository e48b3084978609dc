import { describe, expect, it } from 'vitest';
import type { Hit } from '../../src/retrieval/search/search.js';
import { adjustTies, adjustTiesAnserini } from '../../src/retrieval/tie-adjust.js';

const hits = (scores: number[]): Hit[] => scores.map((score, i) => ({ docid: `d${i}`, score: Math.fround(score), doc: i }));
const written = (h: Hit[]) => h.map((x) => x.score.toFixed(6));

describe("Anserini's tie adjustment (ScoreTiesAdjusterReranker)", () => {
  it("gives the example of Anserini's source: 4 decimals, a tie 1e-6 lower", () => {
    const out = adjustTiesAnserini(hits([23.439316, 22.087432, 22.087432, 21.602508]));
    // the float nearest each 4-decimal value, written with %f
    expect(written(out)).toEqual(['23.439301', '22.087400', '22.087399', '21.602501']);
    expect(out.map((h) => h.docid)).toEqual(['d0', 'd1', 'd2', 'd3']);
  });

  it('counts scores equal after rounding as ties, the n-th in a row n × 1e-6 lower', () => {
    const out = adjustTiesAnserini(hits([5.12344, 5.12341, 5.12339, 5.1, 5.1]));
    expect(written(out)).toEqual(['5.123400', '5.123399', '5.123398', '5.100000', '5.099999']);
  });

  it('leaves scores alone without it', () => {
    const h = hits([1.5, 1.5]);
    expect(adjustTies(h, 'none')).toBe(h);
  });
});
