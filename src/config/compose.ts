import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import { parseYamlWithPositions } from './parse-yaml.js';
import { SourceMap } from './source-map.js';

export interface Composed {
  value: Record<string, unknown>;
  map: SourceMap;
  diagnostics: Diagnostic[];
  fatal: Diagnostic[];
}

/** Name shown in messages: relative to the current directory when that is shorter. */
export function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs);
  return rel && !rel.startsWith('..') ? rel : abs;
}

/**
 * Reads an experiment file and the files it `extends`, merging them (this file wins; maps merge,
 * lists and scalars are replaced, null removes a key). Positions stay with the file that wrote them.
 */
export function composeExperiment(file: string, chain: string[] = []): Composed {
  const abs = resolve(file);
  const shown = displayPath(abs);
  const diagnostics: Diagnostic[] = [];
  const fatal: Diagnostic[] = [];
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    fatal.push({ pos: { file: shown, line: 1, col: 1 }, path: '', message: `cannot read experiment: ${reason}` });
    return { value: {}, map: new SourceMap(shown), diagnostics, fatal };
  }
  const parsed = parseYamlWithPositions(text, shown);
  diagnostics.push(...parsed.diagnostics);
  fatal.push(...parsed.fatal);
  if (fatal.length > 0) return { value: {}, map: parsed.map, diagnostics, fatal };
  if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    fatal.push({ pos: parsed.map.locate(''), path: '', message: 'an experiment must be a map of keys (name:, stages:, ...)' });
    return { value: {}, map: parsed.map, diagnostics, fatal };
  }
  const own = parsed.value as Record<string, unknown>;
  const bases = own.extends === undefined ? [] : Array.isArray(own.extends) ? own.extends : [own.extends];
  const map = new SourceMap(shown);
  let merged: Record<string, unknown> = {};
  bases.forEach((base, i) => {
    const ptr = Array.isArray(own.extends) ? `/extends/${i}` : '/extends';
    if (typeof base !== 'string') return; // the schema reports the type
    const target = resolve(dirname(abs), base);
    if (target === abs || chain.includes(target)) {
      fatal.push({
        pos: parsed.map.locate(ptr),
        path: 'extends',
        message: `extends cycle: ${[...chain, abs, target].map(displayPath).join(' → ')}`,
      });
      return;
    }
    const sub = composeExperiment(target, [...chain, abs]);
    if (sub.fatal.some((d) => d.message.startsWith('cannot read experiment'))) {
      fatal.push({ pos: parsed.map.locate(ptr), path: 'extends', message: `cannot read base experiment ${displayPath(target)}` });
      return;
    }
    diagnostics.push(...sub.diagnostics);
    fatal.push(...sub.fatal);
    merged = mergeDeep(merged, sub.value) as Record<string, unknown>;
    map.overlay(sub.map);
  });
  merged = mergeDeep(merged, own) as Record<string, unknown>;
  delete merged.extends;
  map.overlay(parsed.map);
  return { value: merged, map, diagnostics, fatal };
}

/** Override semantics of `extends`: maps merge recursively, null deletes a key the base has, anything else replaces. */
export function mergeDeep(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null && k in out) delete out[k];
    else out[k] = k in out ? mergeDeep(out[k], v) : v;
  }
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
