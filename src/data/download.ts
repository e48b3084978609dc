import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export type Source = { kind: 'file'; path: string } | { kind: 'http'; url: string; headers?: Record<string, string> };

export interface Expected {
  sha256?: string;
  md5?: string;
  bytes?: number;
}

export type Progress = (done: number, total: number | undefined) => void;

/** The bytes arrived but are not the file the registry describes. */
export class ChecksumError extends Error {
  override name = 'ChecksumError';
}

/** The transfer stopped before the end; the partial file is kept so the next attempt resumes. */
export class DownloadInterrupted extends Error {
  override name = 'DownloadInterrupted';
  constructor(
    message: string,
    /** Bytes arrived before it stopped: resume from this source rather than try another. */
    readonly partial = false,
  ) {
    super(message);
  }
}

export function describeSource(s: Source): string {
  return s.kind === 'file' ? s.path : s.url;
}

/**
 * Fetches `source` into `dest`: bytes go to `dest.part` (resumed with an HTTP Range request, or
 * from the same offset of a local file, when a partial copy exists), the whole file is checked
 * against the expected size and checksum, and only then renamed over `dest`. A bad file is
 * deleted and reported; an existing `dest` is never touched unless the new copy verified.
 */
export async function fetchVerified(
  source: Source,
  dest: string,
  expected: Expected,
  onProgress?: Progress,
  /** The good copy this download would replace (named in the error when it is kept). */
  existing: string = dest,
): Promise<{ sha256: string; bytes: number }> {
  const part = `${dest}.part`;
  await mkdir(dirname(dest), { recursive: true });
  let offset = existsSync(part) ? (await stat(part)).size : 0;
  if (source.kind === 'file') {
    const size = (await stat(source.path)).size;
    if (offset > size) offset = 0;
    await copyRange(createReadStream(source.path, { start: offset }), part, offset, size, onProgress);
  } else {
    await httpRange(source, part, offset, onProgress);
  }
  const got = await digest(part);
  const problem =
    expected.bytes !== undefined && got.bytes !== expected.bytes
      ? `size is ${got.bytes} bytes, expected ${expected.bytes}`
      : expected.sha256 && got.sha256 !== expected.sha256
        ? `sha256 is ${got.sha256}, expected ${expected.sha256}`
        : expected.md5 && got.md5 !== expected.md5
          ? `md5 is ${got.md5}, expected ${expected.md5}`
          : undefined;
  if (problem) {
    await rm(part, { force: true });
    throw new ChecksumError(
      `${describeSource(source)}: ${problem}. The download was deleted${existsSync(existing) ? `; the existing copy ${existing} is kept` : ''}. ` +
        'If the mirror or host serves a changed file, fix it or set QEXP_DATA_MIRROR=none to use the public URL.',
    );
  }
  await rename(part, dest);
  return { sha256: got.sha256, bytes: got.bytes };
}

async function copyRange(input: Readable, part: string, offset: number, total: number, onProgress?: Progress): Promise<void> {
  let done = offset;
  const count = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      done += chunk.length;
      onProgress?.(done, total);
      cb(null, chunk);
    },
  });
  await pipeline(input, count, createWriteStream(part, { flags: offset > 0 ? 'a' : 'w' }));
}

async function httpRange(source: Extract<Source, { kind: 'http' }>, part: string, offset: number, onProgress?: Progress): Promise<void> {
  const headers: Record<string, string> = { ...(source.headers ?? {}) };
  if (offset > 0) headers.Range = `bytes=${offset}-`;
  let res: Response;
  try {
    res = await fetch(source.url, { headers, redirect: 'follow' });
  } catch (err) {
    throw new DownloadInterrupted(`${source.url}: ${(err as Error).cause ?? (err as Error).message}`);
  }
  if (res.status === 416 && offset > 0) return; // the partial file is already complete: verify it
  if (res.status !== 200 && res.status !== 206) {
    throw new DownloadInterrupted(`${source.url}: HTTP ${res.status} ${res.statusText}`);
  }
  const resumed = res.status === 206;
  const start = resumed ? offset : 0; // a 200 answer to a Range request restarts from the beginning
  const length = Number(res.headers.get('content-length') ?? Number.NaN);
  const total = Number.isFinite(length) ? start + length : undefined;
  if (!res.body) throw new DownloadInterrupted(`${source.url}: empty response`);
  try {
    await copyRange(Readable.fromWeb(res.body as never), part, start, total ?? 0, onProgress && ((d) => onProgress(d, total)));
  } catch (err) {
    const size = (await stat(part).catch(() => ({ size: 0 }))).size;
    const of = total === undefined ? '' : ` of ${total}`;
    throw new DownloadInterrupted(`${source.url}: transfer stopped after ${size}${of} bytes (${(err as Error).message})`, size > offset);
  }
  if (total !== undefined && (await stat(part)).size < total) {
    throw new DownloadInterrupted(`${source.url}: transfer stopped after ${(await stat(part)).size} of ${total} bytes`, true);
  }
}

export async function digest(path: string): Promise<{ sha256: string; md5: string; bytes: number }> {
  const sha = createHash('sha256');
  const md5 = createHash('md5');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    sha.update(chunk as Buffer);
    md5.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('hex'), bytes };
}
