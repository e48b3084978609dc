import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { pack } from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { readCorpus } from '../../src/data/corpus.js';
import { lineChunks, readLines } from '../../src/data/read-lines.js';
import { drain } from '../helpers/drain.js';
import { Workspace } from '../helpers/workspace.js';

/**
 * The bytes as a stream of the given chunks (cut anywhere: inside a character, between CR and LF;
 * a place cut twice gives an empty chunk, which readline also sees).
 */
const chunked = (bytes: Buffer, cuts: number[]) => {
  const at = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const parts: Buffer[] = [];
  let from = 0;
  for (const c of at) {
    parts.push(bytes.subarray(from, c));
    from = c;
  }
  parts.push(bytes.subarray(from));
  return Readable.from(parts);
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

describe('lineChunks and the readers built on it', () => {
  it('splits every input into the lines node:readline gives, however the stream is cut', async () => {
    // text made of the pieces where splitting can go wrong: line ends of each kind, multi-byte
    // characters, a BOM, empty lines; then bytes that are not UTF-8, or a character cut short by
    // the end of the input (readline drops it)
    const piece = fc.constantFrom('a', 'xyz', '\t', '\n', '\r', '\r\n', '\n\r', 'é', '中', '😀', '\uFEFF', ' ');
    const tail = fc.constantFrom([], [0xc3, 0x0a, 0xff], [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], [0x0d, 0xc3]);
    const input = fc.tuple(fc.boolean(), fc.array(piece, { maxLength: 40 }), tail);
    await fc.assert(
      fc.asyncProperty(input, fc.array(fc.nat(), { maxLength: 40 }), async ([bom, pieces, end], cuts) => {
        const bytes = Buffer.concat([Buffer.from(`${bom ? '\uFEFF' : ''}${pieces.join('')}`), Buffer.from(end)]);
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

  it('reads a .tgz corpus, and a .tsv.gz shard in a tar as TSV', async () => {
    const p = pack();
    p.entry({ name: 'shards/b.tsv.gz' }, gzipSync('1\tone\n2\ttwo\n'));
    p.entry({ name: 'shards/c.gz' }, gzipSync('{"id":"3","contents":"three"}\n'));
    p.finalize();
    const parts: Buffer[] = [];
    for await (const c of p) parts.push(c as Buffer);
    const ws = new Workspace();
    writeFileSync(ws.path('c.tgz'), gzipSync(Buffer.concat(parts)));
    const docs = [];
    for await (const doc of readCorpus(ws.path('c.tgz'))) docs.push(doc);
    expect(docs).toEqual([
      { id: '1', text: 'one' },
      { id: '2', text: 'two' },
      { id: '3', text: 'three' },
    ]);
    ws.remove();
  });

  it('rejects, not crashes, on a gzipped file that is not there', async () => {
    const ws = new Workspace();
    await expect(drain(readLines(ws.path('none.txt.gz')))).rejects.toThrow(/ENOENT/);
    ws.remove();
    // a deadline for a hang (the read used to wait forever), far above the milliseconds it takes
  }, 60_000);

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
