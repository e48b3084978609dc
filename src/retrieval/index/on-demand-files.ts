import { closeSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { CHUNK, damage, type FileSum, verifyChunks } from './checksums.js';
import { type IndexMeta, postingsFile, vectorsFile } from './index-format.js';

/** With the document ids on disk, where every DOCID_BLOCK-th line starts is kept. */
export const DOCID_BLOCK = 64;

/** Terms' postings read on demand, least recently used dropped first past `capacity` bytes. */
export class PostingsCache {
  private readonly map = new Map<number, Uint32Array>();
  private bytes = 0;
  constructor(private readonly capacity: number) {}

  get(id: number): Uint32Array | undefined {
    const words = this.map.get(id);
    if (words) {
      this.map.delete(id);
      this.map.set(id, words);
    }
    return words;
  }

  put(id: number, words: Uint32Array): void {
    const size = words.buffer.byteLength;
    if (size > this.capacity) return;
    this.map.set(id, words);
    this.bytes += size;
    for (const [old, w] of this.map) {
      if (this.bytes <= this.capacity) break;
      this.map.delete(old);
      this.bytes -= w.buffer.byteLength;
    }
  }
}

export const fileStarts = (sizes: number[]): number[] => {
  let at = 0;
  return sizes.map((n) => {
    const s = at;
    at += n;
    return s;
  });
};

/** An index's big files, read a few chunks at a time and checked against the chunks' checksums. */
export class OnDemandFiles {
  private readonly fds = new Map<string, number>();
  private readonly vectorStarts: number[];

  constructor(
    private readonly dir: string,
    private readonly meta: IndexMeta,
    private readonly table: Uint32Array,
  ) {
    this.vectorStarts = fileStarts(meta.vectorFiles);
  }

  /** Bytes [from, to) of a file, read whole chunks at a time and checked; a view of an aligned buffer. */
  private read(name: string, from: number, to: number): Uint8Array {
    const sum = this.meta.checksums.files[name] as FileSum;
    const start = from - (from % CHUNK);
    const end = Math.min(sum.bytes, Math.ceil(to / CHUNK) * CHUNK);
    let fd = this.fds.get(name);
    if (fd === undefined) {
      fd = openSync(join(this.dir, name), 'r');
      this.fds.set(name, fd);
    }
    const buf = new Uint8Array(end - start);
    for (let at = 0; at < buf.length; ) {
      const n = readSync(fd, buf, at, buf.length - at, start + at);
      if (n <= 0) throw damage(this.dir, name, `it ends before byte ${start + at}`);
      at += n;
    }
    verifyChunks(this.dir, name, sum, this.table, buf, start);
    return buf.subarray(from - start, to - start);
  }

  /** The words [offset, offset + length) of postings file `file`, in a buffer of their own. */
  words(file: number, offset: number, length: number): Uint32Array {
    const b = this.read(postingsFile(file), 4 * offset, 4 * (offset + length));
    // a small term's chunks would hold many times its bytes in the cache
    if (b.buffer.byteLength > 2 * b.length) return new Uint32Array(b.slice().buffer);
    return new Uint32Array(b.buffer, b.byteOffset, length);
  }

  /** Blocks of document ids read lately, least recently used first out. */
  private readonly docidCache = new Map<number, string[]>();

  /** Document d's external id, from its block of DOCID_BLOCK lines (`blocks`: where each starts). */
  docid(d: number, blocks: Float64Array): string {
    const b = Math.floor(d / DOCID_BLOCK);
    let ids = this.docidCache.get(b);
    if (ids) this.docidCache.delete(b);
    else {
      const text = this.text.decode(this.read('docids.txt', blocks[b] as number, blocks[b + 1] as number));
      ids = text.split('\n');
      if (this.docidCache.size >= 4096) this.docidCache.delete(this.docidCache.keys().next().value as number);
    }
    this.docidCache.set(b, ids);
    return ids[d - b * DOCID_BLOCK] as string;
  }

  private readonly text = new TextDecoder();

  /** Document doc's term vector: its bytes, and its file. */
  vector(doc: number): { bytes: Uint8Array; file: number } {
    const o = this.read('docvectors.offsets', 8 * doc, 8 * (doc + 2));
    const pair = new Float64Array(o.buffer, o.byteOffset, 2);
    const [from, to] = [pair[0] as number, pair[1] as number];
    let file = this.vectorStarts.length - 1;
    while ((this.vectorStarts[file] as number) > from) file--;
    const base = this.vectorStarts[file] as number;
    if (!(from <= to && to - base <= (this.meta.vectorFiles[file] as number)))
      throw damage(this.dir, 'docvectors.offsets', `document ${doc}'s term vector is out of its file`);
    return { bytes: this.read(vectorsFile(file), from - base, to - base), file };
  }
}

/**
 * Where every DOCID_BLOCK-th line of docids.txt starts, plus the file's end (f64): read a chunk at
 * a time, checked against the checksums, never held whole.
 */
export function docidBlocks(dir: string, meta: IndexMeta, table: Uint32Array): SharedArrayBuffer {
  const sum = meta.checksums.files['docids.txt'] as FileSum;
  const blocks = Math.ceil(meta.docCount / DOCID_BLOCK);
  const sab = new SharedArrayBuffer(8 * (blocks + 1));
  const starts = new Float64Array(sab);
  const buf = new Uint8Array(1 << 24);
  const fd = openSync(join(dir, 'docids.txt'), 'r');
  let lines = 0;
  try {
    for (let at = 0; at < sum.bytes; ) {
      const want = Math.min(buf.length, sum.bytes - at);
      for (let got = 0; got < want; ) {
        const n = readSync(fd, buf, got, want - got, at + got);
        if (n <= 0) throw damage(dir, 'docids.txt', `it ends before byte ${at + got}`);
        got += n;
      }
      const chunk = buf.subarray(0, want);
      verifyChunks(dir, 'docids.txt', sum, table, chunk, at);
      for (let p = chunk.indexOf(10); p >= 0; p = chunk.indexOf(10, p + 1)) {
        lines++;
        if (lines % DOCID_BLOCK === 0 && lines <= meta.docCount) starts[lines / DOCID_BLOCK] = at + p + 1;
      }
      at += want;
    }
  } finally {
    closeSync(fd);
  }
  // (newlines counted: a last line without one is missing)
  if (lines !== meta.docCount) throw damage(dir, 'docids.txt', `${lines} lines where the index has ${meta.docCount}`);
  starts[blocks] = sum.bytes;
  return sab;
}
