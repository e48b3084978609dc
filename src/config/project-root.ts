import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The folder that recorded paths are relative to, so fingerprints do not depend on where a
 * clone lives: the nearest folder above the experiment holding `.git` or `package.json`,
 * else the experiment's own folder.
 */
export function findProjectRoot(experimentFile: string): string {
  const start = dirname(experimentFile);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, '.git')) || existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return start;
  }
}
