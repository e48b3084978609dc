import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIRROR } from '../helpers/mirror.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

describe.skipIf(!MIRROR)('BM25 on CACM through the CLI (real data)', () => {
  const cacm = (f: string) => join(MIRROR as string, 'cacm', f);

  it("matches Anserini's published BM25 figures: MAP 0.3123 ± 0.0015, P@30 0.1942 ± 0.003", async () => {
    const idx = await ws.qexp(['index', cacm('corpus.jsonl'), '--out', 'cacm-index']);
    expect(idx.exitCode, idx.all).toBe(0);
    // Anserini's index: 3,204 docs, 14,363 unique terms, 320,968 total terms (ours is reported beside it in the notes)
    const m = /indexed (\d+) documents .*: (\d+) unique terms, (\d+) total terms/.exec(idx.stdout);
    expect(Number(m?.[1])).toBe(3204);
    expect(Math.abs(Number(m?.[2]) - 14363) / 14363).toBeLessThan(0.01);
    expect(Math.abs(Number(m?.[3]) - 320968) / 320968).toBeLessThan(0.01);

    const search = await ws.qexp([
      'search',
      '--index',
      'cacm-index',
      '--topics',
      cacm('topics.cacm.txt'),
      '--output',
      'bm25.run',
      '--hits',
      '1000',
      '--k1',
      '0.9',
      '--b',
      '0.4',
    ]);
    expect(search.exitCode, search.all).toBe(0);
    const ev = await ws.json<{ all: { map: number; P_30: number } }>([
      'eval',
      '-m',
      'map',
      '-m',
      'P.30',
      cacm('qrels.cacm.txt'),
      'bm25.run',
    ]);
    expect(Math.abs(ev.data.all.map - 0.3123)).toBeLessThanOrEqual(0.0015);
    expect(Math.abs(ev.data.all.P_30 - 0.1942)).toBeLessThanOrEqual(0.003);
  });

  it("BM25+RM3 (10 docs, 10 terms, weight 0.5) lands near Anserini's MAP 0.3648 and P@30 0.2224", async () => {
    const search = await ws.qexp(['search', '--index', 'cacm-index', '--topics', cacm('topics.cacm.txt'), '--output', 'rm3.run', '--rm3']);
    expect(search.exitCode, search.all).toBe(0);
    const ev = await ws.json<{ all: { map: number; P_30: number } }>([
      'eval',
      '-m',
      'map',
      '-m',
      'P.30',
      cacm('qrels.cacm.txt'),
      'rm3.run',
    ]);
    // measured: MAP 0.3625, P@30 0.2224; the remaining gap is explained in the README (tie order of expansion terms)
    expect(Math.abs(ev.data.all.map - 0.3648)).toBeLessThanOrEqual(0.005);
    expect(Math.abs(ev.data.all.P_30 - 0.2224)).toBeLessThanOrEqual(0.003);
  });

  it('refuses to search an index with another analyzer than the one it was built with', async () => {
    const r = await ws.qexp([
      'search',
      '--index',
      'cacm-index',
      '--topics',
      cacm('topics.cacm.txt'),
      '--output',
      'x.run',
      '--analyzer',
      'cjk',
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--analyzer cjk: cacm-index was built with analyzer 'english'/);
  });

  it("indexes the HTML tarball to Anserini's statistics", async () => {
    const a = await ws.qexp(['index', cacm('cacm.tar.gz'), '--out', 'cacm-tar-index']);
    expect(/: (\d+ unique terms, \d+ total terms)/.exec(a.stdout)?.[1]).toBe('14363 unique terms, 320968 total terms');
  });
});
