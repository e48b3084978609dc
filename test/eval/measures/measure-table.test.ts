import { describe, expect, it } from 'vitest';
import { COUNT_AND_SET_MEASURES } from '../../../src/eval/measures/count-and-set-measures.js';
import { GAIN_MEASURES } from '../../../src/eval/measures/gain-measures.js';
import { JUDGMENT_GROUP_MEASURES } from '../../../src/eval/measures/judgment-group-measures.js';
import { measuresOf, TREC_MEASURES } from '../../../src/eval/measures/measure-table.js';
import { PREFERENCE_MEASURES } from '../../../src/eval/measures/preference-measures.js';
import { RANKING_MEASURES } from '../../../src/eval/measures/ranking-measures.js';

const FAMILIES = { COUNT_AND_SET_MEASURES, RANKING_MEASURES, GAIN_MEASURES, PREFERENCE_MEASURES, JUDGMENT_GROUP_MEASURES };

describe('the measure table', () => {
  it('keys each family measure by its trec_eval name', () => {
    const mismatched = Object.values(FAMILIES).flatMap((f) => Object.entries(f).filter(([key, m]) => key !== m.name));
    expect(mismatched.map(([key]) => key)).toEqual([]);
  });

  it('lists every measure of every family exactly once', () => {
    const defined = Object.values(FAMILIES)
      .flatMap((f) => Object.values(f))
      .map((m) => m.name)
      .sort();
    expect(TREC_MEASURES.map((m) => m.name).sort()).toEqual(defined);
    expect(new Set(defined).size).toBe(defined.length);
  });

  it('gives version 9 the table less the 10.0-only measures, and 10 all of them', () => {
    expect(measuresOf(9).map((m) => m.name)).toEqual(TREC_MEASURES.filter((m) => !m.since10).map((m) => m.name));
    expect(
      measuresOf(10)
        .map((m) => m.name)
        .sort(),
    ).toEqual(TREC_MEASURES.map((m) => m.name).sort());
  });
});
