import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The qexp package folder (where package.json is). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Where pulled datasets live: QEXP_DATA_HOME, default ~/.cache/qexp. */
export function dataHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.QEXP_DATA_HOME || join(homedir(), '.cache', 'qexp'));
}

/**
 * A local copy laid out like shared/datasets (a folder, or an http(s) URL base), tried before the
 * public URLs: QEXP_DATA_MIRROR; by default `../shared/datasets` beside the qexp checkout when
 * that exists (CI), else none (public URLs). QEXP_DATA_MIRROR=none turns the default off.
 */
export function dataMirror(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = env.QEXP_DATA_MIRROR;
  if (set === 'none') return undefined;
  if (set) return /^https?:\/\//.test(set) ? set.replace(/\/+$/, '') : resolve(set);
  const beside = resolve(PACKAGE_ROOT, '..', 'shared', 'datasets');
  return existsSync(beside) ? beside : undefined;
}
