import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MIRROR } from '../helpers/mirror.js';
import { regression } from '../helpers/regressions.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

const CACM = regression('cacm');

describe.skipIf(!MIRROR)("Anserini's CACM regression from the raw collection (experiments/regressions/cacm.yaml)", () => {
  const file = (f: string) => join(MIRROR as string, f);

  it('indexes the HTML tar to the published index statistics', async () => {
    const idx = await ws.qexp(['index', file(CACM.collection), '--out', 'cacm-index', '--analyzer', CACM.analyzer]);
    expect(idx.exitCode, idx.all).toBe(0);
    const m = /indexed (\d+) documents .*: (\d+) unique terms, (\d+) total terms/.exec(idx.stdout);
    expect(m?.slice(1).map(Number)).toEqual([CACM.index_stats.documents, CACM.index_stats.unique_terms, CACM.index_stats.total_terms]);
  });

  it.each(CACM.models.map((m) => [m.name, m] as const))(
    '%s reproduces the published figures exactly, with the tie adjustment',
    async (name, model) => {
      const s = CACM.search;
      const search = await ws.qexp([
        'search',
        ...['--index', 'cacm-index', '--topics', file(CACM.topics), '--output', `${name}.run`],
        ...['--hits', String(s.hits), '--k1', String(s.k1), '--b', String(s.b), '--tie-adjust', s.tie_adjust],
        ...model.params,
      ]);
      expect(search.exitCode, search.all).toBe(0);
      const measures = CACM.measures.flatMap((m) => ['-m', m.replace('_', '.')]);
      const ev = await ws.json<{ all: Record<string, number> }>(['eval', ...measures, file(CACM.qrels), `${name}.run`]);
      const got = Object.fromEntries(Object.keys(model.results).map((m) => [m, (ev.data.all[m] as number).toFixed(4)]));
      expect(got).toEqual(Object.fromEntries(Object.entries(model.results).map(([m, v]) => [m, v.toFixed(4)])));
    },
  );

  it('ranks as without the adjustment, with no two scores of a query equal', async () => {
    const search = await ws.qexp(['search', '--index', 'cacm-index', '--topics', file(CACM.topics), '--output', 'plain.run']);
    expect(search.exitCode, search.all).toBe(0);
    const read = (f: string) =>
      readFileSync(ws.path(f), 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split(' '));
    const plain = read('plain.run');
    const adjusted = read('bm25.run');
    expect(adjusted.map((l) => `${l[0]} ${l[2]}`)).toEqual(plain.map((l) => `${l[0]} ${l[2]}`));
    const ties = (run: string[][]) => run.filter((l, i) => i > 0 && run[i - 1]?.[0] === l[0] && run[i - 1]?.[4] === l[4]).length;
    expect(ties(plain)).toBeGreaterThan(1000);
    expect(ties(adjusted)).toBe(0);
  });

  it('refuses to search an index with another analyzer than the one it was built with', async () => {
    const r = await ws.qexp(['search', '--index', 'cacm-index', '--topics', file(CACM.topics), '--output', 'x.run', '--analyzer', 'cjk']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--analyzer cjk: cacm-index was built with analyzer 'english'/);
  });

  it('rejects an unknown tie adjustment', async () => {
    const r = await ws.qexp([
      'search',
      '--index',
      'cacm-index',
      '--topics',
      file(CACM.topics),
      '--output',
      'x.run',
      '--tie-adjust',
      'trec',
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--tie-adjust trec: available are none, anserini/);
  });
});
