import { readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import { parseYamlWithPositions, yamlTooLarge } from './parse-yaml.js';
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

/** One experiment file as written: its own keys (without `extends`), their positions, and its bases. */
interface Layer {
  abs: string;
  own: Record<string, unknown>;
  map: SourceMap;
  bases: Layer[];
}

/**
 * Reads an experiment file and the files it `extends`, merging them (maps merge, lists and scalars
 * are replaced, later files win; positions stay with the file that wrote them).
 *
 * Every file is applied once, after all of its bases: in a diamond (two bases extending one file)
 * the shared file's keys come in once, first, and neither path re-applies them over the other.
 * `key: null` removes a key only when the file that writes it inherits that key through its own
 * `extends` chain; otherwise it is an ordinary null value (`outs: {x: null}`), never a deletion
 * that reaches into a sibling base.
 */
export function composeExperiment(file: string): Composed {
  const diagnostics: Diagnostic[] = [];
  const fatal: Diagnostic[] = [];
  const layers = new Map<string, Layer | null>();
  const top = readLayer(resolve(file), [], layers, diagnostics, fatal);
  if (!top || fatal.length > 0) return { value: {}, map: top?.map ?? new SourceMap(displayPath(resolve(file))), diagnostics, fatal };
  const map = new SourceMap(displayPath(top.abs));
  for (const l of linearize(top)) map.overlay(l.map);
  const memo = new Map<Layer, Record<string, unknown>>();
  const before = inherited(top, memo);
  return { value: applyOwn(before, top.own, before) as Record<string, unknown>, map, diagnostics, fatal };
}

/** Parses one file and, recursively, its bases (each file once); null when it cannot be read. */
function readLayer(
  abs: string,
  chain: string[],
  layers: Map<string, Layer | null>,
  diagnostics: Diagnostic[],
  fatal: Diagnostic[],
): Layer | null {
  const known = layers.get(abs);
  if (known !== undefined) return known;
  const shown = displayPath(abs);
  let text: string;
  try {
    // refused before it is read: reading and parsing a huge file aborts V8 with no message
    const tooLarge = yamlTooLarge(statSync(abs).size, shown);
    if (tooLarge) {
      fatal.push(tooLarge);
      layers.set(abs, null);
      return null;
    }
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message;
    if (chain.length === 0) fatal.push({ pos: { file: shown, line: 1, col: 1 }, path: '', message: `cannot read experiment: ${reason}` });
    layers.set(abs, null);
    return null;
  }
  const parsed = parseYamlWithPositions(text, shown);
  diagnostics.push(...parsed.diagnostics);
  fatal.push(...parsed.fatal);
  const layer: Layer = { abs, own: {}, map: parsed.map, bases: [] };
  layers.set(abs, layer);
  if (parsed.fatal.length > 0) return layer;
  if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    fatal.push({ pos: parsed.map.locate(''), path: '', message: 'an experiment must be a map of keys (name:, stages:, ...)' });
    return layer;
  }
  const { extends: ext, ...own } = parsed.value as Record<string, unknown>;
  layer.own = own;
  if (ext === undefined) return layer;
  if (typeof ext !== 'string' && !Array.isArray(ext)) {
    fatal.push({
      pos: parsed.map.locate('/extends'),
      path: 'extends',
      message: `extends must be a file name or a list of file names, not ${kindOf(ext)}`,
    });
    return layer;
  }
  (Array.isArray(ext) ? ext : [ext]).forEach((base, i) => {
    const ptr = Array.isArray(ext) ? `/extends/${i}` : '/extends';
    if (typeof base !== 'string') {
      fatal.push({
        pos: parsed.map.locate(ptr),
        path: `extends[${i}]`,
        message: `each entry of extends must be a file name, not ${kindOf(base)}`,
      });
      return;
    }
    const target = resolve(dirname(abs), base);
    if (target === abs || chain.includes(target)) {
      fatal.push({
        pos: parsed.map.locate(ptr),
        path: 'extends',
        message: `extends cycle: ${[...chain, abs, target].map(displayPath).join(' → ')}`,
      });
      return;
    }
    const sub = readLayer(target, [...chain, abs], layers, diagnostics, fatal);
    if (!sub) {
      if (!fatal.some((d) => d.pos.file === displayPath(target)))
        fatal.push({ pos: parsed.map.locate(ptr), path: 'extends', message: `cannot read base experiment ${displayPath(target)}` });
      return;
    }
    layer.bases.push(sub);
  });
  return layer;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return typeof v === 'object' ? 'a map' : `a ${typeof v} (${JSON.stringify(v)})`;
}

/** The files of a layer's `extends` graph in the order they apply: every file once, after its bases. */
function linearize(top: Layer, out: Layer[] = [], seen = new Set<Layer>()): Layer[] {
  if (seen.has(top)) return out;
  seen.add(top);
  for (const b of top.bases) linearize(b, out, seen);
  out.push(top);
  return out;
}

/** What a layer inherits through its own `extends` chain: its bases' files, each once, in order. */
function inherited(layer: Layer, memo: Map<Layer, Record<string, unknown>>): Record<string, unknown> {
  const done = memo.get(layer);
  if (done) return done;
  let value: Record<string, unknown> = {};
  for (const l of linearize(layer).slice(0, -1)) value = applyOwn(value, l.own, inherited(l, memo)) as Record<string, unknown>;
  memo.set(layer, value);
  return value;
}

/**
 * One file's own keys over what comes before it: maps merge, anything else replaces, and null
 * removes a key that `inherited` (the file's own chain) has; a null for any other key is a value.
 */
export function applyOwn(before: unknown, own: unknown, inheritedValue: unknown): unknown {
  if (!isMap(before) || !isMap(own)) return own;
  const out: Record<string, unknown> = { ...before };
  const inh = isMap(inheritedValue) ? inheritedValue : {};
  for (const [k, v] of Object.entries(own)) {
    if (v === null && k in inh) delete out[k];
    else out[k] = k in out ? applyOwn(out[k], v, inh[k]) : v;
  }
  return out;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
