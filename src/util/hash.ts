import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

export function sha256Text(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** A cache of file checksums keyed by path, size and modification time (the store provides one). */
export interface HashCache {
  get(path: string, size: number, mtimeMs: number): Promise<string | undefined>;
  put(path: string, size: number, mtimeMs: number, sha256: string): Promise<void>;
}

export interface PathDigest {
  sha256: string;
  bytes: number;
}

/**
 * Checksum of a file, or of a folder (sha256 over its sorted `relative-path NUL sha256` lines).
 * Unchanged files (same size and mtime) are not read again when a cache is given.
 */
export async function digestPath(path: string, cache?: HashCache): Promise<PathDigest> {
  const st = await stat(path);
  if (st.isDirectory()) {
    const files = await listFiles(path);
    const h = createHash('sha256');
    let bytes = 0;
    for (const f of files) {
      const d = await digestPath(f, cache);
      bytes += d.bytes;
      h.update(`${relative(path, f).split(sep).join('/')}\0${d.sha256}\n`);
    }
    return { sha256: h.digest('hex'), bytes };
  }
  const hit = cache ? await cache.get(path, st.size, st.mtimeMs) : undefined;
  if (hit) return { sha256: hit, bytes: st.size };
  const sha256 = await sha256File(path);
  await cache?.put(path, st.size, st.mtimeMs, sha256);
  return { sha256, bytes: st.size };
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await listFiles(p)));
    else if (e.isFile()) out.push(p);
  }
  return out.sort();
}
