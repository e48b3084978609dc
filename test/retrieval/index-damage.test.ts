import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { buildIndex } from '../../src/retrieval/index/build-index.js';
import { IndexReader, memoryNeeds, readIndexMeta, verifyIndex } from '../../src/retrieval/index/read-index.js';
import { batchHits } from '../../src/retrieval/search/batch-search.js';
import type { Hit } from '../../src/retrieval/search/search.js';
import { Workspace } from '../helpers/workspace.js';

// A small index whose postings and term vectors fill several 4 KiB checksum chunks, queries that
// read every term (so that damage anywhere is met by a search), and its sound answers
const ws = new Workspace();
afterAll(() => ws.remove());
const words = Array.from({ length: 400 }, (_, i) => `w${i}`);
const docs = Array.from({ length: 1500 }, (_, i) => ({
  id: `doc${(i * 7919) % 10007}`,
  text: Array.from({ length: 4 + (i % 17) }, (_, j) => words[(i * (j + 3) + j * j) % (j % 3 ? 400 : 20)]).join(' '),
}));
const topics = Array.from({ length: 40 }, (_, q) => ({ qid: `q${q}`, text: words.slice(q * 10, q * 10 + 10).join(' ') }));
const FILES = [
  'meta.json',
  'checksums.bin',
  'docids.txt',
  'docorder.bin',
  'norms.bin',
  'terms.txt',
  'terms.bin',
  'postings-0.bin',
  'docvectors-0.bin',
  'docvectors.offsets',
];

/** Deterministic bytes (a seeded generator), so that a failure replays. */
function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    b[i] = s >>> 24;
  }
  return b;
}

const DAMAGE: Record<string, (path: string) => void> = {
  truncated: (p) => truncateSync(p, Math.floor(readFileSync(p).length / 2)),
  'zero bytes': (p) => truncateSync(p, 0),
  'one flipped byte': (p) => {
    const b = readFileSync(p);
    const at = Math.floor(b.length / 2);
    b[at] = (b[at] as number) ^ 0x10;
    writeFileSync(p, b);
  },
  '50 flipped bytes': (p) => {
    const b = readFileSync(p);
    const at = noise(200, b.length);
    for (let i = 0; i < 50; i++) {
      const k = at.readUInt32LE(4 * i) % b.length;
      b[k] = (b[k] as number) ^ 0xff;
    }
    writeFileSync(p, b);
  },
  'garbage of the same size': (p) => writeFileSync(p, noise(readFileSync(p).length, 7)),
  'one byte more': (p) => writeFileSync(p, Buffer.concat([readFileSync(p), Buffer.of(0)])),
  missing: (p) => unlinkSync(p),
};

let sound: string;
let reference: Hit[][];
const damaged = (file: string, kind: string): string => {
  const dir = mkdtempSync(join(tmpdir(), 'qexp-damage-'));
  cpSync(sound, dir, { recursive: true });
  (DAMAGE[kind] as (p: string) => void)(join(dir, file));
  return dir;
};
const rm3 = { fbDocs: 5, fbTerms: 10, originalQueryWeight: 0.5 };

beforeAll(async () => {
  sound = join(ws.dir, 'sound');
  async function* list() {
    yield* docs;
  }
  await buildIndex(list(), getAnalyzer('whitespace'), sound, { threads: 1 });
  reference = await batchHits({ indexDir: sound, params: { k1: 0.9, b: 0.4, hits: 20 }, rm3 }, topics, 1);
  expect(reference.flat().length).toBeGreaterThan(500);
});

/** A budget that leaves each thread a postings cache of 2 KiB: every term is read from disk again and again. */
const budgetOf = (dir: string, threads: number) => {
  const n = memoryNeeds(readIndexMeta(dir), true, threads);
  return n.index + n.search + 2048 * threads;
};

describe('a damaged index is refused, naming the file, before it answers', () => {
  for (const file of FILES)
    for (const kind of Object.keys(DAMAGE))
      it(`${file}: ${kind}`, async () => {
        const dir = damaged(file, kind);
        const message = new RegExp(`${file.replace('.', '\\.')}: .*(damaged|missing).*rebuild it with qexp index`);
        try {
          // every file in memory: checked whole as it is read
          expect(() => IndexReader.load(dir, true)).toThrow(message);
          // postings and term vectors on disk: damage there is found when a search reads it
          const job = { indexDir: dir, params: { k1: 0.9, b: 0.4, hits: 20 }, rm3 };
          let onDisk: Hit[][] | Error;
          try {
            onDisk = await batchHits({ ...job, memoryBudget: budgetOf(sound, 1) }, topics, 1);
          } catch (err) {
            onDisk = err as Error;
          }
          if (onDisk instanceof Error) expect(onDisk.message).toMatch(message);
          // RM3 reads the vectors of a few documents: damage elsewhere in that file may go unread, never used
          else if (file === 'docvectors-0.bin') expect(onDisk).toEqual(reference);
          else throw new Error('searched a damaged index on demand without an error');
          expect(() => verifyIndex(dir)).toThrow(message);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

  it('the sound index passes every check and answers the same in memory and on demand', async () => {
    expect(verifyIndex(sound).files).toBe(FILES.length);
    const job = { indexDir: sound, params: { k1: 0.9, b: 0.4, hits: 20 }, rm3 };
    expect(await batchHits({ ...job, memoryBudget: budgetOf(sound, 1) }, topics, 1)).toEqual(reference);
  });
});

describe('qexp search and qexp index --verify on a damaged index', () => {
  const cli = (args: string[]) => ws.qexp(args);
  beforeAll(() => {
    ws.write('t.tsv', topics.map((t) => `${t.qid}\t${t.text}`).join('\n'));
  });

  for (const [file, kind, extra] of [
    ['postings-0.bin', 'zero bytes', []],
    ['postings-0.bin', '50 flipped bytes', []],
    ['postings-0.bin', 'garbage of the same size', ['--memory-budget', 'BUDGET', '--threads', '2']],
    ['terms.bin', 'one flipped byte', []],
    ['norms.bin', 'garbage of the same size', []],
    ['docorder.bin', 'one flipped byte', ['--memory-budget', 'BUDGET', '--threads', '2']],
    ['postings-0.bin', 'one flipped byte', ['--memory-budget', 'BUDGET', '--threads', '2']],
    ['docvectors-0.bin', '50 flipped bytes', ['--rm3', '--threads', '2']],
    ['meta.json', 'garbage of the same size', []],
  ] as [string, string, string[]][])
    it(`${file}, ${kind}${extra.length ? ` (${extra.join(' ')})` : ''}: exit 2 naming the file, no run written`, async () => {
      const dir = damaged(file, kind);
      try {
        const args = extra.map((a) => (a === 'BUDGET' ? String(budgetOf(sound, 2)) : a));
        const r = await cli(['search', '--index', dir, '--topics', 't.tsv', '--output', 'x.run', ...args]);
        expect(r.exitCode, r.all).toBe(2);
        expect(r.stderr).toContain(join(dir, file));
        expect(r.stderr).toContain('rebuild it with qexp index');
        expect(r.stderr).not.toContain('internal error');
        expect(readdirSync(ws.dir)).not.toContain('x.run');
        const v = await cli(['index', '--verify', dir]);
        expect(v.exitCode, v.all).toBe(2);
        expect(v.stderr).toContain(join(dir, file));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

  it('verifies a sound index', async () => {
    const v = await cli(['index', '--verify', sound]);
    expect(v.exitCode, v.all).toBe(0);
    expect(v.stdout).toMatch(/10 files, \d+ bytes: every checksum and the structure are sound/);
  });
});
