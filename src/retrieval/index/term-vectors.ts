import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type WasmMemory, wasmInstance } from '../../util/wasm-module.js';
import type { ChunkSumsState } from './checksums.js';
import { FileByteWriter } from './file-writer.js';

/** vector-kernel.wat's one function (addresses are byte offsets into its memory). */
interface VectorKernel {
  memory: WasmMemory;
  rewrite(
    p: number,
    end: number,
    remap: number,
    terms: number,
    q: number,
    outEnd: number,
    sizes: number,
    maxDocs: number,
    keys: number,
    tmp: number,
    cap: number,
    counts: number,
    state: number,
  ): number;
}

/** A thread's term vectors with global ids: each document's size, and the file's chunk sums when asked for (the builder renames a lone thread's file that is the whole docvectors). */
export interface RemappedVectors {
  sizes: Int32Array;
  sums: ChunkSumsState | null;
}

/**
 * Rewrites a thread's term vectors with global term ids, each document's terms sorted by id and
 * written as id gaps (the format of docvectors), in vector-kernel.wat. Returns the byte length of
 * every document's vector, in the thread's document order. The file is read into the kernel's
 * memory a chunk at a time, and the kernel rewrites a few thousand documents a call.
 */
export function remapVectors(
  path: string,
  remap: Int32Array,
  out: string,
  sums: boolean,
  /** the input buffer's first size in bytes, and the pairs the kernel takes a call (more for a document that has more; tests make them small) */
  { input = 1 << 23, terms = 1 << 16 }: { input?: number; terms?: number } = {},
): RemappedVectors {
  const k = wasmInstance(new URL('./vector-kernel.wasm', import.meta.url), 'retrieval/index/vector-kernel.wasm') as VectorKernel;
  // the kernel's memory: the remap table, the call's state and scratch and its documents' sizes,
  // then (laid out again past everything when a document needs more) the keys' scratch, the output
  // and the input
  const LOT = 4096;
  const remapAt = 0;
  // 16-byte aligned from here (the keys are i64)
  const stateAt = Math.ceil(remap.length / 4) * 16;
  const countsAt = stateAt + 16;
  const sizesAt = countsAt + 4 * 4100;
  let top = sizesAt + 4 * LOT;
  let cap = terms;
  let inCap = input;
  let keysAt = 0;
  let outAt = 0;
  let outCap = 0;
  let inAt = 0;
  // the input at hand: [p, end) of the input buffer
  let p = 0;
  let end = 0;
  const layout = () => {
    const from = inAt;
    keysAt = top;
    outCap = Math.ceil(Math.max(1 << 22, 10 * cap + 16) / 16) * 16;
    outAt = keysAt + 16 * cap;
    inAt = outAt + outCap;
    // 16 bytes of slack past the input: the kernel may read a varint past its end
    top = Math.ceil((inAt + inCap + 16) / 16) * 16;
    const have = k.memory.buffer.byteLength;
    if (top > have) k.memory.grow(Math.ceil((top - have) / 65536));
    new Uint8Array(k.memory.buffer).copyWithin(inAt, from + p, from + end);
    end -= p;
    p = 0;
  };
  layout();
  new Int32Array(k.memory.buffer, remapAt, remap.length).set(remap);

  const fd = openSync(path, 'r');
  const size = fstatSync(fd).size;
  let read = 0;
  /** Moves the input at hand to the buffer's start and reads as much more as it holds. */
  const fill = () => {
    const mem = new Uint8Array(k.memory.buffer);
    mem.copyWithin(inAt, inAt + p, inAt + end);
    end -= p;
    p = 0;
    const n = readSync(fd, mem, inAt + end, Math.min(inCap - end, size - read), read);
    if (n <= 0) throw new Error(`index build: the temporary file ${path} ended early`);
    end += n;
    read += n;
  };
  const w = new FileByteWriter(out, sums);
  let sizes = new Int32Array(1 << 12);
  let nDocs = 0;
  try {
    for (;;) {
      // half the buffer at hand at least, or the rest of the file
      if (end - p < inCap / 2 && read < size) fill();
      if (p >= end) break;
      const docs = k.rewrite(
        inAt + p,
        inAt + end,
        remapAt,
        remap.length,
        outAt,
        outAt + outCap,
        sizesAt,
        LOT,
        keysAt,
        keysAt + 8 * cap,
        cap,
        countsAt,
        stateAt,
      );
      const [at, q, why, what] = new Int32Array(k.memory.buffer, stateAt, 4) as unknown as [number, number, number, number];
      if (q > outAt) w.write(new Uint8Array(k.memory.buffer, outAt, q - outAt));
      if (nDocs + docs > sizes.length) {
        const grown = new Int32Array(Math.max(2 * sizes.length, nDocs + docs));
        grown.set(sizes.subarray(0, nDocs));
        sizes = grown;
      }
      sizes.set(new Int32Array(k.memory.buffer, sizesAt, docs), nDocs);
      nDocs += docs;
      p = at - inAt;
      if (why === 3)
        throw new Error(`index build: the temporary file ${path} holds a term id (${what}) past the thread's ${remap.length} terms`);
      if (why === 2) {
        // a document of more terms than a call takes (its output then fits too)
        cap = Math.max(2 * cap, what);
        layout();
      } else if (docs === 0 && why === 0) {
        // the next document does not end in the input at hand
        if (read >= size) throw new Error(`index build: the temporary file ${path} ends inside a document`);
        if (p === 0 && end === inCap) {
          inCap *= 2;
          layout();
        }
        fill();
      }
    }
  } finally {
    closeSync(fd);
  }
  w.close();
  return { sizes: sizes.slice(0, nDocs), sums: w.sums?.state() ?? null };
}
