import { type ChildProcess, fork } from 'node:child_process';
import { existsSync, renameSync, rmSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CorpusMeter, corpusMeter, readCorpus } from '../../data/corpus.js';
import { DataError } from '../../data/data-error.js';
import { getAnalyzer } from '../analysis/analyzers.js';
import { type BuildOptions, buildIndex, CorpusInputError } from './build-index.js';
import type { IndexMeta } from './index-format.js';

/** What the child is asked: the corpus, the output and the options that are plain data. */
interface BuildJob {
  corpus: string;
  analyzer: string;
  out: string;
  opts: Omit<BuildOptions, 'onProgress' | 'onPhase' | 'onStep'>;
}

type ChildMessage =
  | { type: 'progress'; docs: number; read: number }
  | { type: 'phase'; name: string; secs: number }
  | { type: 'step'; step: string }
  | { type: 'done'; meta: IndexMeta }
  | {
      type: 'error';
      kind: 'data' | 'corpus' | 'other';
      message: string;
      file?: string;
      line?: number;
      detail?: string;
      stack?: string;
      /** A system error's fields (code, errno, syscall, path), as the parent's callers may test them. */
      fields?: Record<string, unknown>;
    };

/** The build's process ended without an index (killed, out of memory): not a fault of the corpus. */
export class IndexBuildProcessError extends Error {}

/** Removes a folder, never throwing: a failure here must not hide the build's own error. */
function removeQuietly(path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch {
    // a path that cannot be a folder (under a file, too long) holds nothing to remove
  }
}

export interface CorpusBuildOptions extends BuildOptions {
  /** Updated as the corpus is read (in the child too): for estimates of its size in documents. */
  meter?: CorpusMeter;
  /**
   * `auto` (default): a corpus of `CHILD_FROM_BYTES` or more is indexed in a child process with
   * huge pages where glibc allows it (see `hugePageEnv`); `child` or `same` always.
   */
  process?: 'auto' | 'child' | 'same';
}

/** This module as built: the child runs it (from the sources, as under vitest, the build's copy). */
function childScript(): string {
  const here = fileURLToPath(new URL('./build-process.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL('../../../dist/retrieval/index/build-process.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new Error(`build-process.js is missing beside ${fileURLToPath(import.meta.url)}: run \`npm run build\``);
}

/** Below this the child's start (a tenth of a second) costs more than huge pages save. */
const CHILD_FROM_BYTES = 64 << 20;

/**
 * The environment for a process that builds indexes: glibc's malloc asked for transparent huge
 * pages (`glibc.malloc.hugetlb=1`, glibc ≥ 2.35, read once at process start). The build's typed
 * arrays are a few GB touched once each: 2 MB pages take a fifth of the page faults and TLB misses
 * of 4 kB pages. `QEXP_HUGE_PAGES=0` leaves the environment as it is. Null where it does not apply
 * (not Linux with glibc, or turned off).
 */
export function hugePageEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv | null {
  if (env.QEXP_HUGE_PAGES === '0' || process.platform !== 'linux') return null;
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  if (!header?.glibcVersionRuntime) return null;
  const tunables = env.GLIBC_TUNABLES ?? '';
  if (/(^|:)glibc\.malloc\.hugetlb=/.test(tunables)) return env;
  return { ...env, GLIBC_TUNABLES: tunables ? `${tunables}:glibc.malloc.hugetlb=1` : 'glibc.malloc.hugetlb=1' };
}

/**
 * Indexes a corpus file (or folder) as `buildIndex` does, in a child process with huge pages when
 * the corpus is large (the option `process`): the index is the same either way, byte for byte.
 * The child's memory goes back to the system when it ends, so a long `qexp run` does not keep the
 * build's heap; errors arrive as the same classes (DataError, CorpusInputError) with the same text.
 */
export async function buildCorpusIndex(corpus: string, analyzer: string, out: string, opts: CorpusBuildOptions = {}): Promise<IndexMeta> {
  const { meter, signal, process: where = 'auto', onProgress, onPhase, onStep, ...plain } = opts;
  // the build ends by replacing `out` whole: a corpus there would be lost
  const inside = relative(resolve(out), resolve(corpus));
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside)))
    throw new CorpusInputError(`the index would replace the corpus: ${out} is or holds it; give the index another folder`);
  if (signal?.aborted) throw new Error('interrupted');
  const env = where === 'same' ? null : hugePageEnv();
  const inChild = where === 'child' || (env !== null && where === 'auto' && (meter ?? corpusMeter(corpus)).total >= CHILD_FROM_BYTES);
  if (!inChild) return buildIndex(readCorpus(corpus, meter), getAnalyzer(analyzer), out, { ...plain, signal, onProgress, onPhase, onStep });
  const job: BuildJob = { corpus, analyzer, out, opts: plain };
  return new Promise<IndexMeta>((resolve, reject) => {
    const child: ChildProcess = fork(childScript(), [], {
      env: { ...(env ?? process.env), QEXP_INDEX_CHILD: '1' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // options as they are (Infinity stays Infinity), and no debugger flag making the child wait
      serialization: 'advanced',
      execArgv: process.execArgv.filter((a) => !a.startsWith('--inspect')),
    });
    // the tail of what the child wrote on stderr: a crash's own words (out of memory, say)
    let stderr = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (s: string) => {
      stderr = (stderr + s).slice(-4000);
    });
    let settled: { err?: Error; meta?: IndexMeta } | undefined;
    let killer: NodeJS.Timeout | undefined;
    const abort = () => {
      settled ??= { err: new Error('interrupted') };
      child.kill('SIGTERM');
      // the child answers signals between its steps, and one step can take a minute at 10M
      // passages: past a few seconds it is killed, and its folder removed from here
      killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    };
    signal?.addEventListener('abort', abort, { once: true });
    let ended = false;
    const end = (fail?: Error) => {
      if (ended) return;
      ended = true;
      clearTimeout(killer);
      signal?.removeEventListener('abort', abort);
      if (settled?.meta) {
        resolve(settled.meta);
        return;
      }
      // whatever the child left half-written (it removes it itself when it can)
      if (child.pid !== undefined) removeQuietly(`${out}.tmp-${child.pid}`);
      reject(settled?.err ?? fail);
    };
    child.on('message', (m: ChildMessage) => {
      switch (m.type) {
        case 'progress':
          if (meter) meter.read = m.read;
          onProgress?.(m.docs);
          break;
        case 'phase':
          onPhase?.(m.name, m.secs);
          break;
        case 'step':
          onStep?.(m.step);
          break;
        case 'done':
          settled ??= { meta: m.meta };
          break;
        case 'error': {
          const err =
            m.kind === 'data'
              ? new DataError(m.file as string, m.line, m.detail as string)
              : m.kind === 'corpus'
                ? new CorpusInputError(m.message)
                : Object.assign(new Error(m.message), m.fields);
          if (m.kind === 'other' && m.stack) err.stack = `${err.stack}\n    in the index build process:\n${m.stack}`;
          settled ??= { err };
          break;
        }
      }
    });
    child.on('error', (err) => {
      settled ??= { err: new IndexBuildProcessError(`index build: could not start its process (${err.message})`) };
      // a process that never started has no 'close' to wait for
      if (child.pid === undefined) end();
    });
    // 'close': after the process ended and its pipes, the messages' channel among them, closed
    child.on('close', (code, sig) =>
      end(
        new IndexBuildProcessError(
          `index build: its process ended (${sig ?? `exit code ${code}`}) before the index was done` +
            `${stderr.trim() ? `:\n${stderr.trim()}` : ''}\nIf it ran out of memory, give fewer --threads or a smaller --memory-postings.`,
        ),
      ),
    );
    child.send(job);
  });
}

