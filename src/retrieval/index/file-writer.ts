import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { ChunkSums } from './checksums.js';

/** Appends bytes to a file through a fixed buffer: large index files never sit in memory whole. */
export class FileByteWriter {
  private readonly fd: number;
  private readonly buf = new Uint8Array(1 << 23);
  private used = 0;
  private closed = false;
  /** Bytes written so far (flushed or not). */
  length = 0;
  /** The chunks' checksums, for the files of an index (temporary files go without). */
  readonly sums: ChunkSums | null;

  /** `checksum`: whether to sum the chunks, or the sums of what the file holds already, to append to it. */
  constructor(path: string, checksum: boolean | ChunkSums = false) {
    const append = checksum instanceof ChunkSums;
    this.fd = openSync(path, append ? 'a' : 'w');
    this.sums = append ? checksum : checksum ? new ChunkSums() : null;
    if (append) this.length = checksum.bytes;
  }

  write(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buf.length) this.flush();
    if (bytes.length > this.buf.length) {
      this.sums?.update(bytes);
      writeSync(this.fd, bytes);
    } else {
      this.buf.set(bytes, this.used);
      this.used += bytes.length;
    }
    this.length += bytes.length;
  }

  private flush(): void {
    if (this.used > 0) {
      this.sums?.update(this.buf.subarray(0, this.used));
      writeSync(this.fd, this.buf, 0, this.used);
    }
    this.used = 0;
  }

  /** Flushes and closes the file; again, does nothing (a build that failed closes what is still open). */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    closeSync(this.fd);
  }
}

/** A file read front to back in chunks (copies of large files never sit in memory whole). */
export class ChunkReader {
  private readonly fd: number;
  private readonly buf = new Uint8Array(1 << 23);
  private pos = 0;
  constructor(path: string) {
    this.fd = openSync(path, 'r');
  }
  /** Copies the next n bytes to out. */
  copyTo(n: number, out: FileByteWriter): void {
    while (n > 0) {
      const got = readSync(this.fd, this.buf, 0, Math.min(n, this.buf.length), this.pos);
      if (got <= 0) throw new Error('index build: a temporary file ended early');
      out.write(this.buf.subarray(0, got));
      this.pos += got;
      n -= got;
    }
  }
  close(): void {
    closeSync(this.fd);
  }
}
