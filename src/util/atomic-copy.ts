import { cp, mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Copies a file or folder to `dest` through a temporary sibling and a rename: readers never see half a copy. */
export async function atomicCopy(src: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.qexp-tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await cp(src, tmp, { recursive: true });
  await rm(dest, { recursive: true, force: true });
  await rename(tmp, dest);
}
