/** trec_eval's gain table (setup_gains: a gain per judged grade) and the ideal ranking's walk down it. */
import { atol } from '../c-numbers.js';
import { glibcSort } from '../glibc-sort.js';
import type { EvalParams, ResRels } from '../res-rels.js';
import type { MeasureParams } from './measure-record.js';

/** One grade's gain and how many judged documents have that grade. */
export interface Gain {
  level: number;
  count: number;
  gain: number;
}

/** setup_gains: the -m gains for listed grades, gain = grade for the others, sorted by gain. */
export function setupGains(rr: ResRels, m: MeasureParams, p: EvalParams): Gain[] {
  const gains: Gain[] = [];
  for (const pair of m.pairs) {
    if (p.version === 10 && !/^[+-]?\d+$/.test(pair.name)) continue; // 10.0 skips non-integer names (rbp's p)
    gains.push({ level: atol(pair.name), gain: pair.value, count: 0 });
  }
  for (let i = 0; i < rr.numRelLevels; i++) {
    const g = gains.find((x) => x.level === i);
    if (g) g.count = rr.relLevels.get(i);
    else gains.push({ level: i, gain: i, count: rr.relLevels.get(i) });
  }
  // comp_rel_gain returns (int)(g1 - g2): gains less than 1 apart compare equal
  return glibcSort(gains, (a, b) => cInt(a.gain - b.gain));
}

function cInt(x: number): number {
  const t = Math.trunc(x);
  return t >= 2147483648 || t < -2147483648 || Number.isNaN(t) ? -2147483648 : t;
}

/** A grade's gain; 0 for a grade the table lacks. */
export function getGain(level: number, gains: Gain[]): number {
  for (const g of gains) if (g.level === level) return g.gain;
  return 0.0;
}

/** The ideal ranking's gains, one rank at a time (the level walk the gain measures share). */
export class IdealWalk {
  cur: number;
  gain: number;
  private atLevel = 0;
  constructor(private readonly gains: Gain[]) {
    this.cur = gains.length - 1;
    this.gain = this.cur >= 0 ? (gains[this.cur] as Gain).gain : 0.0;
  }
  next(): void {
    this.atLevel++;
    while (this.cur >= 0 && this.atLevel > (this.gains[this.cur] as Gain).count) {
      this.atLevel = 1;
      this.cur--;
      this.gain = this.cur >= 0 ? (this.gains[this.cur] as Gain).gain : 0.0;
    }
  }
}
