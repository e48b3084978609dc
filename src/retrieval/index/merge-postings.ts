import { FileByteWriter } from './file-writer.js';
import { encodeTermPostings, WordWriter } from './postings-codec.js';
import { readVarints } from './varint.js';

/** A spilled run, loaded into shared memory so that every merging thread reads the same bytes. */
export interface SharedRun {
  thread: number;
  /** The run file's bytes. */
  data: SharedArrayBuffer;
  /** Int32 per local term id of its thread: the byte offset of the term's data in `data`, or −1. */
  table: SharedArrayBuffer;
}

export interface MergeJob {
  /** Every run, by thread and, within a thread, in document order. */
  runs: SharedRun[];
  /** Per thread, Int32 per global term id: the thread's local id for it, or −1. */
  localOf: SharedArrayBuffer[];
  /** Norm byte (or exact length, u32) per document. */
  norms: SharedArrayBuffer;
  exact: boolean;
  /** Global term ids [from, to) to merge. */
  from: number;
  to: number;
  /** Part file to write the terms' postings to. */
  path: string;
}

export interface MergeResult {
  path: string;
  /** Per term of the range: df, collection frequency, length in words. */
  records: Uint32Array;
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
 * interleave (batches go round-robin), so several threads' lists are merged by document.
 */
export function mergeTermRange(job: MergeJob): MergeResult {
  const threads = job.localOf.length;
  const local = job.localOf.map((b) => new Int32Array(b));
  const runsOf = Array.from({ length: threads }, () => [] as { bytes: Uint8Array; table: Int32Array }[]);
  for (const r of job.runs)
    (runsOf[r.thread] as { bytes: Uint8Array; table: Int32Array }[]).push({
      bytes: new Uint8Array(r.data),
      table: new Int32Array(r.table),
    });
  const norms = job.exact ? new Uint32Array(job.norms) : new Uint8Array(job.norms);
  let docs: Int32Array = new Int32Array(1 << 16);
  let tfs: Int32Array = new Int32Array(1 << 16);
  let mDocs: Int32Array = new Int32Array(1 << 16);
  let mTfs: Int32Array = new Int32Array(1 << 16);
  const one = new Int32Array(1);
  const srcAt = new Int32Array(threads);
  const srcEnd = new Int32Array(threads);
  const records = new Uint32Array(3 * (job.to - job.from));
  const file = new FileByteWriter(job.path);
  const ww = new WordWriter();

  for (let g = job.from; g < job.to; g++) {
    let n = 0;
    let sources = 0;
    for (let t = 0; t < threads; t++) {
      const l = (local[t] as Int32Array)[g] as number;
      if (l < 0) continue;
      const begin = n;
      for (const run of runsOf[t] as { bytes: Uint8Array; table: Int32Array }[]) {
        let p = run.table[l] as number;
        if (p < 0) continue;
        // df, df document gaps, df frequencies
        p = readVarints(run.bytes, p, 1, one);
        const df = one[0] as number;
        if (n + df > docs.length) {
          docs = grow(docs, n + df);
          tfs = grow(tfs, n + df);
        }
        p = readVarints(run.bytes, p, df, docs, n);
        for (let i = n, doc = -1; i < n + df; i++) docs[i] = doc += docs[i] as number;
        readVarints(run.bytes, p, df, tfs, n);
        n += df;
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
      for (let o = 0; o < n; o++) {
        let best = -1;
        let bestDoc = 0x7fffffff;
        for (let s = 0; s < sources; s++) {
          const at = srcAt[s] as number;
          if (at < (srcEnd[s] as number) && (docs[at] as number) < bestDoc) {
            bestDoc = docs[at] as number;
            best = s;
          }
        }
        const at = srcAt[best] as number;
        mDocs[o] = bestDoc;
        mTfs[o] = tfs[at] as number;
        srcAt[best] = at + 1;
      }
      [docs, mDocs] = [mDocs, docs];
      [tfs, mTfs] = [mTfs, tfs];
    }
    const before = ww.length;
    const cf = encodeTermPostings(docs, tfs, n, norms, job.exact, ww);
    const r = 3 * (g - job.from);
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
  return { path: job.path, records };
}
