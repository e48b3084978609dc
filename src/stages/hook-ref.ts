import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import type { HookSpec } from '../hooks/hook-runtime.js';
import type { Json, Resolved, RunContext, StageScope } from './stage-types.js';

/** A diagnostic when a stage names a hook the experiment does not declare. */
export function checkHookRef(scope: StageScope, key: string, name: string | undefined): Diagnostic[] {
  if (name === undefined) return [];
  const hooks = scope.doc.hooks ?? {};
  if (hooks[name]) return [];
  return [
    {
      pos: scope.map.locate(`${scope.ptr}/${key}`),
      path: `stages.${scope.stageName}.${key}`,
      message: `no hook '${name}' under hooks${didYouMean(name, Object.keys(hooks))}`,
    },
  ];
}

/**
 * What a used hook adds to a stage's resolution: its source (inline) or file (checksummed) in the
 * fingerprint, and where it is declared in the runtime part, for error messages.
 */
export function resolveHook(scope: StageScope, name: string | undefined, into: Resolved): void {
  if (name === undefined) return;
  const h = scope.doc.hooks?.[name];
  if (!h) return;
  const pos = scope.map.locate(`/hooks/${name}`);
  let entry: Json;
  if (h.file) {
    const abs = scope.resolvePath(`/hooks/${name}/file`, h.file);
    into.files.push(abs);
    entry = { file: scope.recordPath(abs), function: h.function, timeout_ms: h.timeout_ms };
  } else entry = { python: h.python ?? '', function: h.function, timeout_ms: h.timeout_ms };
  into.uses[`hooks.${name}`] = entry;
  const rt = (into.runtime ?? {}) as Record<string, Json>;
  rt[`hook:${name}`] = `${pos.file}:${pos.line}:${pos.col}`;
  into.runtime = rt;
}

/** The hook a stage named, ready to call, or undefined if it names none. */
export function hookOf(ctx: RunContext, name: string | null | undefined): HookSpec | undefined {
  if (!name) return undefined;
  const e = ctx.resolved.uses[`hooks.${name}`] as { python?: string; file?: string; function: string; timeout_ms: number };
  const where = String((ctx.resolved.runtime as Record<string, Json>)?.[`hook:${name}`] ?? `hooks.${name}`);
  const source = e.file ? readFileSync(join(ctx.root, e.file), 'utf8') : (e.python as string);
  return { name, source, function: e.function, timeoutMs: e.timeout_ms, where };
}
