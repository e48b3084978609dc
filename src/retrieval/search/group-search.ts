import type { TermInfo } from '../index/read-index.js';
import { termScore } from './bm25.js';
import { type GroupKernel, groupKernel, type KernelNorms } from './group-kernel.js';
import { decodeWhole, SpanBuffers, SpanDecoder } from './group-span.js';
import { type GroupTerms, groupTerms, type Weighted } from './group-terms.js';
import { frontierBound } from './postings-cursor.js';
import { TopK } from './top-k.js';

/**
 * Documents per window of group scoring: the accumulator (8 bytes a document, 64 KiB) and much of
 * a window's pairs (up to 1.8 MB for 2,048 expanded queries at 1M) stay in the core's second-level
 * cache. On the 1M synthetic corpus, with pairs packed 6 bytes each, 8,192 beat 16,384 by 4-12%
 * and 4,096 and 32,768 did worse (`bench/lib/group-tuning.mjs`): more calls per posting as
 * windows shrink, more cache misses as they grow.
 */
export const GROUP_WINDOW = 1 << 13;
/**
 * Windows per span: dense terms are decoded a span at a time (fewer, longer calls than window by
 * window; fewer blocks straddling two spans, decoded twice), and scored window by window. On the 1M
 * synthetic corpus spans of 32 windows beat 16 by 12% and 64 by 3% (windows of 8,192; A/B runs in
 * one process). The decoded postings grow with the span: 67 MB copied window after window for a
 * group of 2,048 expanded queries there, beside 1.8 MB for the most pairs a window has.
 */
export const GROUP_SPAN = 32;
/**
 * Dense postings decoded per chunk before `regroup` copies them window after window: the chunk (8
 * bytes a posting) stays in the last-level cache for the copy, and the term-by-term buffer stays
 * small beside the window-by-window one.
 */
export const REGROUP_CHUNK = 1 << 20;
/** A term is dense, and decoded span by span, if it has at least this many postings per window on average. */
export const DENSE_PER_WINDOW = 4;
/**
 * The most memory a group's rare terms' pairs may take before fewer terms count as rare (fewer
 * postings a window make a term dense). At 1M synthetic passages 2,048 expanded queries' take 167
 * MB; at 8.8M, 1.5 GB with 4 postings a window and 0.8 GB with 2, as windows of 16,384 had it.
 */
export const SPARSE_BYTES = 1 << 30;
/**
 * MaxScore within the group: a query's head segments (below) whose bounds together stay below this
 * share of its k-th score are non-essential, added only to the documents its other terms make
 * candidates. At most 1: a document with none of the other terms must stay below the k-th score.
 */
export const PRUNE_SHARE = 0.7;
/**
 * Pruning up to this k: on the 1M synthetic corpus it ran 1.1-1.2× as fast as without at k = 10
 * and 20, 0.91× and 0.95× at 100 and 1,000 (`bench/lib/group-tuning.mjs`), where the k-th score
 * stays low and most documents would be candidates.
 */
export const PRUNE_UP_TO_K = 20;
/**
 * Head terms: the group's most frequent dense terms, up to this many, the ones a query can leave
 * non-essential. Each window has a head index of them (a bit a term and document, and the count
 * of bits before each 64: 1.25 KiB a term, in the core's second-level cache), from which a
 * candidate finds its score in each with a load or two. On the 1M synthetic corpus 128 beat 32,
 * 64 and 256, and with windows of 8,192 read within noise of 64, 192, 256 and 384
 * (`bench/lib/group-tuning.mjs`).
 */
export const GROUP_HEADS = 128;
/**
 * What a candidate's completion costs, in additions: a query whose candidates cost more than the
 * additions its non-essential segments saved prunes less from its next window (top-1000 searches,
 * whose k-th score stays low, end up not pruning).
 */
export const CANDIDATE_COST = 40;

