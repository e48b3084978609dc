import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.js';
import { lineChunks } from '../../src/data/read-lines.js';
import { Workspace } from '../helpers/workspace.js';

/** The bytes as a stream of the given chunks (cut anywhere: inside a character, between CR and LF). */
const chunked = (bytes: Buffer, cuts: number[]) => {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const c of [...at, bytes.length]) {
    if (c > from) parts.push(bytes.subarray(from, c));
    from = c;
  }
  return Readable.from(parts, { objectMode: false });
};

const viaReadline = async (bytes: Buffer, cuts: number[]) => {
  const out: string[] = [];
  for await (const l of createInterface({ input: chunked(bytes, cuts), crlfDelay: Number.POSITIVE_INFINITY })) out.push(l);
  if (out.length > 0 && (out[0] as string).charCodeAt(0) === 0xfeff) out[0] = (out[0] as string).slice(1);
  return out;
};

const viaChunks = async (bytes: Buffer, cuts: number[]) => {
  const out: string[] = [];
  for await (const lines of lineChunks(chunked(bytes, cuts))) out.push(...lines);
  return out;
};

describe('lineChunks', () => {
  it('splits every input into the lines node:readline gives, however the stream is cut', async () => {
    // text made of the pieces where splitting can go wrong: line ends of each kind, multi-byte
    // characters, a BOM, a byte that is not UTF-8, empty lines
    const piece = fc.constantFrom('a', 'xyz', '\t', '\n', '\r', '\r\n', '\n\r', 'é', '中', '😀', '\uFEFF', ' ');
    const input = fc.tuple(fc.boolean(), fc.array(piece, { maxLength: 40 }), fc.boolean());
    await fc.assert(
      fc.asyncProperty(input, fc.array(fc.nat(), { maxLength: 40 }), async ([bom, pieces, invalid], cuts) => {
        const bytes = Buffer.concat([
          Buffer.from(`${bom ? '\uFEFF' : ''}${pieces.join('')}`),
          invalid ? Buffer.from([0xc3, 0x0a, 0xff]) : Buffer.alloc(0),
        ]);
        expect(await viaChunks(bytes, cuts)).toEqual(await viaReadline(bytes, cuts));
      }),
      { numRuns: 400 },
    );
  });

  it('joins a line that spans many chunks, whatever ends it', async () => {
    for (const end of ['\n', '\r', '\r\n', '']) {
      const bytes = Buffer.from(`id\t${'é word '.repeat(30_000)}${end}next\tline${end}`);
      const cuts = Array.from({ length: Math.floor(bytes.length / 997) }, (_, i) => 997 * (i + 1));
      const lines = await viaChunks(bytes, cuts);
      expect(lines).toEqual(await viaReadline(bytes, cuts));
      expect(lines.length).toBe(end === '' ? 1 : 2);
    }
  });

  it('gives the documents before a bad line, then its error with file and line', async () => {
    const ws = new Workspace();
    ws.write('c.tsv', '1\tone\r\n2\ttwo\r\nno tab here\n4\tfour\n');
    const ids: string[] = [];
    const err = await (async () => {
      for await (const doc of readCorpus(ws.path('c.tsv'))) ids.push(doc.id);
    })().catch((e: Error) => e);
    expect(ids).toEqual(['1', '2']);
    expect((err as Error).message).toBe(`${ws.path('c.tsv')}:3: expected 'id<TAB>text'`);
    ws.remove();
  });
});
