/** A candidate expansion with the value that ranks it (the feedback measure, or a hook's score). */
export interface Scored {
  qid: string;
  query: string;
  pool: string;
  sample: number;
  text: string;
  value: number;
  /** The measure of the query alone. */
  baseline: number;
  /** Position in the feedback output: pool order, then sample. Breaks ties. */
  order: number;
}

export interface Pair {
  qid: string;
  query: string;
  chosen: Scored;
  rejected: Scored;
  delta: number;
}

export interface PairOptions {
  strategy: 'best-vs-worst' | 'best-vs-rest' | 'all-pairs';
  minDelta: number;
  maxPairsPerQuery?: number;
  /** When several candidates share the best (or worst) value: the first of them, all of them, or no pair. */
  ties: 'first' | 'all' | 'drop';
  requireChosenAboveBaseline: boolean;
}

/** Reasons a query gives no pair, or a pair is dropped: the summary counts them. */
export const REASONS = {
  tooFew: 'fewer than two candidates',
  allEqual: 'all candidates score the same',
  tied: 'the best or the worst value is tied (ties: drop)',
  belowMin: 'difference below min_delta',
  notAboveBaseline: 'chosen not above the query alone',
  overMax: 'over max_pairs_per_query',
  hook: 'rejected by the keep hook',
} as const;

/** Differences are compared with this slack, so that 0.3 − 0.1 counts as 0.2. */
const EPS = 1e-9;

const byOrder = (a: Scored, b: Scored) => a.order - b.order;

/**
 * The chosen/rejected pairs of one query's candidates. `best-vs-worst` pairs the best with the
 * worst; `best-vs-rest` the best with every candidate below it; `all-pairs` every candidate with
 * every one below it. Ties at the best or worst value follow `ties`; a pair needs a difference of
 * at least `minDelta` (and > 0), and, if asked, a chosen candidate above the query alone. At most
 * `maxPairsPerQuery` pairs are kept, largest differences first. Returns the pairs and, per
 * reason, how many pairs (or, for the whole query, 1) were dropped.
 */
export function pairsForQuery(candidates: readonly Scored[], o: PairOptions): { pairs: Pair[]; dropped: Map<string, number> } {
  const dropped = new Map<string, number>();
  const drop = (reason: string, n = 1) => dropped.set(reason, (dropped.get(reason) ?? 0) + n);
  if (candidates.length < 2) {
    drop(REASONS.tooFew);
    return { pairs: [], dropped };
  }
  const sorted = [...candidates].sort((a, b) => b.value - a.value || byOrder(a, b));
  const max = (sorted[0] as Scored).value;
  const min = (sorted[sorted.length - 1] as Scored).value;
  if (max === min) {
    drop(REASONS.allEqual);
    return { pairs: [], dropped };
  }
  const best = sorted.filter((c) => c.value === max).sort(byOrder);
  const worst = sorted.filter((c) => c.value === min).sort(byOrder);
  let raw: [Scored, Scored][] = [];
  if (o.strategy === 'all-pairs') {
    for (const a of sorted) for (const b of sorted) if (a.value > b.value) raw.push([a, b]);
  } else {
    if (o.ties === 'drop' && (best.length > 1 || (o.strategy === 'best-vs-worst' && worst.length > 1))) {
      drop(REASONS.tied);
      return { pairs: [], dropped };
    }
    const chosen = o.ties === 'all' ? best : best.slice(0, 1);
    const rejected = o.strategy === 'best-vs-worst' ? (o.ties === 'all' ? worst : worst.slice(0, 1)) : sorted.filter((c) => c.value < max);
    for (const a of chosen) for (const b of [...rejected].sort(byOrder)) raw.push([a, b]);
  }
  const pairs: Pair[] = [];
  for (const [a, b] of raw) {
    const delta = a.value - b.value;
    if (delta + EPS < o.minDelta || delta <= 0) drop(REASONS.belowMin);
    else if (o.requireChosenAboveBaseline && !(a.value > a.baseline)) drop(REASONS.notAboveBaseline);
    else pairs.push({ qid: a.qid, query: a.query, chosen: a, rejected: b, delta });
  }
  raw = [];
  if (o.maxPairsPerQuery !== undefined && pairs.length > o.maxPairsPerQuery) {
    pairs.sort((x, y) => y.delta - x.delta || byOrder(x.chosen, y.chosen) || byOrder(x.rejected, y.rejected));
    drop(REASONS.overMax, pairs.length - o.maxPairsPerQuery);
    pairs.length = o.maxPairsPerQuery;
  }
  return { pairs, dropped };
}

/** Counts of differences in bins of `width` (the last bin takes everything above). */
export function histogram(deltas: number[], width = 0.05, bins = 20): { from: number; to: number; count: number }[] {
  const out = Array.from({ length: bins }, (_, i) => ({ from: +(i * width).toFixed(6), to: +((i + 1) * width).toFixed(6), count: 0 }));
  for (const d of deltas) {
    const i = Math.min(bins - 1, Math.floor((d + EPS) / width));
    (out[Math.max(0, i)] as { count: number }).count++;
  }
  return out;
}