/** Group scoring's sizes and thresholds (the defaults above; tests and benches vary them). */
export interface GroupTuning {
  window?: number;
  densePerWindow?: number;
  /** memory for the rare terms' pairs, past which fewer terms are rare */
  sparseBytes?: number;
  span?: number;
  /** dense postings decoded before each `regroup` (the last term may take it past) */
  chunk?: number;
  prune?: number;
  pruneUpToK?: number;
  heads?: number;
  candidateCost?: number;
  /** The kernel to score in (this thread's by default; a test gives a new one, whose buffers start empty). */
  kernel?: GroupKernel;
}

/**
 * Each query's share of the group, in arrays by query (the window loop reads every query's in
 * turn): its dense segments, the essential ones among them, and its head segments.
 */
interface Members {
  /** its dense segment ids, in buffer order */
  dense: Int32Array[];
  /** the table columns of the ones it adds, the essential ones (i32, in the kernel's memory), and how many */
  denseAt: Int32Array;
  denseCount: Int32Array;
  /** its segments of head terms, by bound ascending, and the sums of their bounds: of the first i at prefix[prefixFrom + i] */
  headSegs: number[][];
  headCount: Int32Array;
  prefix: Float64Array;
  prefixFrom: Int32Array;
  /** how many of its head segments are non-essential, and their (table column, head column) in the kernel's memory */
  split: Int32Array;
  nonEssentialAt: Int32Array;
  /** the share of its k-th score its non-essential segments' bounds may reach (`prune`, lowered while pruning does not pay) */
  share: Float64Array;
}

/**
 * Top-k of several long queries at once, exhaustively and term-at-a-time, in windows of documents.
 * Long expanded queries share most of their postings (the frequent terms), so decoding and Lucene's
 * float arithmetic, most of the cost of a query scored alone, are paid once per group rather than
 * once per query; what each query still pays is one addition per posting, into an accumulator of
 * one window that stays in cache, and one scan of it.
 *
 * - Dense terms (postings in most windows) are decoded a span of windows at a time, once, and
 *   their postings scored once per distinct weight the group's queries give them (a segment). A
 *   span's scores are laid out window by window, segment after segment within a window, so that
 *   a query's reads in a window move forward through one region of memory.
 * - Sparse terms are decoded and scored once, whole, and their scores sorted into each query's list
 *   by window: visiting them window by window would cost a cache miss per term and window for a
 *   posting or two.
 * - The per-posting loops (decoding, scoring, each query's additions, the scan) run in a
 *   WebAssembly kernel (group-kernel.wat) over buffers in its memory.
 *
 * Exact: a document's score is the double sum of its terms' float scores (Lucene's formula and
 * rounding, as `Bm25Searcher` computes them, stored as the floats they are), rounded to float; ties
 * by external id. The same hits, scores and order as each query scored alone.
 */
