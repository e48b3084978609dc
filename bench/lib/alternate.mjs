// Timing for the benches on a machine whose speed swings by up to 2× within minutes: passes of
// every measure alternate (each round times each measure once, starting one measure further on),
// after an untimed warm-up pass of each (JIT compilation, on either side), and each figure is the
// best and the median of its rounds. Ratios between two measures are also taken round by round,
// from passes run next to each other, and their median reported: the figure that best survives a
// machine that speeds up or slows down between rounds.
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';

/** The median of xs (the mean of the middle two for an even count). */
export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * measures: [{key, count, run}], `run` an async function that does `count` units of work (queries,
 * candidates) and returns its own time in ms, or nothing to be timed from outside. Returns per key
 * {best, median, rates} in units per second.
 */
export async function alternate(measures, rounds) {
  const ms = async (m) => {
    const t0 = performance.now();
    const own = await m.run();
    return typeof own === 'number' ? own : performance.now() - t0;
  };
  for (const m of measures) await ms(m);
  const rates = measures.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (let j = 0; j < measures.length; j++) {
      const i = (r + j) % measures.length;
      const m = measures[i];
      rates[i].push(m.count / ((await ms(m)) / 1000));
    }
  }
  return Object.fromEntries(measures.map((m, i) => [m.key, { best: Math.max(...rates[i]), median: median(rates[i]), rates: rates[i] }]));
}

/** a / b: the ratio of the best figures, and the median of the round-by-round ratios. */
export function ratio(a, b) {
  return { best: a.best / b.best, paired: median(a.rates.map((x, i) => x / b.rates[i])) };
}

export const fmtRatio = (r) => `${r.best.toFixed(2)}× (paired ${r.paired.toFixed(2)}×)`;

/** The machine's load (1-minute average) and CPUs, for the record of a run. */
export const load = () => Number(loadavg()[0].toFixed(2));

/**
 * The `RESULT {json}` line that ends a bench: every figure, keys ENGINE.QUERIES@K.Nt (per second,
 * the best pass), index.ENGINE (passages/s), threads, and the medians under `median`.
 */
export function resultLine(figures, extra) {
  const best = {};
  const med = {};
  for (const [k, v] of Object.entries(figures)) {
    if (typeof v === 'number') best[k] = Number(v.toFixed(1));
    else {
      best[k] = Number(v.best.toFixed(1));
      med[k] = Number(v.median.toFixed(1));
    }
  }
  return `RESULT ${JSON.stringify({ ...best, ...extra, median: med })}`;
}
