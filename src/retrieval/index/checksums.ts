import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/**
 * Every index file is checksummed in chunks of CHUNK bytes (CRC-32 of each, in `checksums.bin`),
 * so that a reader can check exactly what it reads: a whole file loaded into memory, or the few
 * chunks under one term's postings read on demand.
 */
export const CHUNK = 4096;
export const CHECKSUMS_FILE = 'checksums.bin';

/** A file of the index: its size, and where its chunks' CRCs start in checksums.bin (in CRCs). */
export interface FileSum {
  bytes: number;
  at: number;
}

/** meta.json's record of the files: every file but meta.json and checksums.bin, which has its own CRC here. */
export interface IndexChecksums {
  chunk: number;
  /** CRC-32 of checksums.bin. */
  crc32: number;
  files: Record<string, FileSum>;
}

/** A damaged index: the message names the file and says to rebuild it. */
export class IndexDamageError extends Error {
  constructor(message: string) {
    super(message);
    // the name survives the trip from a search thread, the class does not
    this.name = 'IndexDamageError';
  }
}

/** Whether err (from this thread or a search thread) is an IndexDamageError. */
export const isIndexDamage = (err: unknown): err is Error => err instanceof Error && err.name === 'IndexDamageError';

export function damage(dir: string, file: string, what: string): IndexDamageError {
  return new IndexDamageError(`${join(dir, file)}: ${what}: the index is damaged; rebuild it with qexp index`);
}

/** A ChunkSums' state: the whole chunks' CRCs, and the partial chunk's CRC and length so far. */
export interface ChunkSumsState {
  crcs: Uint32Array;
  crc: number;
  fill: number;
  bytes: number;
}

/** CRC-32 of each CHUNK of a byte stream, as it passes through `update`. */
export class ChunkSums {
  private crcs = new Uint32Array(1024);
  private n = 0;
  private crc = 0;
  private fill = 0;
  bytes = 0;

  update(b: Uint8Array): void {
    this.bytes += b.length;
    let at = 0;
    while (at < b.length) {
      const take = Math.min(CHUNK - this.fill, b.length - at);
      this.crc = crc32(b.subarray(at, at + take), this.crc);
      this.fill += take;
      at += take;
      if (this.fill === CHUNK) this.push();
    }
  }

  private push(): void {
    if (this.n === this.crcs.length) {
      const grown = new Uint32Array(2 * this.n);
      grown.set(this.crcs);
      this.crcs = grown;
    }
    this.crcs[this.n++] = this.crc;
    this.crc = 0;
    this.fill = 0;
  }

  /** Where the stream stands, to be carried to another thread and resumed there. */
  state(): ChunkSumsState {
    return { crcs: this.crcs.slice(0, this.n), crc: this.crc, fill: this.fill, bytes: this.bytes };
  }

  /** The sums of a stream that continues one whose state this is (a file appended to). */
  static resume(s: ChunkSumsState): ChunkSums {
    const sums = new ChunkSums();
    sums.crcs = new Uint32Array(Math.max(1024, 2 * s.crcs.length));
    sums.crcs.set(s.crcs);
    sums.n = s.crcs.length;
    sums.crc = s.crc;
    sums.fill = s.fill;
    sums.bytes = s.bytes;
    return sums;
  }

  /** The CRCs of every chunk, the last one partial. */
  finish(): Uint32Array {
    if (this.fill > 0) this.push();
    return this.crcs.subarray(0, this.n);
  }
}

export function chunkSums(b: Uint8Array): Uint32Array {
  const s = new ChunkSums();
  s.update(b);
  return s.finish();
}

/**
 * Checks bytes read from `file` at byte `from` (a multiple of CHUNK) up to a chunk's end or the
 * file's end against their CRCs; throws an IndexDamageError naming the first bad chunk.
 */
export function verifyChunks(dir: string, file: string, sum: FileSum, table: Uint32Array, b: Uint8Array, from: number): void {
  for (let at = 0; at < b.length; at += CHUNK) {
    const chunk = (from + at) / CHUNK;
    const crc = crc32(b.subarray(at, Math.min(at + CHUNK, b.length)));
    if (crc !== table[sum.at + chunk])
      throw damage(dir, file, `bytes ${from + at}-${Math.min(from + at + CHUNK, sum.bytes) - 1} do not match their checksum`);
  }
}