export function groupTopK(
  /** the queries' weighted terms, or their segments already (`GroupTerms`) */
  queries: Weighted[] | GroupTerms,
  k: number,
  norms: KernelNorms,
  order: Uint32Array,
  exact: boolean,
  /** normInverse of a block header's norm: the terms' bounds come from their frontiers */
  normInvOfNorm: (norm: number) => number,
  {
    window = GROUP_WINDOW,
    densePerWindow = DENSE_PER_WINDOW,
    sparseBytes = SPARSE_BYTES,
    span = GROUP_SPAN,
    chunk: chunkSize = REGROUP_CHUNK,
    prune = PRUNE_SHARE,
    pruneUpToK = PRUNE_UP_TO_K,
    heads: headCount = GROUP_HEADS,
    candidateCost = CANDIDATE_COST,
    kernel = groupKernel(),
  }: GroupTuning = {},
): TopK[] {
  if (!(prune >= 0 && prune <= 1)) throw new Error(`group scoring's pruning share must be in [0, 1], not ${prune}`);
  // the kernel finds a document's window and slot by shifting and masking
  const shift = Math.log2(window);
  // and a dense pair keeps its slot in 16 bits
  if (!Number.isInteger(shift) || shift > 16) throw new Error(`group scoring's window must be a power of two up to 65,536, not ${window}`);
  const docCount = norms.inv.length;
  const windows = Math.ceil(docCount / window);

  // the group's terms, and its segments: the distinct (term, weight) pairs
  const { dfs, info, segTerm, segWeight, querySegs } = Array.isArray(queries) ? groupTerms(queries) : queries;
  // each segment's postings and whether it is dense, by segment: the per-query loops below read them
  // for every segment of every query
  const segDf = new Int32Array(segTerm.length);
  for (let s = 0; s < segTerm.length; s++) segDf[s] = dfs[segTerm[s] as number] as number;
  // a rare term's pairs are kept twice over, scored and then sorted by window for each query that
  // has it (16 bytes a posting a query), and grow with the corpus where a dense term's runs of a
  // window do not: past `sparseBytes` the threshold halves, down to one posting a window
  let denseDf = densePerWindow * windows;
  // the group's rare pairs, a posting a query that has its term, below a threshold
  const sparsePairsBelow = (below: number): number => {
    let n = 0;
    for (const segs of querySegs) for (const s of segs) if ((segDf[s] as number) < below) n += segDf[s] as number;
    return n;
  };
  let sparsePairs = sparsePairsBelow(denseDf);
  while (Number.isFinite(denseDf) && denseDf > windows && 16 * sparsePairs > sparseBytes) {
    denseDf = Math.max(windows, Math.floor(denseDf / 2));
    sparsePairs = sparsePairsBelow(denseDf);
  }
  const segDense = new Uint8Array(segTerm.length);
  for (let s = 0; s < segTerm.length; s++) segDense[s] = (segDf[s] as number) >= denseDf ? 1 : 0;
  const isDense = (s: number) => segDense[s] === 1;

  // the kernel's memory: every document's normInverse (kept from the last group), the accumulator, the scan's output, the
  // segment table, the dense terms' window bounds, the sparse segments' pairs, then each query's share
  const normsAt = kernel.reset(norms).invAt;
  const width8 = Math.ceil(window / 8) * 8;
  const accAt = kernel.alloc(8 * width8);
  const outSlotsAt = kernel.alloc(4 * width8);
  const outSumsAt = kernel.alloc(8 * width8);
  const heapAt = kernel.alloc(8 * k);
  const denseSegs: number[] = [];
  for (let s = 0; s < segTerm.length; s++) if (isDense(s)) denseSegs.push(s);
  // the dense segments' table, rewritten for each window: an entry (12 bytes) per dense segment, at its column
  // (sparse segments have none: an entry for every segment would spread a query's reads over several times the memory)
  const columnOf = new Int32Array(segTerm.length).fill(-1);
  denseSegs.forEach((s, c) => {
    columnOf[s] = c;
  });
  const rowBytes = 12 * denseSegs.length;
  const tableAt = kernel.alloc(rowBytes);
  // each dense segment's bounds (address) and weight, by column, for `scoreWindow`
  const denseListAt = kernel.alloc(8 * denseSegs.length);
  // the dense segments' terms, in the order of their first segments
  const denseTerms: number[] = [];
  const listed = new Uint8Array(dfs.length);
  for (const s of denseSegs) {
    const t = segTerm[s] as number;
    if (!listed[t]) {
      listed[t] = 1;
      denseTerms.push(t);
    }
  }
  // their `TermInfo`s (kept for the span loop's decoding), and each one's place among them
  const denseInfos = denseTerms.map(info);
  const denseIndex = new Int32Array(dfs.length);
  denseTerms.forEach((t, i) => {
    denseIndex[t] = i;
  });
  // the head terms (none without pruning, or with windows past a u16's positions) and their columns
  const heads = prune > 0 && k <= pruneUpToK && window < 1 << 16 ? mostFrequent(denseTerms, dfs, headCount) : [];
  const headColumn = new Int32Array(dfs.length).fill(-1);
  heads.forEach((t, h) => {
    headColumn[t] = h;
  });
  // a column of the head index: a bit per document (i64 words, a multiple of 4 so that columns of
  // 10 bytes a word stay 8-byte aligned), then each word's rank (u16)
  const headWords = Math.ceil(width8 / 256) * 4;
  const headsAt = kernel.alloc(10 * headWords * heads.length);
  const boundsAt = kernel.alloc(4 * denseTerms.length * (span + 1));
  // each dense term's postings of each window of a span once `regroup` copied them window after window: start and end
  const runsAt = kernel.alloc(8 * denseTerms.length * span);
  const cursorsAt = kernel.alloc(4 * span);
  // sparse terms' segments: their (document, score) pairs, from segFrom[s]
  const segFrom = new Int32Array(segTerm.length);
  let sparseScored = 0;
  for (let s = 0; s < segTerm.length; s++) {
    segFrom[s] = sparseScored;
    if (!isDense(s)) sparseScored += segDf[s] as number;
  }
  const sparsePairsAt = kernel.alloc(8 * sparseScored);
  const shares = querySegs.map((segs) => {
    let denseCount = 0;
    for (const s of segs) denseCount += segDense[s] as number;
    const dense = new Int32Array(denseCount);
    const sparse = new Int32Array(segs.length - denseCount);
    let d = 0;
    let j = 0;
    for (const s of segs)
      if (segDense[s]) dense[d++] = s;
      else sparse[j++] = s;
    // in the order of their scores in the span buffer: each query's reads move forward through it
    dense.sort();
    const headSegs: number[] = [];
    for (const s of dense) if ((headColumn[segTerm[s] as number] as number) >= 0) headSegs.push(s);
    return {
      dense,
      sparse,
      headSegs,
      denseAt: kernel.alloc(4 * dense.length),
      nonEssentialAt: kernel.alloc(8 * headSegs.length),
    };
  });
  const completeAt = kernel.alloc(16 * shares.reduce((most, sh) => Math.max(most, sh.headSegs.length), 0) + 4);
  // every query's sparse segments (their pairs' address and count), query after query, and where
  // each query's entries end, for `byWindow`; the pairs it sorts by window and query, and where
  // each window's and query's start
  const nq = querySegs.length;
  const sparseListAt = kernel.alloc(8 * shares.reduce((n, sh) => n + sh.sparse.length, 0));
  const sparseEndsAt = kernel.alloc(4 * nq);
  const byWindowPairsAt = kernel.alloc(8 * sparsePairs);
  const byWindowAt = kernel.alloc(4 * (windows * nq + 1));
  const byWindowCursorsAt = kernel.alloc(4 * windows * nq);
  // sparse terms, decoded whole (one span of every document) into the span buffers, and their
  // segments' scoring: each a list for one kernel call
  const sparseTerms: number[] = [];
  for (let t = 0; t < dfs.length; t++) if ((dfs[t] as number) < denseDf) sparseTerms.push(t);
  const sparseTermsAt = kernel.alloc(8 * sparseTerms.length);
  const sparseSegs = segTerm.length - denseSegs.length;
  const sparseScoreAt = kernel.alloc(20 * sparseSegs);
  const buffers = new SpanBuffers(kernel, {
    outSlotsAt,
    outSumsAt,
    boundsAt,
    width: width8,
    bounds: denseTerms.length * (span + 1),
    runsAt,
    runs: 2 * denseTerms.length * span,
  });
  const sparseStarts = decodeWhole(sparseTerms.map(info), exact, kernel, buffers, sparseTermsAt);
  // each sparse term's postings in the span buffers, from sparseFrom[t]
  const sparseFrom = new Int32Array(dfs.length);
  sparseTerms.forEach((t, i) => {
    sparseFrom[t] = sparseStarts[i] as number;
  });
  // the memory has grown as much as it will before the span loop: views taken here stay valid until then
  const mem = new Int32Array(kernel.buffer);
  // the memory is reused from group to group: the accumulator starts at 0 (each scan leaves it so)
  new Float64Array(kernel.buffer, accAt, width8).fill(0);
  {
    const weights = new Float32Array(kernel.buffer);
    let e = sparseScoreAt / 4;
    for (let s = 0; s < segTerm.length; s++) {
      if (isDense(s)) continue;
      const t = segTerm[s] as number;
      const at = 4 * (sparseFrom[t] as number);
      mem[e] = buffers.docsAt + at;
      mem[e + 1] = buffers.tfsAt + at;
      mem[e + 2] = dfs[t] as number;
      weights[e + 3] = segWeight[s] as number;
      mem[e + 4] = sparsePairsAt + 8 * (segFrom[s] as number);
      e += 5;
    }
  }
  kernel.run.scoreAll(sparseScoreAt, sparseSegs, normsAt);
  // each head segment's bound over the whole index, from its term's frontier
  const ub = new Float64Array(segTerm.length);
  for (const s of denseSegs) {
    if ((headColumn[segTerm[s] as number] as number) < 0) continue;
    const w = segWeight[s] as number;
    const term = denseInfos[denseIndex[segTerm[s] as number] as number] as TermInfo;
    ub[s] = frontierBound(term, (tf, norm) => termScore(w, tf, normInvOfNorm(norm)));
  }
  const prefixFrom = new Int32Array(nq + 1);
  shares.forEach((sh, q) => {
    prefixFrom[q + 1] = (prefixFrom[q] as number) + sh.headSegs.length + 1;
  });
  const members: Members = {
    dense: shares.map((sh) => sh.dense),
    denseAt: Int32Array.from(shares, (sh) => sh.denseAt),
    denseCount: Int32Array.from(shares, (sh) => sh.dense.length),
    headSegs: [],
    headCount: Int32Array.from(shares, (sh) => sh.headSegs.length),
    prefix: new Float64Array(prefixFrom[nq] as number),
    prefixFrom,
    split: new Int32Array(nq),
    nonEssentialAt: Int32Array.from(shares, (sh) => sh.nonEssentialAt),
    share: new Float64Array(nq).fill(prune),
  };
  let entries = 0;
  shares.forEach(({ dense, sparse, headSegs, denseAt }, q) => {
    for (let i = 0; i < dense.length; i++) mem[denseAt / 4 + i] = columnOf[dense[i] as number] as number;
    for (const s of sparse) {
      mem[sparseListAt / 4 + 2 * entries] = sparsePairsAt + 8 * (segFrom[s] as number);
      mem[sparseListAt / 4 + 2 * entries++ + 1] = segDf[s] as number;
    }
    mem[sparseEndsAt / 4 + q] = entries;
    const byBound = headSegs.sort((a, b) => (ub[a] as number) - (ub[b] as number));
    const at = prefixFrom[q] as number;
    byBound.forEach((s, i) => {
      members.prefix[at + i + 1] = (members.prefix[at + i] as number) + (ub[s] as number);
    });
    members.headSegs.push(byBound);
  });
  // the window loop reads the queries' sparse pairs of a window in turn: one after the other in memory
  kernel.run.byWindow(sparseListAt, sparseEndsAt, nq, shift, byWindowAt, windows, byWindowPairsAt, byWindowCursorsAt);
  const sparseAt = new Int32Array(kernel.buffer, byWindowAt, windows * nq + 1).slice();

  /** Makes the first `split` of a query's head segments by bound non-essential: it adds the others (mem: a view of the kernel's memory). */
  const nonEssential = new Uint8Array(segTerm.length);
  const essentials = (q: number, split: number, mem: Int32Array): void => {
    const headSegs = members.headSegs[q] as number[];
    const listAt = (members.nonEssentialAt[q] as number) / 4;
    for (let i = 0; i < split; i++) {
      const s = headSegs[i] as number;
      nonEssential[s] = 1;
      mem[listAt + 2 * i] = columnOf[s] as number;
      mem[listAt + 2 * i + 1] = headColumn[segTerm[s] as number] as number;
    }
    let n = 0;
    const denseAt = (members.denseAt[q] as number) / 4;
    for (const s of members.dense[q] as Int32Array) if (!nonEssential[s]) mem[denseAt + n++] = columnOf[s] as number;
    for (let i = 0; i < split; i++) nonEssential[headSegs[i] as number] = 0;
    members.denseCount[q] = n;
    members.split[q] = split;
  };

  // dense terms: decoded span by span, term after term, into the kernel's memory, with the bounds of
  // each window's postings; scored there segment after segment
  const decoder = new SpanDecoder(denseInfos, exact, kernel);
  // where each dense segment's term's runs start (in `runs`: two entries a window), by column
  const columnRuns = Int32Array.from(denseSegs, (s) => 2 * span * (denseIndex[segTerm[s] as number] as number));
  {
    const list = new Int32Array(kernel.buffer, denseListAt, 2 * denseSegs.length);
    const weights = new Float32Array(kernel.buffer, denseListAt, 2 * denseSegs.length);
    denseSegs.forEach((s, c) => {
      list[2 * c] = runsAt + 4 * (columnRuns[c] as number);
      weights[2 * c + 1] = segWeight[s] as number;
    });
  }
  // the bytes of each window's pairs in a span
  const windowBytes = new Int32Array(span);

  const tops = querySegs.map(() => new TopK(k, order));
  // each query's cut (below it a sum cannot round, to float, up to the k-th score; `offer` makes the
  // exact test) and whether its top-k is full, kept here as they change: the window loop reads them for every query
  const cuts = new Float64Array(nq);
  const full = new Uint8Array(nq);
  // how many queries still prune (a share that reaches 0 stays there)
  let pruning = heads.length > 0 ? nq : 0;
  for (let first = 0; first < windows; first += span) {
    const spanStart = first * window;
    const spanEnd = Math.min(spanStart + span * window, docCount);
    const count = Math.min(span, windows - first);
    // dense terms decoded a chunk of terms at a time, each chunk copied window after window
    let used = 0;
    let placed = 0;
    let chunk = 0;
    for (let i = 0; i < denseTerms.length; i++) {
      const n = decoder.span(i, spanStart, spanEnd, buffers, used);
      // bounds[w]: the first of the term's postings in the span's window w (positions in the buffer)
      const docs = buffers.docs;
      const bounds = buffers.bounds;
      const b = i * (span + 1);
      let j = used;
      for (let w = 0; w < count; w++) {
        // the first posting at or past the window's start (binary search: the postings are sorted)
        const lo = w * window;
        let hi = used + n;
        while (j < hi) {
          const mid = (j + hi) >>> 1;
          if ((docs[mid] as number) < lo) j = mid + 1;
          else hi = mid;
        }
        bounds[b + w] = j;
      }
      bounds[b + count] = used + n;
      used += n;
      if (used < chunkSize && i < denseTerms.length - 1) continue;
      // `regroup` reads and writes up to 12 bytes past the postings
      buffers.reservePostings(used, used + 4);
      buffers.reserveWindows(placed, placed + used + 4 * count);
      placed = kernel.run.regroup(
        boundsAt,
        chunk,
        i + 1,
        span,
        count,
        buffers.docsAt,
        buffers.tfsAt,
        buffers.windowDocsAt,
        buffers.windowTfsAt,
        placed,
        runsAt,
        cursorsAt,
      );
      used = 0;
      chunk = i + 1;
    }
    // room for the largest window of the span's blocks of four pairs, 24 bytes each (each window's are scored just before its queries add them)
    windowBytes.fill(0);
    for (const r of columnRuns)
      for (let w = 0; w < count; w++) {
        const n = (buffers.runs[r + 2 * w + 1] as number) - (buffers.runs[r + 2 * w] as number);
        windowBytes[w] = (windowBytes[w] as number) + 24 * ((n + 3) >> 2);
      }
    buffers.reserveScores(Math.max(0, ...windowBytes));
    // views taken after the memory last grew
    const { outSlots, outSums, runs } = buffers;
    const words = new Int32Array(kernel.buffer);
    for (let w = first; w < first + count; w++) {
      const start = w * window;
      const width = Math.ceil((Math.min(start + window, docCount) - start) / 8) * 8;
      // the window's pairs, segment after segment in their columns' order: a query's reads move
      // forward through them; their slots count from the window's start, as the sparse pairs' do
      kernel.run.scoreWindow(
        denseListAt,
        denseSegs.length,
        buffers.windowDocsAt,
        buffers.windowTfsAt,
        normsAt + 4 * spanStart,
        w - first,
        start - spanStart,
        buffers.pairsAt,
        tableAt,
        buffers.pairsEnd,
      );
      // the window's head index, unless every query has given up pruning
      if (pruning > 0) {
        new Uint8Array(kernel.buffer, headsAt, 10 * headWords * heads.length).fill(0);
        heads.forEach((t, h) => {
          const r = 2 * ((denseIndex[t] as number) * span + w - first);
          const from = runs[r] as number;
          const bits = headsAt + 10 * headWords * h;
          const n = (runs[r + 1] as number) - from;
          kernel.run.mark(buffers.windowDocsAt + 4 * from, n, start - spanStart, bits, bits + 8 * headWords, headWords);
        });
      }
      tops.forEach((top, q) => {
        let cut = cuts[q] as number;
        // non-essential: the head segments, lowest bound first, whose bounds sum below the query's share of cut
        // (from the last window's: the sums only grow along the list)
        let share = members.share[q] as number;
        const most = share * cut;
        const prefixAt = members.prefixFrom[q] as number;
        const ownHeads = members.headCount[q] as number;
        let split = members.split[q] as number;
        while (split > 0 && !((members.prefix[prefixAt + split] as number) < most)) split--;
        while (split < ownHeads && (members.prefix[prefixAt + split + 1] as number) < most) split++;
        if (split !== members.split[q]) essentials(q, split, words);
        const from = sparseAt[w * nq + q] as number;
        kernel.run.addSegments(
          accAt,
          members.denseAt[q] as number,
          members.denseCount[q] as number,
          tableAt,
          byWindowPairsAt + 8 * from,
          (sparseAt[w * nq + q + 1] as number) - from,
        );
        let found: number;
        // while its top-k is not full, the scan raises its own cut
        if (split === 0) found = kernel.run.scan(accAt, width, cut, full[q] ? 0 : k, heapAt, outSlotsAt, outSumsAt);
        else {
          // a document can reach cut only if the sum of its other terms reaches it less the
          // non-essential segments' largest scores here (`rest` < cut: one with none of the others cannot)
          const rest = kernel.run.nonEssential(members.nonEssentialAt[q] as number, split, tableAt, headsAt, headWords, completeAt);
          const candidates = kernel.run.scan(accAt, width, Math.max(0, cut - rest - cut * 2 ** -40), 0, 0, outSlotsAt, outSumsAt);
          found = kernel.run.complete(outSlotsAt, outSumsAt, candidates, cut, completeAt, split, rest);
          // the additions the non-essential segments saved here, against what their candidates cost
          const saved = words[(completeAt >> 2) + 4 * split] as number;
          const cost = candidateCost * candidates;
          if (cost > saved) {
            share = share < prune / 8 ? 0 : share / 2;
            if (share === 0) pruning--;
          } else if (4 * cost < saved) share = Math.min(prune, 2 * share);
          members.share[q] = share;
        }
        if (found === 0) return;
        for (let i = 0; i < found; i++) {
          const v = outSums[i] as number;
          if (v > cut && top.offer(start + (outSlots[i] as number), Math.fround(v)) && top.size === top.k)
            cut = top.threshold * (1 - 2 ** -20);
        }
        cuts[q] = cut;
        full[q] = top.size === top.k ? 1 : 0;
      });
    }
  }
  return tops;
}

/**
 * The `count` terms of the list with the most postings (dfs by term), most first (ties in list
 * order), sorted as numbers: a comparator took 10 ms for a group's ~10,000 dense terms.
 */
export function mostFrequent(terms: number[], dfs: ArrayLike<number>, count: number): number[] {
  // a term's rank in the list below its postings count from the most, in one double (exact below 2^53)
  const PLACES = 2 ** 22;
  let most = 0;
  for (const t of terms) most = Math.max(most, dfs[t] as number);
  if (terms.length >= PLACES || most >= 2 ** 31) return [...terms].sort((a, b) => (dfs[b] as number) - (dfs[a] as number)).slice(0, count);
  const keys = new Float64Array(terms.length);
  terms.forEach((t, i) => {
    keys[i] = (most - (dfs[t] as number)) * PLACES + i;
  });
  keys.sort();
  return Array.from(keys.subarray(0, count), (key) => terms[key % PLACES] as number);
}
