/** A 1-based position in a source file. */
export interface Pos {
  file: string;
  line: number;
  col: number;
}

/** Where a value (and, for map entries, its key) was written. */
export interface NodeLoc {
  value: Pos;
  key?: Pos;
}

export type PathSeg = string | number;

/** JSON Pointer (RFC 6901) for a path, the same form ajv reports in `instancePath`. */
export function toPointer(path: readonly PathSeg[]): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

export function fromPointer(ptr: string): string[] {
  if (ptr === '') return [];
  return ptr
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Dotted form for messages: `stages.score.params[0]`. */
export function toDotted(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number' || /^\d+$/.test(seg)) out += `[${seg}]`;
    else out += out ? `.${seg}` : seg;
  }
  return out;
}

/**
 * Positions of every node of a composed experiment, keyed by JSON Pointer. Values keep the
 * position of the file that last set them, so errors point into base files or overrides alike.
 */
export class SourceMap {
  private readonly locs = new Map<string, NodeLoc>();

  constructor(readonly fallbackFile: string) {}

  set(ptr: string, loc: NodeLoc): void {
    this.locs.set(ptr, loc);
  }

  get(ptr: string): NodeLoc | undefined {
    return this.locs.get(ptr);
  }

  delete(ptr: string): void {
    this.locs.delete(ptr);
  }

  /** Every pointer that has a position. */
  pointers(): IterableIterator<string> {
    return this.locs.keys();
  }

  /** Copies every entry of `other` over this map (used when composing `extends`). */
  overlay(other: SourceMap): void {
    for (const [k, v] of other.locs) this.locs.set(k, v);
  }

  /** Moves the entries under `from` to sit under `to` (ablation values written under `axes`). */
  alias(to: string, from: string): void {
    for (const [k, v] of [...this.locs]) {
      if (k === from || k.startsWith(`${from}/`)) this.locs.set(to + k.slice(from.length), v);
    }
  }

  /** Position for a pointer: the node itself or its nearest ancestor that has one. */
  locate(ptr: string, prefer: 'key' | 'value' = 'value'): Pos {
    let segs = fromPointer(ptr);
    for (;;) {
      const loc = this.locs.get(toPointer(segs));
      if (loc) return (prefer === 'key' && loc.key) || loc.value;
      if (segs.length === 0) return { file: this.fallbackFile, line: 1, col: 1 };
      segs = segs.slice(0, -1);
      prefer = 'value';
    }
  }

  /** The file a value came from (relative paths in it resolve against that file's folder). */
  fileOf(ptr: string): string {
    return this.locate(ptr).file;
  }
}
