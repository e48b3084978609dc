import { join } from 'node:path';
import type { Analyzer } from '../analysis/analyzers.js';
import { whitespaceSpans } from '../analysis/whitespace.js';
import { FileByteWriter } from './file-writer.js';
import { TermDictionary, TokenRanges } from './term-dictionary.js';
import { ByteWriter, readVarints, writeVarint } from './varint.js';

/**
 * A run in shared memory, in one of two forms. Encoded: per term (ascending local id) a varint
 * df, df varint document gaps and df varint frequencies. Packed: the sorted postings as they were
 * held, which saves the encoding (on the build's critical path, near the end of the analysis) and
 * the decoding in the merge, at 4 bytes a posting against ~2.6. A thread's last run is packed, and
 * the first it spills while indexing; the others are encoded, which bounds the memory runs take.
 */
export interface LoadedRun {
  /** The varint bytes, or (packed) an Int32 per posting: its document from `first` in the top 24 bits, its tf in the low 8 (255: in `aside`). */
  data: SharedArrayBuffer;
  /**
   * By the thread's terms in sorted order (`ThreadDictionary.ids`), so that the merge, which walks
   * the global terms in order, reads it in order: an Int32 a term, the byte offset of its postings
   * in `data` or −1; packed, two, where its postings start and end.
   */
  table: SharedArrayBuffer;
  packed?: {
    first: number;
    /** (posting index, tf) pairs by index: the frequencies of 255 and more. */
    aside: Int32Array;
  };
}

/** Reads the postings of one term from each form of run (the merge's and the tests' one reader). */
export class RunReader {
  private readonly bytes: Uint8Array;
  private readonly words: Int32Array;
  private readonly table: Int32Array;
  private readonly first: number;
  private readonly aside: Int32Array;
  private readonly one = new Int32Array(1);

  constructor(run: LoadedRun) {
    this.bytes = new Uint8Array(run.data);
    this.table = new Int32Array(run.table);
    this.first = run.packed ? run.packed.first : -1;
    this.words = run.packed ? new Int32Array(run.data) : new Int32Array(0);
    this.aside = run.packed ? run.packed.aside : new Int32Array(0);
  }

  /** Where the postings of the thread's term of sorted rank `r` start, or −1 where the run has none. */
  at(r: number): number {
    if (this.first < 0) return this.table[r] as number;
    const a = this.table[2 * r] as number;
    return a < (this.table[2 * r + 1] as number) ? a : -1;
  }

  /** The first byte or word of a term's postings, read so that its cache miss overlaps others. */
  touch(p: number): number {
    return this.first < 0 ? (this.bytes[p] as number) : (this.words[p] as number);
  }

  /** The df of the term of sorted rank `r` (its postings at p). */
  df(r: number, p: number): number {
    if (this.first >= 0) return (this.table[2 * r + 1] as number) - p;
    readVarints(this.bytes, p, 1, this.one);
    return this.one[0] as number;
  }

  /** Writes the df postings of a term (at p, its df from `df`) into docs and tfs from `n` on; returns df. */
  read(p: number, df: number, docs: Int32Array, tfs: Int32Array, n: number): number {
    const first = this.first;
    if (first < 0) {
      const bytes = this.bytes;
      // past the df's own varint, which `df` has read
      p = readVarints(bytes, p + varintBytes(df), df, docs, n);
      for (let i = n, doc = -1; i < n + df; i++) docs[i] = doc += docs[i] as number;
      readVarints(bytes, p, df, tfs, n);
      return df;
    }
    const words = this.words;
    const end = p + df;
    for (let x = p, i = n; x < end; x++, i++) {
      const v = words[x] as number;
      docs[i] = first + (v >>> TF_BITS);
      const tf = v & TF_ASIDE;
      tfs[i] = tf === TF_ASIDE ? this.asideTf(x) : tf;
    }
    return df;
  }

  private asideTf(x: number): number {
    const a = this.aside;
    let lo = 0;
    let hi = a.length / 2;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((a[2 * mid] as number) < x) lo = mid + 1;
      else hi = mid;
    }
    return a[2 * lo + 1] as number;
  }
}

