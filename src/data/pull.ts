import { createWriteStream, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract } from 'tar-stream';
import { ChecksumError, DownloadInterrupted, digest, type Expected, fetchVerified, type Progress, type Source } from './download.js';
import { dataHome, dataMirror } from './locations.js';
import { openMaybeGzip } from './read-lines.js';
import { type RegistryEntry, type RegistryFile, registryEntry } from './registry.js';

export interface LocalFile {
  role: RegistryFile['role'];
  path: string;
}

/** Folder of a dataset under QEXP_DATA_HOME (`msmarco-passage/trec-dl-2019` nests). */
export function datasetDir(id: string, env: NodeJS.ProcessEnv = process.env): string {
  return join(dataHome(env), ...id.split('/'));
}

/** Where each file is tried from: the mirror first (when it carries the file), then the public URL. */
export function sourcesFor(file: RegistryFile, env: NodeJS.ProcessEnv = process.env): Source[] {
  const out: Source[] = [];
  const mirror = dataMirror(env);
  if (mirror && file.mirror) {
    if (/^https?:/.test(mirror)) out.push({ kind: 'http', url: `${mirror}/${file.mirror}`, headers: file.headers });
    else if (existsSync(join(mirror, file.mirror))) out.push({ kind: 'file', path: join(mirror, file.mirror) });
  }
  out.push({ kind: 'http', url: file.url, headers: file.headers });
  return out;
}

const RECORDED = 'checksums.json';

/** sha256 recorded at the first download of files that have no published checksum. */
function recorded(dir: string): Record<string, string> {
  const p = join(dir, RECORDED);
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, string>) : {};
}

function expectedOf(file: RegistryFile, dir: string): Expected {
  const rec = recorded(dir)[file.name];
  return { sha256: file.sha256 ?? (file.md5 ? undefined : rec), md5: file.md5, bytes: file.bytes };
}

export interface PullEvents {
  start?(file: RegistryFile, source: Source): void;
  progress?: (file: RegistryFile) => Progress;
  done?(file: RegistryFile, path: string, skipped: boolean): void;
}

/** Downloads (or copies from the mirror) every file of a dataset that is not already in place and verified. */
export async function pullDataset(
  id: string,
  opts: { force?: boolean; env?: NodeJS.ProcessEnv; events?: PullEvents } = {},
): Promise<LocalFile[]> {
  const entry = mustEntry(id);
  const env = opts.env ?? process.env;
  const dir = datasetDir(id, env);
  await mkdir(dir, { recursive: true });
  for (const file of entry.files) {
    const dest = join(dir, file.name);
    if (existsSync(dest) && !opts.force && (!file.members || file.members.every((m) => existsSync(join(dir, m.member))))) {
      opts.events?.done?.(file, dest, true);
      continue;
    }
    let lastError: Error | undefined;
    let fetched: { sha256: string } | undefined;
    // a fresh download goes to a side name: a bad copy never replaces a good one
    const target = existsSync(dest) ? `${dest}.new` : dest;
    for (const source of sourcesFor(file, env)) {
      opts.events?.start?.(file, source);
      try {
        fetched = await fetchVerified(source, target, expectedOf(file, dir), opts.events?.progress?.(file), dest);
        break;
      } catch (err) {
        if (err instanceof ChecksumError) throw err;
        if (err instanceof DownloadInterrupted && err.partial) throw err; // resume from the same source next time
        lastError = err as Error;
      }
    }
    if (!fetched) throw lastError ?? new Error(`no source for ${file.name}`);
    if (target !== dest) await rename(target, dest);
    if (!file.sha256 && !file.md5) {
      const rec = recorded(dir);
      rec[file.name] = fetched.sha256;
      writeFileSync(join(dir, RECORDED), `${JSON.stringify(rec, null, 2)}\n`);
    }
    if (file.members)
      await extractMembers(
        dest,
        dir,
        file.members.map((m) => m.member),
      );
    opts.events?.done?.(file, dest, false);
  }
  return localFiles(entry, dir);
}

function localFiles(entry: RegistryEntry, dir: string): LocalFile[] {
  return entry.files.flatMap((f) =>
    f.members ? f.members.map((m) => ({ role: m.role, path: join(dir, m.member) })) : [{ role: f.role, path: join(dir, f.name) }],
  );
}

/** The local files of a dataset (and of the dataset its corpus comes from), whether or not pulled yet. */
export function datasetFiles(id: string, env: NodeJS.ProcessEnv = process.env): LocalFile[] {
  const entry = mustEntry(id);
  const own = localFiles(entry, datasetDir(id, env));
  if (entry.corpusFrom && !own.some((f) => f.role === 'corpus')) {
    own.push(...datasetFiles(entry.corpusFrom, env).filter((f) => f.role === 'corpus'));
  }
  return own;
}

export interface VerifyResult {
  file: string;
  status: 'ok' | 'missing' | 'mismatch' | 'unverifiable';
  detail?: string;
}

/** Re-checks the pulled files of a dataset against their published (or recorded) checksums. */
export async function verifyDataset(id: string, env: NodeJS.ProcessEnv = process.env): Promise<VerifyResult[]> {
  const entry = mustEntry(id);
  const dir = datasetDir(id, env);
  const out: VerifyResult[] = [];
  for (const file of entry.files) {
    const path = join(dir, file.name);
    if (!existsSync(path)) {
      out.push({ file: path, status: 'missing', detail: `run qexp data pull ${id}` });
      continue;
    }
    const exp = expectedOf(file, dir);
    const got = await digest(path);
    if (!exp.sha256 && !exp.md5) out.push({ file: path, status: 'unverifiable', detail: 'no published or recorded checksum' });
    else if (exp.bytes !== undefined && got.bytes !== exp.bytes)
      out.push({ file: path, status: 'mismatch', detail: `size ${got.bytes}, expected ${exp.bytes}` });
    else if (exp.sha256 && got.sha256 !== exp.sha256)
      out.push({ file: path, status: 'mismatch', detail: `sha256 ${got.sha256}, expected ${exp.sha256}` });
    else if (exp.md5 && got.md5 !== exp.md5) out.push({ file: path, status: 'mismatch', detail: `md5 ${got.md5}, expected ${exp.md5}` });
    else out.push({ file: path, status: 'ok' });
  }
  return out;
}

async function extractMembers(archive: string, dir: string, members: string[]): Promise<void> {
  const wanted = new Set(members);
  const tar = extract();
  const src = openMaybeGzip(archive);
  src.on('error', (e) => tar.destroy(e));
  src.pipe(tar);
  for await (const entry of tar) {
    const base = entry.header.name.split('/').pop() ?? '';
    if (entry.header.type === 'file' && wanted.has(base)) {
      const part = join(dir, `${base}.part`);
      await pipeline(entry, createWriteStream(part));
      await rename(part, join(dir, base));
      wanted.delete(base);
    } else entry.resume();
  }
  if (wanted.size) {
    await rm(join(dir, [...wanted][0] as string), { force: true });
    throw new Error(`${archive} lacks ${[...wanted].join(', ')}`);
  }
}

function mustEntry(id: string): RegistryEntry {
  const e = registryEntry(id);
  if (!e) throw new Error(`unknown dataset id '${id}'`);
  return e;
}
