import { join } from 'node:path';
import type { ChunkSumsState } from './checksums.js';
import { FileByteWriter } from './file-writer.js';
import { type LoadedRun, RunReader } from './inverter.js';
import { encodeTermPostings, WordWriter } from './postings-codec.js';

/** A thread's run, in shared memory so that every merging thread reads the same bytes. */
export interface SharedRun extends LoadedRun {
  thread: number;
}

export interface MergeJob {
  /** Every run, by thread and, within a thread, in document order. */
  runs: SharedRun[];
  /** Per thread, Int32 per global term id: the term's rank in the thread's sorted terms (its runs' tables' order), or −1. */
  rankOf: SharedArrayBuffer[];
  /** Norm byte (or exact length, u32) per document. */
  norms: SharedArrayBuffer;
  exact: boolean;
  /** The parts' global term ids: part c holds terms [bounds[c], bounds[c + 1]). */
  bounds: Int32Array;
  /** Int32s: [0] the next part to claim, [1 + c] 1 once part c is written. */
  claims: SharedArrayBuffer;
  /** Uint32s, three per global term: its df, collection frequency and length in words. */
  records: SharedArrayBuffer;
  /** The folder the parts are written to (`partPath`). */
  dir: string;
}

/** The xor of the bytes the merges read ahead (kept so that the compiler keeps those reads). */
export let readAhead = 0;

export const partPath = (dir: string, c: number): string => join(dir, `part-${c}.bin`);

/**
 * Merges part c and marks it written. Returns the part's chunk sums when it starts at term 0 (the
 * builder may rename it into the first postings file), else null: the others are summed as they are copied.
 */
export function mergePart(job: MergeJob, c: number): ChunkSumsState | null {
  const sums = mergeTermRange(job, job.bounds[c] as number, job.bounds[c + 1] as number, partPath(job.dir, c));
  Atomics.store(new Int32Array(job.claims), 1 + c, 1);
  return sums;
}

/** Claims parts and merges them until none is left (each thread's share of the merge is what it claims); returns how many it merged. */
export function mergeClaimed(job: MergeJob): number {
  const claims = new Int32Array(job.claims);
  const parts = job.bounds.length - 1;
  let merged = 0;
  for (let c = Atomics.add(claims, 0, 1); c < parts; c = Atomics.add(claims, 0, 1)) {
    mergePart(job, c);
    merged++;
  }
  return merged;
}

