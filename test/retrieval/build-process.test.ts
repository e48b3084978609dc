import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { corpusMeter } from '../../src/data/corpus.js';
import { DataError } from '../../src/data/data-error.js';
import { CorpusInputError } from '../../src/retrieval/index/build-index.js';
import { buildCorpusIndex, hugePageEnv, IndexBuildProcessError } from '../../src/retrieval/index/build-process.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
// the child runs the build's copy of the module (as buildCorpusIndex does from the sources): so does this test's parent
const BUILD_PROCESS = fileURLToPath(new URL('../../dist/retrieval/index/build-process.js', import.meta.url));
afterAll(() => ws.remove());

const words = ['alder', 'birch', 'cedar', 'dogwood', 'elm', 'fir', 'ginkgo', 'hemlock', 'ironwood', 'juniper', 'larch', 'maple'];
const lines = Array.from(
  { length: 6000 },
  (_, i) =>
    `d${(i * 7919) % 100_003}\t${Array.from({ length: 3 + (i % 17) }, (_, j) => words[(i * (j + 3) + j * j) % words.length]).join(' ')}`,
);
const corpus = ws.write('c.tsv', `${lines.join('\n')}\n`);

const files = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, readFileSync(`${dir}/${f}`)]));

describe('index build in a child process', () => {
  it('writes the same index as a build in this process, with progress, phases and the bytes read', async () => {
    const events: string[] = [];
    const meter = corpusMeter(corpus);
    const docs: number[] = [];
    const child = await buildCorpusIndex(corpus, 'whitespace', ws.path('child'), {
      process: 'child',
      meter,
      batchDocs: 500,
      threads: 2,
      onProgress: (n) => docs.push(n),
      onPhase: (name) => events.push(name),
      onStep: (step) => events.push(step),
    });
    const same = await buildCorpusIndex(corpus, 'whitespace', ws.path('same'), { process: 'same', threads: 2 });
    expect(child).toEqual(same);
    expect(child.docCount).toBe(6000);
    expect(files(ws.path('child'))).toEqual(files(ws.path('same')));
    expect(docs.at(-1)).toBe(6000);
    expect(docs.length).toBeGreaterThan(5);
    expect(meter.read).toBe(meter.total);
    expect(events).toEqual(expect.arrayContaining(['analysis', 'dictionary', 'merge', 'layout', 'merging postings']));
    expect(readdirSync(ws.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it("gives a corpus's errors as the same classes and words as a build in this process", async () => {
    const bad = ws.write('bad.jsonl', '{"id": "a", "contents": "x y"}\n{"id": "b", "contents": \n');
    const twice = ws.write('twice.tsv', 'a\tx y\nb\tz\na\tw\n');
    for (const [path, cls] of [
      [bad, DataError],
      [twice, CorpusInputError],
    ] as const) {
      const inChild = await buildCorpusIndex(path, 'whitespace', ws.path('bad-child'), { process: 'child' }).catch((e: Error) => e);
      const here = await buildCorpusIndex(path, 'whitespace', ws.path('bad-same'), { process: 'same' }).catch((e: Error) => e);
      expect(inChild).toBeInstanceOf(cls);
      expect(here).toBeInstanceOf(cls);
      expect((inChild as Error).message).toBe((here as Error).message);
      if (inChild instanceof DataError) expect([inChild.file, inChild.line]).toEqual([bad, 2]);
    }
    // an error of the build itself keeps its message, and the child's stack
    const unknown = await buildCorpusIndex(corpus, 'no-such-analyzer', ws.path('x'), { process: 'child' }).catch((e: Error) => e);
    const unknownHere = await buildCorpusIndex(corpus, 'no-such-analyzer', ws.path('y'), { process: 'same' }).catch((e: Error) => e);
    expect((unknown as Error).message).toBe((unknownHere as Error).message);
    expect((unknown as Error).stack).toContain('in the index build process');
    // a system error keeps the fields callers test (code, syscall, path)
    const missing = ws.path('no-such.tsv');
    const [gone, goneHere] = await Promise.all(
      (['child', 'same'] as const).map((p) =>
        buildCorpusIndex(missing, 'whitespace', ws.path(`m-${p}`), { process: p }).catch((e: Error) => e),
      ),
    );
    expect((gone as NodeJS.ErrnoException).code).toBe('ENOENT');
    // an index that would replace its own corpus (the build ends by replacing its folder whole)
    const inFolder = ws.write('corpus-dir/c.tsv', 'a\tx y\n');
    for (const [src, out] of [
      [inFolder, ws.path('corpus-dir')],
      [inFolder, inFolder],
      [ws.path('corpus-dir'), ws.path('corpus-dir')],
    ])
      await expect(buildCorpusIndex(src as string, 'whitespace', out as string, { process: 'same' })).rejects.toThrow(
        /would replace the corpus/,
      );
    expect(readFileSync(inFolder, 'utf8')).toBe('a\tx y\n');
    // an index asked for under a file: the system's error, not one from cleaning up after it
    const under = ws.write('a-file', 'x');
    for (const p of ['child', 'same'] as const) {
      const e = await buildCorpusIndex(corpus, 'whitespace', `${under}/idx`, { process: p }).catch((x: Error) => x);
      expect([(e as NodeJS.ErrnoException).code, (e as NodeJS.ErrnoException).syscall]).toEqual(['ENOTDIR', 'mkdir']);
    }
    expect([(gone as Error).message, (gone as NodeJS.ErrnoException).path]).toEqual([(goneHere as Error).message, missing]);
    expect(readdirSync(ws.dir).filter((f) => f.includes('.tmp-') || f.startsWith('bad-'))).toEqual([]);
  });

  it('stops when aborted, leaving no temporary folder, in a child or in this process', async () => {
    const here = new AbortController();
    let batches = 0;
    const stopped = await buildCorpusIndex(corpus, 'whitespace', ws.path('stopped-here'), {
      process: 'same',
      batchDocs: 10,
      signal: here.signal,
      onProgress: () => {
        batches++;
        here.abort();
      },
    }).catch((e: Error) => e);
    expect((stopped as Error).message).toBe('interrupted');
    // checked at the next batch: the build went no further
    expect(batches).toBe(1);
    expect(readdirSync(ws.dir).filter((f) => f.startsWith('stopped-here'))).toEqual([]);
    const ac = new AbortController();
    const err = await buildCorpusIndex(corpus, 'whitespace', ws.path('stopped'), {
      process: 'child',
      batchDocs: 10,
      signal: ac.signal,
      onProgress: () => ac.abort(),
    }).catch((e: Error) => e);
    expect((err as Error).message).toBe('interrupted');
    // the promise settles once the child has ended: its temporary folder is gone (removed on
    // SIGTERM, or renamed into the index if the child was quicker than the abort)
    expect(readdirSync(ws.dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });

  it('says so when its process dies before the index is done, and leaves no folder behind', async () => {
    const before = process.env.NODE_OPTIONS;
    // a heap too small for node to start: the child dies at once, with no message
    process.env.NODE_OPTIONS = `${before ?? ''} --max-old-space-size=1`;
    const err = await buildCorpusIndex(corpus, 'whitespace', ws.path('died'), { process: 'child' })
      .catch((e: Error) => e)
      .finally(() => {
        if (before === undefined) delete process.env.NODE_OPTIONS;
        else process.env.NODE_OPTIONS = before;
      });
    expect(err).toBeInstanceOf(IndexBuildProcessError);
    expect((err as Error).message).toMatch(/^index build: its process ended \((SIG[A-Z]+|exit code \d+)\) before the index was done/);
    expect((err as Error).message).toMatch(/out of memory|OOM/i);
    expect((err as Error).message).toContain('give fewer --threads or a smaller --memory-postings');
    expect(readdirSync(ws.dir).filter((f) => f.startsWith('died'))).toEqual([]);
  });
});

describe('an orphaned index build process', () => {
  it('removes its temporary folder and ends when the process that started it dies', async () => {
    // 60,000 documents of 60 tokens through the english analyzer, sent ten at a time: the child is
    // far from done when its parent is killed at its first progress
    const big = ws.write(
      'big.tsv',
      `${Array.from({ length: 60_000 }, (_, i) => `b${i}\t${Array.from({ length: 60 }, (_, j) => `${words[(i * (j + 3) + j * j) % words.length]}ing`).join(' ')}`).join('\n')}\n`,
    );
    const script = ws.write(
      'parent.mjs',
      `import { buildCorpusIndex } from ${JSON.stringify(pathToFileURL(BUILD_PROCESS).href)};
let said = false;
await buildCorpusIndex(process.argv[2], 'english', process.argv[3], { process: 'child', batchDocs: 10, onProgress() {
  if (!said) { said = true; process.stdout.write('building\\n'); }
} });`,
    );
    const parent = spawn(process.execPath, [script, big, ws.path('orphan')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => parent.on('close', resolve));
    await new Promise<void>((resolve) => parent.stdout.on('data', (d) => String(d).includes('building') && resolve()));
    expect(readdirSync(ws.dir).filter((f) => f.startsWith('orphan'))).toEqual([expect.stringMatching(/^orphan\.tmp-\d+$/)]);
    parent.kill('SIGKILL');
    await exited;
    // the child notices at its next message (or at the channel's end) and removes its folder
    const deadline = Date.now() + 120_000;
    while (readdirSync(ws.dir).some((f) => f.startsWith('orphan')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(readdirSync(ws.dir).filter((f) => f.startsWith('orphan'))).toEqual([]);
  });
});

describe('hugePageEnv', () => {
  it("asks glibc's malloc for huge pages, keeping the tunables already set", () => {
    if (!hugePageEnv({})) return; // not Linux with glibc: nothing to ask
    expect(hugePageEnv({ PATH: '/bin' })).toEqual({ PATH: '/bin', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
    expect(hugePageEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })?.GLIBC_TUNABLES).toBe(
      'glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1',
    );
    // the user's own choice stands
    expect(hugePageEnv({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' })?.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=0');
    expect(hugePageEnv({ QEXP_HUGE_PAGES: '0' })).toBeNull();
  });
});
