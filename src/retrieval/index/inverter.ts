import { join } from 'node:path';
import { FileByteWriter } from './file-writer.js';
import { ByteWriter } from './varint.js';

const utf8 = new TextEncoder();

export interface InverterOutput {
  /** Sorted runs: per term its UTF-8 bytes, its local id, df, doc gaps (absolute document numbers), tfs. */
  runs: string[];
  /** Per document, in the order added: varint count, then (local term id, tf) varint pairs. */
  vectors: string;
  /** Number of local term ids. */
  terms: number;
}

/**
 * Inverts the documents of one indexing thread: postings by term with a local dictionary,
 * spilled as sorted runs when `budget` postings are held, and the documents' term vectors with
 * local ids. The builder merges the outputs of every thread.
 */
export class Inverter {
  private readonly ids = new Map<string, number>();
  private readonly strings: string[] = [];
  private docs: number[][] = [];
  private tfs: number[][] = [];
  private used: number[] = [];
  private held = 0;
  private readonly runs: string[] = [];
  private readonly vectors: FileByteWriter;
  private readonly vec = new ByteWriter();

  constructor(
    private readonly dir: string,
    private readonly prefix: string,
    private readonly budget: number,
  ) {
    this.vectors = new FileByteWriter(join(dir, `${prefix}-vectors.bin`));
  }

  add(docno: number, terms: readonly string[], tfs: ArrayLike<number>): void {
    const vec = this.vec;
    vec.varint(terms.length);
    for (let i = 0; i < terms.length; i++) {
      const t = terms[i] as string;
      let id = this.ids.get(t);
      if (id === undefined) {
        id = this.strings.length;
        this.ids.set(t, id);
        this.strings.push(t);
      }
      let d = this.docs[id];
      if (!d) {
        d = this.docs[id] = [];
        this.tfs[id] = [];
        this.used.push(id);
      }
      const tf = tfs[i] as number;
      d.push(docno);
      (this.tfs[id] as number[]).push(tf);
      vec.varint(id);
      vec.varint(tf);
    }
    this.held += terms.length;
    if (vec.length > 1 << 22) {
      this.vectors.write(vec.bytes());
      vec.length = 0;
    }
    if (this.held >= this.budget) this.spill();
  }

  private spill(): void {
    if (this.used.length === 0) return;
    const path = join(this.dir, `${this.prefix}-run-${this.runs.length}.bin`);
    const w = new FileByteWriter(path);
    const buf = new ByteWriter();
    const strings = this.strings;
    this.used.sort((a, b) => {
      const x = strings[a] as string;
      const y = strings[b] as string;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    for (const id of this.used) {
      const bytes = utf8.encode(strings[id] as string);
      buf.varint(bytes.length);
      for (const b of bytes) buf.u8(b);
      buf.varint(id);
      const d = this.docs[id] as number[];
      buf.varint(d.length);
      let prev = -1;
      for (const x of d) {
        buf.varint(x - prev);
        prev = x;
      }
      for (const n of this.tfs[id] as number[]) buf.varint(n);
      if (buf.length > 1 << 22) {
        w.write(buf.bytes());
        buf.length = 0;
      }
    }
    w.write(buf.bytes());
    w.close();
    this.runs.push(path);
    this.docs = [];
    this.tfs = [];
    this.used = [];
    this.held = 0;
  }

  finish(): InverterOutput {
    this.spill();
    this.vectors.write(this.vec.bytes());
    this.vectors.close();
    return { runs: this.runs, vectors: join(this.dir, `${this.prefix}-vectors.bin`), terms: this.strings.length };
  }
}
