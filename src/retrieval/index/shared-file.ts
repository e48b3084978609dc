import { closeSync, fstatSync, openSync, readSync } from 'node:fs';

/** A file's bytes in shared memory, so that several threads read one copy. */
export function readShared(path: string): SharedArrayBuffer {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const sab = new SharedArrayBuffer(size);
    const view = new Uint8Array(sab);
    for (let at = 0; at < size; ) {
      const n = readSync(fd, view, at, Math.min(size - at, 1 << 30), at);
      if (n <= 0) throw new Error(`${path}: file ended early`);
      at += n;
    }
    return sab;
  } finally {
    closeSync(fd);
  }
}
