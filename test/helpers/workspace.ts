import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { execa, type ResultPromise } from 'execa';

export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '../../dist/cli/main.js');

/** A scratch project folder with the built CLI (tests run `npm run build` first, via `npm test`). */
export class Workspace {
  readonly dir: string;

  constructor(prefix = 'qexp-test-') {
    this.dir = mkdtempSync(join(tmpdir(), prefix));
    // a package.json makes this folder the project root that fingerprints' paths are relative to
    writeFileSync(join(this.dir, 'package.json'), '{"private": true}\n');
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  write(rel: string, text: string): string {
    const p = this.path(rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
    return p;
  }

  /** Runs a query on the workspace's store, read-only (no qexp may hold it then). */
  async sql(query: string): Promise<Record<string, unknown>[]> {
    const db = await DuckDBInstance.create(this.path('results/qexp.duckdb'), { access_mode: 'READ_ONLY' });
    const conn = await db.connect();
    try {
      return (await conn.runAndReadAll(query)).getRowObjectsJson() as Record<string, unknown>[];
    } finally {
      conn.closeSync();
      db.closeSync();
    }
  }

  /** Runs `qexp ARGS` in the workspace; never throws on a non-zero exit. */
  qexp(args: string[], env: Record<string, string> = {}) {
    return execa('node', [CLI, ...args], { cwd: this.dir, reject: false, env: { CI: 'true', ...env }, all: true });
  }

  /** Starts `qexp ARGS` without waiting (for kill and concurrency tests). */
  spawn(
    args: string[],
    env: Record<string, string> = {},
  ): ResultPromise<{ cwd: string; reject: false; all: true; env: Record<string, string> }> {
    return execa('node', [CLI, ...args], { cwd: this.dir, reject: false, all: true, env: { CI: 'true', ...env } });
  }

  async json<T = Record<string, unknown>>(
    args: string[],
    env: Record<string, string> = {},
  ): Promise<{ code: number; data: T; stderr: string }> {
    const r = await this.qexp([...args, '--json'], env);
    let data: T;
    try {
      data = JSON.parse(r.stdout) as T;
    } catch {
      throw new Error(`qexp ${args.join(' ')} --json printed no JSON (exit ${r.exitCode}):\n${r.all}`);
    }
    return { code: r.exitCode ?? -1, data, stderr: String(r.stderr) };
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** 1-based line and column of the first occurrence of `needle` in `text` (to locate expected errors). */
export function positionOf(text: string, needle: string, nth = 0): { line: number; col: number } {
  let idx = -1;
  for (let i = 0; i <= nth; i++) {
    idx = text.indexOf(needle, idx + 1);
    if (idx < 0) throw new Error(`'${needle}' not in text`);
  }
  const before = text.slice(0, idx);
  const line = before.split('\n').length;
  const col = idx - before.lastIndexOf('\n');
  return { line, col };
}

/** Polls `cond` until it holds; the deadline only bounds a failure, so it is generous for a loaded machine. */
export async function waitFor(cond: () => boolean, timeoutMs = 120_000, what = 'condition'): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
