import type { Hit } from './search/search.js';

/** How scores of a ranking are written: as searched, or as Anserini writes its runs. */
export type TieAdjust = 'none' | 'anserini';
export const TIE_ADJUSTS: readonly TieAdjust[] = ['none', 'anserini'];

const f = Math.fround;
const E4 = f(1e4);
const STEP = f(1e-4);
const DELTA = f(1e-6);

/**
 * Anserini's ScoreTiesAdjusterReranker, in Java's float arithmetic: each score of a ranking (in
 * rank order) is rounded to 4 decimals; a score within 1e-4 of the one before it (after that one's
 * adjustment) counts as a tie, and the n-th tie in a row loses n × 1e-6. Anserini's published runs
 * are written this way, so that trec_eval sees ties in the order the engine ranked them (score,
 * then document id) rather than breaking them itself. Scores closer than 1e-4 become distinct
 * steps of 1e-6, and a run of over 100 ties can sink below the next score.
 */
export function adjustTiesAnserini(hits: Hit[]): Hit[] {
  const out: Hit[] = new Array(hits.length);
  let dup = 0;
  let prev = 0;
  for (let i = 0; i < hits.length; i++) {
    const h = hits[i] as Hit;
    // Math.round(float) in Java: the nearest int, halves up (as JavaScript's Math.round)
    let s = f(f(Math.round(f(f(h.score) * E4))) / E4);
    if (i === 0 || f(prev - s) > STEP) dup = 0;
    else {
      dup++;
      s = f(s - f(DELTA * dup));
    }
    out[i] = { ...h, score: s };
    prev = s;
  }
  return out;
}

/** The ranking with its scores written as `mode` says. */
export function adjustTies(hits: Hit[], mode: TieAdjust): Hit[] {
  return mode === 'anserini' ? adjustTiesAnserini(hits) : hits;
}