/** The child's side: one build, its events and outcome sent to the parent, then exit. */
function serveChild(): void {
  let tmp: string | undefined;
  let out = '';
  let answered = false;
  const end = (code: number) => {
    // buildIndex's temporary folder, named after this process: nothing else would remove it. Once
    // the old index is removed and the new one whole (meta.json is written last), the rename is
    // finished instead: else neither would be left
    if (tmp) {
      try {
        if (!existsSync(out) && existsSync(join(tmp, 'meta.json'))) renameSync(tmp, out);
        else removeQuietly(tmp);
      } catch {
        removeQuietly(tmp);
      }
    }
    process.exit(code);
  };
  process.on('SIGTERM', () => end(143));
  // Ctrl-C reaches the whole process group: the parent decides what it means, this one stops
  process.on('SIGINT', () => end(130));
  // the parent is gone: nobody is left to take the index
  process.on('disconnect', () => {
    if (!answered) end(1);
  });
  process.once('message', async (job: BuildJob) => {
    out = job.out;
    tmp = `${job.out}.tmp-${process.pid}`;
    // a message the parent can no longer take (it is gone) ends the build, as 'disconnect' does;
    // without a callback the failure would be an unhandled 'error' event, and the folder left
    const send = (m: ChildMessage, then?: () => void) => {
      if (!process.connected) {
        end(1);
        return;
      }
      process.send?.(m, undefined, {}, (err: Error | null) => (err ? end(1) : then?.()));
    };
    const meter: CorpusMeter = { read: 0, total: 0 };
    try {
      const meta = await buildIndex(readCorpus(job.corpus, meter), getAnalyzer(job.analyzer), job.out, {
        ...job.opts,
        onProgress: (docs) => send({ type: 'progress', docs, read: meter.read }),
        onPhase: (name, secs) => send({ type: 'phase', name, secs }),
        onStep: (step) => send({ type: 'step', step }),
      });
      tmp = undefined;
      answered = true;
      send({ type: 'done', meta }, () => process.exit(0));
    } catch (e) {
      const err = e as Error;
      answered = true;
      const exit = () => end(1);
      if (err instanceof DataError)
        send({ type: 'error', kind: 'data', message: err.message, file: err.file, line: err.line, detail: err.detail }, exit);
      else {
        const { code, errno, syscall, path } = err as NodeJS.ErrnoException;
        const fields = Object.fromEntries(Object.entries({ code, errno, syscall, path }).filter(([, v]) => v !== undefined));
        const kind = err instanceof CorpusInputError ? 'corpus' : 'other';
        send({ type: 'error', kind, message: err.message, stack: err.stack, fields }, exit);
      }
    }
  });
}

if (process.env.QEXP_INDEX_CHILD === '1' && process.send && process.argv[1] === fileURLToPath(import.meta.url)) serveChild();
