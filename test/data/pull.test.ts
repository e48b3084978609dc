import { cpSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFileServer } from '../helpers/file-server.js';
import { MIRROR } from '../helpers/mirror.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());

describe.skipIf(!MIRROR)('qexp data pull / verify (QEXP_DATA_MIRROR)', () => {
  const mirror = MIRROR as string;

  it('pulls cacm from a file mirror and verifies the checksums', async () => {
    const env = { QEXP_DATA_HOME: ws.path('home1'), QEXP_DATA_MIRROR: mirror };
    const r = await ws.qexp(['data', 'pull', 'cacm'], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toMatch(/cacm: cacm\.tar\.gz verified at .*home1\/cacm\/cacm\.tar\.gz/);
    for (const f of ['cacm.tar.gz', 'topics.cacm.txt', 'qrels.cacm.txt']) {
      expect(readFileSync(ws.path(`home1/cacm/${f}`)).equals(readFileSync(join(mirror, 'cacm', f)))).toBe(true);
    }
    const v = await ws.json<{ results: { status: string }[] }>(['data', 'verify', 'cacm'], env);
    expect(v.code).toBe(0);
    expect(v.data.results.map((x) => x.status)).toEqual(['ok', 'ok', 'ok']);
    const again = await ws.qexp(['data', 'pull', 'cacm'], env);
    expect(again.stdout).toMatch(/already present/);
  });

  it('pulls through HTTP from a server on 127.0.0.1, resuming an interrupted download with a Range request', async () => {
    const server = await startFileServer(mirror, { cutOnce: { '/cacm/cacm.tar.gz': 300_000 } });
    try {
      const env = { QEXP_DATA_HOME: ws.path('home2'), QEXP_DATA_MIRROR: server.url };
      const first = await ws.qexp(['data', 'pull', 'cacm'], env);
      expect(first.exitCode).toBe(1);
      const stopped = /cacm\.tar\.gz: transfer stopped after (\d+) of 808000 bytes.* — run the same command again to resume/.exec(
        first.stderr,
      );
      expect(stopped, first.stderr).not.toBeNull();
      const partial = statSync(ws.path('home2/cacm/cacm.tar.gz.part')).size;
      expect(partial).toBe(Number(stopped?.[1]));
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThanOrEqual(300_000);
      expect(existsSync(ws.path('home2/cacm/cacm.tar.gz'))).toBe(false);

      const second = await ws.qexp(['data', 'pull', 'cacm'], env);
      expect(second.exitCode, second.all).toBe(0);
      // the last progress line, in SI bytes
      expect(second.stderr).toMatch(/^ {2}cacm\.tar\.gz: 808 kB\/808 kB \(100%\)/m);
      const tarRequests = server.requests.filter((q) => q.path === '/cacm/cacm.tar.gz');
      expect(tarRequests.map((q) => [q.range, q.status])).toEqual([
        [undefined, 200],
        [`bytes=${partial}-`, 206],
      ]);
      expect(readFileSync(ws.path('home2/cacm/cacm.tar.gz')).equals(readFileSync(join(mirror, 'cacm/cacm.tar.gz')))).toBe(true);
      expect(existsSync(ws.path('home2/cacm/cacm.tar.gz.part'))).toBe(false);
    } finally {
      await server.close();
    }
  });

  it('rejects a corrupted file and keeps the good copy', async () => {
    // a mirror whose qrels differ by one byte
    const bad = ws.path('badmirror');
    mkdirSync(join(bad, 'cacm'), { recursive: true });
    cpSync(join(mirror, 'cacm'), join(bad, 'cacm'), { recursive: true });
    const q = readFileSync(join(mirror, 'cacm/qrels.cacm.txt'));
    q[0] = q[0] === 0x31 ? 0x32 : 0x31;
    writeFileSync(join(bad, 'cacm/qrels.cacm.txt'), q);
    const env = { QEXP_DATA_HOME: ws.path('home1'), QEXP_DATA_MIRROR: bad };
    const r = await ws.qexp(['data', 'pull', 'cacm', '--force'], env);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /qrels\.cacm\.txt: sha256 is [0-9a-f]{64}, expected 359f77ee.*The download was deleted; the existing copy .*home1\/cacm\/qrels\.cacm\.txt is kept/,
    );
    expect(readFileSync(ws.path('home1/cacm/qrels.cacm.txt')).equals(readFileSync(join(mirror, 'cacm/qrels.cacm.txt')))).toBe(true);
    expect(existsSync(ws.path('home1/cacm/qrels.cacm.txt.new.part'))).toBe(false);
    expect((await ws.qexp(['data', 'verify', 'cacm'], env)).exitCode).toBe(0);

    // a copy corrupted on disk is reported by verify
    writeFileSync(ws.path('home1/cacm/topics.cacm.txt'), 'tampered\n');
    const v = await ws.qexp(['data', 'verify', 'cacm'], env);
    expect(v.exitCode).toBe(1);
    expect(v.stdout).toMatch(/mismatch +.*topics\.cacm\.txt \(size 9, expected 12445\)/);
  });

  it('a dataset stage with a registry id pulls the files and passes them downstream', async () => {
    ws.write(
      'reg.yaml',
      `name: reg
datasets:
  cacm: {id: cacm}
stages:
  data: {kind: dataset, dataset: cacm}
  count:
    kind: shell
    from: data
    command: "grep -c '<DOC>' {{inputs.data.queries}} > {{outs.n}}; wc -l < {{inputs.data.qrels}} >> {{outs.n}}"
    outs: {n: n.txt}
`,
    );
    const env = { QEXP_DATA_HOME: ws.path('home3'), QEXP_DATA_MIRROR: mirror };
    const r = await ws.qexp(['run', 'reg.yaml'], env);
    expect(r.exitCode, r.all).toBe(0);
    expect(readFileSync(ws.path('n.txt'), 'utf8').split('\n').slice(0, 2)).toEqual(['64', '796']);
    expect(existsSync(ws.path('home3/cacm/cacm.tar.gz'))).toBe(true);
    const bad = ws.write('reg2.yaml', readFileSync(ws.path('reg.yaml'), 'utf8').replace('{id: cacm}', '{id: cacn}'));
    const v = await ws.qexp(['validate', bad], env);
    expect(v.exitCode).toBe(2);
    expect(v.stderr).toMatch(/reg2\.yaml:3:\d+: error: unknown dataset id 'cacn'; did you mean 'cacm'\?/);
  });
});