function grow(a: Int32Array, n: number): Int32Array {
  let size = a.length;
  while (size < n) size *= 2;
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/**
 * Merges the postings of the global terms [from, to) from every thread's runs and writes them in
 * the index format. A thread's runs hold ascending documents one after the other; threads
 * interleave (each batch goes to whichever thread is free), so several threads' lists are merged by document.
 */
function mergeTermRange(job: MergeJob, from: number, to: number, path: string): ChunkSumsState | null {
  const threads = job.rankOf.length;
  const ranks = job.rankOf.map((b) => new Int32Array(b));
  // the runs in thread order (and in document order within a thread)
  const runs = [...job.runs].sort((a, b) => a.thread - b.thread);
  const R = runs.length;
  const readers = runs.map((r) => new RunReader(r));
  const runThread = Int32Array.from(runs, (r) => r.thread);
  const norms = job.exact ? new Uint32Array(job.norms) : new Uint8Array(job.norms);
  let docs: Int32Array = new Int32Array(1 << 16);
  let tfs: Int32Array = new Int32Array(1 << 16);
  let mDocs: Int32Array = new Int32Array(1 << 16);
  let mTfs: Int32Array = new Int32Array(1 << 16);
  const srcAt = new Int32Array(threads);
  const srcEnd = new Int32Array(threads);
  const records = new Uint32Array(job.records);
  // only the first part can become a file as it is: the others are summed as they are copied
  const file = new FileByteWriter(path, from === 0);
  const ww = new WordWriter();
  // where each term of a batch starts in each run (−1: not there), found for the whole batch
  // first, and each run's first byte touched: the runs' postings are in local-id order, so each
  // term's are a cache miss, and these overlap when taken together
  const BATCH = 256;
  const pos = new Int32Array(BATCH * R);
  let touched = 0;

  for (let g = from; g < to; g++) {
    const slot = (g - from) % BATCH;
    if (slot === 0) {
      const end = Math.min(to, g + BATCH);
      for (let k = 0; k < R; k++) {
        const l = ranks[runThread[k] as number] as Int32Array;
        const reader = readers[k] as RunReader;
        for (let x = g; x < end; x++) {
          const rank = l[x] as number;
          pos[(x - g) * R + k] = rank < 0 ? -1 : reader.at(rank);
        }
      }
      for (let k = 0; k < R; k++) {
        const reader = readers[k] as RunReader;
        for (let x = 0; x < end - g; x++) {
          const p = pos[x * R + k] as number;
          if (p >= 0) touched ^= reader.touch(p);
        }
      }
    }
    let n = 0;
    let sources = 0;
    for (let k = 0; k < R; ) {
      const t = runThread[k] as number;
      // the term's rank in thread t's runs' tables
      const rank = (ranks[t] as Int32Array)[g] as number;
      const begin = n;
      for (; k < R && runThread[k] === t; k++) {
        const p = pos[slot * R + k] as number;
        if (p < 0) continue;
        const reader = readers[k] as RunReader;
        const df = reader.df(rank, p);
        if (n + df > docs.length) {
          docs = grow(docs, n + df);
          tfs = grow(tfs, n + df);
        }
        n += reader.read(p, df, docs, tfs, n);
      }
      if (n > begin) {
        srcAt[sources] = begin;
        srcEnd[sources] = n;
        sources++;
      }
    }
    if (sources > 1) {
      if (mDocs.length < n) {
        mDocs = grow(mDocs, n);
        mTfs = grow(mTfs, n);
      }
      // a thread's documents come a batch at a time: copy from the source with the lowest
      // document until it passes the next source's lowest
      for (let o = 0; o < n; ) {
        let best = -1;
        let bestDoc = 0x7fffffff;
        let next = 0x7fffffff;
        for (let s = 0; s < sources; s++) {
          const at = srcAt[s] as number;
          if (at >= (srcEnd[s] as number)) continue;
          const d = docs[at] as number;
          if (d < bestDoc) {
            next = bestDoc;
            bestDoc = d;
            best = s;
          } else if (d < next) next = d;
        }
        let at = srcAt[best] as number;
        const end = srcEnd[best] as number;
        do {
          mDocs[o] = docs[at] as number;
          mTfs[o++] = tfs[at++] as number;
        } while (at < end && (docs[at] as number) < next);
        srcAt[best] = at;
      }
      [docs, mDocs] = [mDocs, docs];
      [tfs, mTfs] = [mTfs, tfs];
    }
    const before = ww.length;
    const cf = encodeTermPostings(docs, tfs, n, norms, job.exact, ww);
    const r = 3 * g;
    records[r] = n;
    records[r + 1] = cf;
    records[r + 2] = ww.length - before;
    if (ww.length > 1 << 20) {
      file.write(ww.bytes());
      ww.length = 0;
    }
  }
  file.write(ww.bytes());
  file.close();
  // (a use of the touched bytes: loads whose values go unused could be dropped by the compiler)
  readAhead ^= touched;
  return file.sums?.state() ?? null;
}

/**
 * Where the merge's parts begin, by merge cost: one part for a lone thread; for more, parts that
 * shrink from 1/(2T) of the cost left to 1/(16T) of the whole, so that the last ones, which the
 * threads finish at about the same time, are small, and copying them into the postings files costs
 * little. The bounds change nothing in the files.
 */
export function partBounds(costOf: Float64Array, T: number): Int32Array {
  const n = costOf.length;
  if (T === 1) return Int32Array.of(0, n);
  let total = 0;
  for (let g = 0; g < n; g++) total += costOf[g] as number;
  const least = total / (16 * T);
  const bounds = [0];
  let acc = 0;
  let goal = total / (2 * T);
  for (let g = 0; g < n; g++) {
    acc += costOf[g] as number;
    if (acc >= goal && g + 1 < n) {
      bounds.push(g + 1);
      goal = acc + Math.max((total - acc) / (2 * T), least);
    }
  }
  bounds.push(n);
  return Int32Array.from(bounds);
}
