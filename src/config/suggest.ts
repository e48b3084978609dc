import { distance } from 'fastest-levenshtein';

/** "did you mean ...?" — the closest known name when it is close enough to be a typo. */
export function suggest(word: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDist = Number.POSITIVE_INFINITY;
  const lower = word.toLowerCase();
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestDist) {
      best = k;
      bestDist = d;
    }
  }
  if (best === undefined) return undefined;
  // a swapped pair of letters costs 2 edits: allow it from four letters on
  const n = Math.max(word.length, best.length);
  const limit = n <= 3 ? 1 : n <= 8 ? 2 : 3;
  return bestDist <= limit ? best : undefined;
}

/** Appends a suggestion, or the list of valid names when nothing is close. */
export function didYouMean(word: string, known: readonly string[], noun = 'one of'): string {
  const s = suggest(word, known);
  if (s) return `; did you mean '${s}'?`;
  if (known.length === 0) return '';
  if (known.length > 12) return '';
  return `; expected ${noun} ${known.map((k) => `'${k}'`).join(', ')}`;
}
