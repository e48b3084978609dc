/** Growable byte buffer with LEB128 varints and little-endian fixed-width integers. */
export class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
  }

  u8(v: number): void {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
  }

  u32(v: number): void {
    this.ensure(4);
    const b = this.buf;
    let p = this.length;
    b[p++] = v & 0xff;
    b[p++] = (v >>> 8) & 0xff;
    b[p++] = (v >>> 16) & 0xff;
    b[p++] = (v >>> 24) & 0xff;
    this.length = p;
  }

  /** Overwrites a u32 written earlier (a length known only after what follows it). */
  patchU32(at: number, v: number): void {
    const b = this.buf;
    b[at] = v & 0xff;
    b[at + 1] = (v >>> 8) & 0xff;
    b[at + 2] = (v >>> 16) & 0xff;
    b[at + 3] = (v >>> 24) & 0xff;
  }

  varint(v: number): void {
    this.ensure(5);
    this.length = writeVarint(this.buf, this.length, v);
  }

  /** A term vector as the build's temporary files hold it: n, then each (ids[from + i], tfs[i]), all varints. */
  vector(ids: Int32Array, from: number, tfs: Int32Array, n: number): void {
    // room for all of it at once: a check a document, not one a varint
    this.ensure(5 + 10 * n);
    const b = this.buf;
    let q = writeVarint(b, this.length, n);
    for (let i = 0; i < n; i++) {
      q = writeVarint(b, q, ids[from + i] as number);
      q = writeVarint(b, q, tfs[i] as number);
    }
    this.length = q;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}

export function readU32(b: Uint8Array, p: number): number {
  return ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>> 0;
}

/** Reads n varints (each below 2^31) from b at p into out[at ...]; returns the position after them. */
export function readVarints(b: Uint8Array, p: number, n: number, out: Int32Array, at = 0): number {
  for (let i = 0; i < n; i++) {
    let v = 0;
    let shift = 0;
    let byte: number;
    do {
      byte = b[p++] as number;
      v |= (byte & 0x7f) << shift;
      shift += 7;
    } while (byte & 0x80);
    out[at + i] = v;
  }
  return p;
}

/** Writes v (below 2^32) as a varint into out at q; returns the position after it. */
export function writeVarint(out: Uint8Array, q: number, v: number): number {
  while (v >= 0x80) {
    out[q++] = (v & 0x7f) | 0x80;
    v >>>= 7;
  }
  out[q++] = v;
  return q;
}