/** What a thread hands over when its documents are all analyzed. */
export interface ThreadDictionary {
  runs: LoadedRun[];
  /** Postings per local term id, over all runs. */
  df: Int32Array;
  /** The thread's terms in ascending UTF-16 code-unit order, their code units one after the other and where each ends (typed arrays: no string is made or copied between threads), and the local id of each. */
  units: Uint16Array;
  ends: Int32Array;
  ids: Int32Array;
}

/**
 * A held posting's document (from the run's first) and frequency share 32 bits: the document
 * in the top 24, the frequency in the low 8, where 255 says it is kept aside (in `bigTf`).
 */
const TF_BITS = 8;
const TF_ASIDE = (1 << TF_BITS) - 1;
/**
 * The most times a document may repeat one term, plus one: the builder refuses more (a tf below
 * it is exact as a float, as Lucene scores it).
 */
const TF_RANGE = 2 ** 22;
/** Documents a run may span (from its first to its last): what the 24 bits hold. */
const RUN_SPAN = 2 ** (32 - TF_BITS);
/** Terms a group of the spill's first pass holds (at 1M passages a group's counts and postings fit a 1 MiB L2 cache). */
const GROUP_BITS = 14;
const GROUP_TERMS = 1 << GROUP_BITS;

function grown(a: Int32Array, n: number): Int32Array<ArrayBuffer> {
  let size = a.length;
  while (size < n) size *= 2;
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** A payloads buffer in shared memory (a packed run is the payloads as they were sorted). */
function sharedInts(n: number, from?: Int32Array): Int32Array<SharedArrayBuffer> {
  const b = new Int32Array(new SharedArrayBuffer(4 * n));
  if (from) b.set(from);
  return b;
}

const varintBytes = (v: number): number => (v < 0x80 ? 1 : v < 0x4000 ? 2 : v < 0x200000 ? 3 : v < 0x10000000 ? 4 : 5);

/**
 * Inverts the documents of one indexing thread with a local dictionary and flat typed buffers:
 * per posting its local term id, and its document and tf packed in 32 bits, in document order
 * (14 bytes a held posting with the sort's two buffers: what the build's memory and page
 * faults grow with). When `budget` postings are held, or the documents would overflow their 24
 * bits, a counting sort by term id (stable: documents stay ascending) turns them into a run in
 * shared memory (`LoadedRun`: packed or encoded). The documents' term vectors (local ids) go to a
 * file as they come. The builder merges every thread's runs.
 */
export class Inverter {
  private readonly dict = new TermDictionary();
  private readonly tokens = new TokenRanges();
  private ids: Int32Array = new Int32Array(1 << 16);
  private pTerm: Int32Array;
  private pay: Int32Array<SharedArrayBuffer>;
  private nPost = 0;
  /** The document the held postings count from, and the frequencies of 255 and more among them, by `${document − runFirst} ${id}` (rare). */
  private runFirst = 0;
  private readonly bigTf = new Map<string, number>();
  /** addDoc's table of the document's terms: id, where its posting is, the document it is from. */
  private seenId = new Int32Array(256);
  private seenAt = new Int32Array(256);
  private seenStamp = new Int32Array(256);
  private stamp = 0;
  private tf = new Int32Array(256);
  /** Reused by every spill: the sort's payloads grouped by term group, and per term where its postings end. */
  private pay2 = new Int32Array(0);
  private ends = new Int32Array(0);
  /** The spill's first pass: each posting's term within its group, and where each group's next posting goes. */
  private low = new Uint16Array(0);
  private groupAt = new Int32Array(0);
  private df: Int32Array = new Int32Array(1 << 16);
  /** Each run, in document order: packed, or encoded with its terms as (local id, byte offset) pairs (their table is laid out by `finish`). */
  private readonly runs: (LoadedRun | { data: SharedArrayBuffer; terms: Int32Array })[] = [];
  /** The term vectors' file, or null in an index without them. */
  private readonly vectors: FileByteWriter | null;
  private readonly vec = new ByteWriter();
  readonly vectorsPath: string;

  constructor(
    dir: string,
    prefix: string,
    private readonly budget: number,
    /** Documents a run may span (tests shrink it). */
    private readonly runSpan = RUN_SPAN,
    withVectors = true,
  ) {
    this.vectorsPath = join(dir, `${prefix}-vectors.bin`);
    this.vectors = withVectors ? new FileByteWriter(this.vectorsPath) : null;
    const cap = Math.max(1024, Math.min(budget + 1024, 1 << 26));
    this.pTerm = new Int32Array(cap);
    this.pay = sharedInts(cap);
  }

  /** Postings it may take before its budget makes it spill those it holds into a run (a run's document span can end it sooner). */
  get room(): number {
    return this.budget - this.nPost;
  }

  /** Analyzes and inverts documents first, first + 1, ...; returns their lengths (numbers of tokens). */
  addBatch(first: number, texts: readonly string[], analyzer: Analyzer): Int32Array {
    const tok = this.tokens;
    tok.reset();
    const bounds = new Int32Array(texts.length + 1);
    const spans = analyzer.spans;
    if (spans === whitespaceSpans) {
      tok.src = texts as string[];
      tok.pushWhitespaceAll(bounds);
    } else if (spans) {
      tok.src = texts as string[];
      texts.forEach((text, i) => {
        bounds[i] = tok.n;
        spans(text, (a, b) => tok.push(i, a, b));
      });
    } else {
      texts.forEach((text, i) => {
        bounds[i] = tok.n;
        for (const t of analyzer.analyze(text)) {
          tok.src.push(t);
          tok.push(tok.src.length - 1, 0, t.length);
        }
      });
    }
    bounds[texts.length] = tok.n;
    if (this.ids.length < tok.n) this.ids = grown(this.ids, tok.n);
    this.dict.lookup(tok, this.ids);
    const lengths = new Int32Array(texts.length);
    for (let i = 0; i < texts.length; i++) {
      lengths[i] = (bounds[i + 1] as number) - (bounds[i] as number);
      this.addDoc(first + i, bounds[i] as number, bounds[i + 1] as number);
    }
    return lengths;
  }

  /**
   * The postings of one document: its token ids [a, b) counted in a small table stamped per
   * document, in order of first appearance (the spill sorts by term, and the term vectors are
   * sorted when rewritten with global ids).
   */
  private addDoc(doc: number, a: number, b: number): void {
    const n = b - a;
    if (this.nPost > 0 && doc - this.runFirst >= this.runSpan) this.spill();
    if (this.nPost === 0) this.runFirst = doc;
    if (this.nPost + n > this.pTerm.length) {
      this.pTerm = grown(this.pTerm, this.nPost + n);
      this.pay = sharedInts(this.pTerm.length, this.pay);
    }
    if (this.seenId.length < 2 * n) {
      let size = this.seenId.length;
      while (size < 2 * n) size *= 2;
      this.seenId = new Int32Array(size);
      this.seenAt = new Int32Array(size);
      this.seenStamp = new Int32Array(size);
      this.tf = new Int32Array(size);
    }
    if (this.stamp === 0x7fffffff) {
      this.seenStamp.fill(0);
      this.stamp = 0;
    }
    const stamp = ++this.stamp;
    const { seenId, seenAt, seenStamp, tf, ids, pTerm } = this;
    const mask = seenId.length - 1;
    const start = this.nPost;
    let p = start;
    for (let k = a; k < b; k++) {
      const id = ids[k] as number;
      let h = Math.imul(id, 0x9e3779b1) & mask;
      for (;;) {
        if (seenStamp[h] !== stamp) {
          seenStamp[h] = stamp;
          seenId[h] = id;
          seenAt[h] = p - start;
          tf[p - start] = 1;
          pTerm[p++] = id;
          break;
        }
        if (seenId[h] === id) {
          const at = seenAt[h] as number;
          tf[at] = (tf[at] as number) + 1;
          break;
        }
        h = (h + 1) & mask;
      }
    }
    const distinct = p - start;
    const rel = doc - this.runFirst;
    const base = rel << TF_BITS;
    const pay = this.pay;
    for (let q = 0; q < distinct; q++) {
      const f = tf[q] as number;
      if (f < TF_ASIDE) pay[start + q] = base | f;
      else {
        if (f >= TF_RANGE) throw new Error(`document ${doc} repeats a term ${f} times; at most ${TF_RANGE - 1} are supported`);
        pay[start + q] = base | TF_ASIDE;
        this.bigTf.set(`${rel} ${pTerm[start + q]}`, f);
      }
    }
    this.nPost = p;
    if (this.vectors) {
      const vec = this.vec;
      vec.vector(pTerm, start, tf, distinct);
      if (vec.length > 1 << 22) {
        this.vectors.write(vec.bytes());
        vec.length = 0;
      }
    }
    if (this.nPost >= this.budget) this.spill();
  }

  /** Sorts the held postings by term into a run: encoded, or (`last`) packed as they are. */
  private spill(last = false): void {
    const n = this.nPost;
    if (n === 0) return;
    // a counting sort by term, stable (documents stay ascending within a term), in two passes: by
    // the term's group of GROUP_TERMS first (each group's next place stays in cache), then by term
    // within each group (its counts and places in cache); placing each posting by term at once
    // missed the cache at nearly every posting. The terms' ranges stand for the keys in the end, so
    // only the payloads come back sorted
    const terms = this.dict.size;
    if (this.pay2.length < n) {
      this.pay2 = new Int32Array(this.pTerm.length);
      this.low = new Uint16Array(this.pTerm.length);
    }
    if (this.ends.length < terms + 1) this.ends = new Int32Array(Math.max(terms + 1, 2 * this.ends.length));
    const keys = this.pTerm;
    const pay = this.pay;
    const grouped = this.pay2;
    const low = this.low;
    // ends[t]: where term t's postings start, then (once placed) where they end
    const ends = this.ends;
    ends.fill(0, 0, terms + 1);
    for (let i = 0; i < n; i++) {
      const t = (keys[i] as number) + 1;
      ends[t] = (ends[t] as number) + 1;
    }
    for (let t = 1; t <= terms; t++) ends[t] = (ends[t] as number) + (ends[t - 1] as number);
    const groups = Math.ceil(terms / GROUP_TERMS);
    if (this.groupAt.length < groups) this.groupAt = new Int32Array(2 * groups);
    const groupAt = this.groupAt;
    for (let g = 0; g < groups; g++) groupAt[g] = ends[g * GROUP_TERMS] as number;
    for (let i = 0; i < n; i++) {
      const t = keys[i] as number;
      const g = t >>> GROUP_BITS;
      const at = groupAt[g] as number;
      groupAt[g] = at + 1;
      low[at] = t & (GROUP_TERMS - 1);
      grouped[at] = pay[i] as number;
    }
    for (let g = 0, x = 0; g < groups; g++) {
      const base = g * GROUP_TERMS;
      for (const end = groupAt[g] as number; x < end; x++) {
        const t = base + (low[x] as number);
        const at = ends[t] as number;
        ends[t] = at + 1;
        pay[at] = grouped[x] as number;
      }
    }
    if (this.df.length < terms) this.df = grown(this.df, terms);
    const df = this.df;
    const first = this.runFirst;
    const big = this.bigTf;
    if (last || this.runs.length === 0) {
      this.runs.push(this.packed(terms, first));
      this.nPost = 0;
      big.clear();
      // the payloads are the run now: the postings that follow go to a new buffer
      if (!last) this.pay = sharedInts(this.pTerm.length);
      return;
    }
    // the run's exact size first, then the run written straight into shared memory
    const tfOf = (v: number, id: number): number =>
      (v & TF_ASIDE) === TF_ASIDE ? (big.get(`${v >>> TF_BITS} ${id}`) as number) : v & TF_ASIDE;
    let used = 0;
    let size = 0;
    for (let id = 0, i = 0; id < terms; id++) {
      const j = ends[id] as number;
      if (j === i) continue;
      let prev = -1;
      for (let x = i; x < j; x++) {
        const v = pay[x] as number;
        const doc = first + (v >>> TF_BITS);
        size += varintBytes(doc - prev) + varintBytes(tfOf(v, id));
        prev = doc;
      }
      size += varintBytes(j - i);
      df[id] = (df[id] as number) + j - i;
      used++;
      i = j;
    }
    const data = new SharedArrayBuffer(size);
    const out = new Uint8Array(data);
    const offsets = new Int32Array(2 * used);
    let q = 0;
    let k = 0;
    for (let id = 0, i = 0; id < terms; id++) {
      const j = ends[id] as number;
      if (j === i) continue;
      offsets[2 * k] = id;
      offsets[2 * k + 1] = q;
      k++;
      q = writeVarint(out, q, j - i);
      let prev = -1;
      for (let x = i; x < j; x++) {
        const doc = first + ((pay[x] as number) >>> TF_BITS);
        q = writeVarint(out, q, doc - prev);
        prev = doc;
      }
      for (let x = i; x < j; x++) q = writeVarint(out, q, tfOf(pay[x] as number, id));
      i = j;
    }
    this.runs.push({ data, terms: offsets });
    this.nPost = 0;
    big.clear();
  }

  /** The sorted payloads as a packed run: where each term's postings start, and the large frequencies by posting. */
  private packed(terms: number, first: number): LoadedRun {
    const { ends, df, pay } = this;
    const table = sharedInts(terms + 1);
    for (let id = 0, i = 0; id < terms; id++) {
      const j = ends[id] as number;
      table[id + 1] = j;
      df[id] = (df[id] as number) + j - i;
      i = j;
    }
    const aside: number[][] = [];
    for (const [key, tf] of this.bigTf) {
      const [rel, id] = key.split(' ').map(Number) as [number, number];
      // the term's documents ascend: the posting of document `rel` by bisection
      let lo = table[id] as number;
      let hi = (table[id + 1] as number) - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if ((pay[mid] as number) >>> TF_BITS < rel) lo = mid + 1;
        else hi = mid;
      }
      aside.push([lo, tf]);
    }
    aside.sort((a, b) => (a[0] as number) - (b[0] as number));
    return { data: pay.buffer, table: table.buffer, packed: { first, aside: Int32Array.from(aside.flat()) } };
  }

  /** Closes the term vectors' file, if still open (a build that failed leaves it to be removed). */
  close(): void {
    this.vectors?.close();
  }

  /** Spills what is held, closes the vectors, lays out the runs' tables, and sorts the dictionary. */
  finish(): ThreadDictionary {
    this.spill(true);
    // the buffers are done with (the payloads are the last run now): the merge that follows needs the memory
    this.pTerm = new Int32Array(0);
    this.pay = sharedInts(0);
    this.pay2 = new Int32Array(0);
    this.low = new Uint16Array(0);
    this.ends = new Int32Array(0);
    this.vectors?.write(this.vec.bytes());
    this.close();
    const local = this.dict.size;
    const df = new Int32Array(local);
    df.set(this.df.subarray(0, local));
    const { ids, units, ends } = this.dict.sorted();
    // the runs' tables by sorted rank: looked up by local id, the merge missed the cache at nearly
    // every term of every run. Laid out in local-id order, scattered by rank: reads gathered by
    // rank each waited on a miss (~250 ms a thread at 1M passages)
    const rankOf = new Int32Array(local);
    for (let i = 0; i < local; i++) rankOf[ids[i] as number] = i;
    const runs: LoadedRun[] = this.runs.map((r) => {
      if ('table' in r) {
        const old = new Int32Array(r.table);
        // the terms added since the run was spilled have none of its postings: start = end = 0
        const table = sharedInts(2 * local);
        for (let id = 0, n = old.length - 1; id < n; id++) {
          const at = 2 * (rankOf[id] as number);
          table[at] = old[id] as number;
          table[at + 1] = old[id + 1] as number;
        }
        return { ...r, table: table.buffer };
      }
      const table = sharedInts(local).fill(-1);
      for (let k = 0; k < r.terms.length; k += 2) table[rankOf[r.terms[k] as number] as number] = r.terms[k + 1] as number;
      return { data: r.data, table: table.buffer };
    });
    return { runs, df, units, ends, ids };
  }
}
