import { sha256Text } from '../util/hash.js';

/**
 * Train/validation by query: a query goes to validation when a hash of (seed, qid) falls below
 * `fraction`. Every example of a query lands on the same side, and a query keeps its side when
 * others are added or removed.
 */
export function isValidation(qid: string, fraction: number, seed: number): boolean {
  if (fraction <= 0) return false;
  return Number.parseInt(sha256Text(`${seed}\u0000split\u0000${qid}`).slice(0, 12), 16) / 2 ** 48 < fraction;
}
