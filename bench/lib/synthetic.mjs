// A seeded, MS MARCO-shaped synthetic corpus and query sets for the retrieval benchmarks.
//
// Corpus: a vocabulary of 2,000,000 terms with Zipfian frequencies (s = 1.0, as word frequencies in
// English text are close to Zipf's law); passage lengths log-normal with mean ≈ 56 words (the mean
// length of MS MARCO v1 passages) and sd ≈ 26, clipped to [5, 230]. Passage i is the same whatever
// the corpus size (one seeded stream), so the 1M corpus is the head of the 8.8M one. It is written
// once as TSV (`id<TAB>text`, the MS MARCO collection's format) under bench/.data and reused.
// Queries (their own seeded stream, the same for every corpus size):
//   short    — 6 terms drawn from ranks 100–200,000 (content words, not the head of the Zipf curve);
//   expanded — a short query repeated 5 times (query2doc's formulation), then a passage whose
//              length is drawn from the lengths of the 43 real DL19 gpt-4o-mini expansions in
//              shared/datasets/expansions (59–211 words, mean 145), words drawn from the corpus
//              distribution.
import { createWriteStream, existsSync, mkdirSync, renameSync } from 'node:fs';
import { join } from 'node:path';

export const VOCAB = 2_000_000;
const EXPANSION_LENGTHS = [
  59, 84, 84, 89, 90, 90, 90, 92, 94, 96, 109, 110, 115, 116, 119, 120, 139, 139, 139, 142, 146, 147, 155, 155, 158, 159, 161, 164, 174,
  174, 177, 181, 182, 186, 189, 191, 193, 195, 198, 199, 203, 209, 211,
];

/** mulberry32: a small seeded generator. */
export function generator(seed) {
  let s = seed;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cdf = new Float64Array(VOCAB);
let total = 0;
for (let r = 0; r < VOCAB; r++) cdf[r] = total += 1 / (r + 1);

function zipf(rand) {
  const x = rand() * total;
  let lo = 0;
  let hi = VOCAB - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export const term = (rank) => `w${rank.toString(36)}`;
/** The 33 most frequent words stand for Lucene's 33 English stop words: analysis removes them. */
export const STOP_RANKS = 33;

/** n raw words, as the English analyzer leaves them: stop words (the head of the curve) dropped. */
const words = (rand, n) => {
  const out = [];
  for (let i = 0; i < n; i++) {
    const r = zipf(rand);
    if (r >= STOP_RANKS) out.push(term(r));
  }
  return out.join(' ');
};

/** Passage texts 0..n−1, generated on the fly. */
export function* passages(n) {
  const rand = generator(20261125);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  for (let i = 0; i < n; i++) yield words(rand, Math.min(230, Math.max(5, Math.round(Math.exp(3.95 + 0.45 * normal())))));
}

/** The corpus of n passages as a TSV file under bench/.data, written on first use. */
export async function corpusFile(n) {
  const dir = join(import.meta.dirname, '..', '.data');
  const path = join(dir, `synthetic-${n}.tsv`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  console.log(`writing the synthetic corpus of ${n} passages to ${path} (once) ...`);
  const tmp = `${path}.part`;
  const out = createWriteStream(tmp);
  let i = 0;
  let chunk = '';
  for (const text of passages(n)) {
    chunk += `${i++}\t${text}\n`;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await new Promise((r) => out.once('drain', r));
      chunk = '';
    }
  }
  await new Promise((r) => out.end(chunk, r));
  renameSync(tmp, path);
  return path;
}

/** The short and expanded query sets (count of each); `expansions` are the passages the expanded queries end with. */
export function querySets(count) {
  const rand = generator(424242);
  const short = Array.from({ length: count }, () => Array.from({ length: 6 }, () => term(100 + Math.floor(rand() * 199_900))).join(' '));
  const expansions = short.map(() => words(rand, EXPANSION_LENGTHS[Math.floor(rand() * EXPANSION_LENGTHS.length)]));
  const expanded = short.map((q, i) => `${Array(5).fill(q).join(' ')} ${expansions[i]}`);
  return { short, expanded, expansions };
}

/** How feedback-speed.mjs formulates a candidate: query2doc, the query 5 times before the expansion. */
export const FEEDBACK_FORMULATION = { mode: 'query2doc', repeat_query: 5, separator: ' ', concat: 1 };

/** feedback-speed.mjs's candidates: five for each of `queries` short queries, each expanded by a different expansion passage. */
export function feedbackCandidates(queries) {
  const sets = querySets(queries * 5);
  const candidates = [];
  for (let q = 0; q < queries; q++)
    for (let s = 0; s < 5; s++)
      candidates.push({ qid: `q${q}`, query: sets.short[q], pool: 'p', sample: s, text: sets.expansions[q * 5 + s] });
  return candidates;
}

/** The first `count` of those candidates as feedback-speed.mjs searches them, formulated by `formulate` (a checkout's formulation.js). */
export function feedbackTexts(count, formulate) {
  return feedbackCandidates(Math.ceil(count / 5))
    .slice(0, count)
    .map((c) => formulate(c.query, [c.text], FEEDBACK_FORMULATION));
}
