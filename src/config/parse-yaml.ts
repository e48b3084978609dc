import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import { type PathSeg, type Pos, SourceMap, toDotted, toPointer } from './source-map.js';

export interface ParsedYaml {
  value: unknown;
  map: SourceMap;
  /** Problems that do not stop loading (duplicate keys): reported with the schema's. */
  diagnostics: Diagnostic[];
  /** Syntax errors: the document cannot be trusted, so loading stops after reporting them. */
  fatal: Diagnostic[];
}

/** The largest experiment file qexp reads: a 300 MB one would exhaust V8's heap while parsing. */
export const MAX_YAML_BYTES = 10 * 1024 * 1024;
/** How many values aliases may expand to in one file: an alias bomb of 331 bytes expands to billions. */
export const MAX_ALIAS_VALUES = 100_000;

/** The error for a file over MAX_YAML_BYTES, or undefined. */
export function yamlTooLarge(bytes: number, file: string): Diagnostic | undefined {
  if (bytes <= MAX_YAML_BYTES) return undefined;
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  return {
    pos: { file, line: 1, col: 1 },
    path: '',
    message: `${file} is ${mb(bytes)}, more than the ${mb(MAX_YAML_BYTES)} qexp reads as an experiment; keep large lists in the files it names`,
  };
}

/**
 * Parses YAML keeping the position of every key and value; duplicate keys are reported, not merged.
 * Aliases are expanded here (with the positions of their anchors), at most MAX_ALIAS_VALUES values.
 */
export function parseYamlWithPositions(text: string, file: string): ParsedYaml {
  const tooLarge = yamlTooLarge(Buffer.byteLength(text), file);
  if (tooLarge) return { value: undefined, map: new SourceMap(file), diagnostics: [], fatal: [tooLarge] };
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false, prettyErrors: false });
  const map = new SourceMap(file);
  const diagnostics: Diagnostic[] = [];
  const fatal: Diagnostic[] = [];
  const posAt = (offset: number): Pos => {
    const lp = lines.linePos(offset);
    return { file, line: lp.line, col: lp.col };
  };

  for (const err of doc.errors) {
    const first = err.message.split('\n')[0] ?? err.message;
    fatal.push({ pos: posAt(err.pos[0]), path: '', message: `YAML syntax: ${first}` });
  }
  if (fatal.length > 0) return { value: undefined, map, diagnostics, fatal };

  // anchors as met in document order (an alias names the last one before it); found once, not by
  // the yaml package's Alias.resolve, which walks the document again for every alias
  const anchors = new Map<string, Node>();
  let expanding = 0;
  let expanded = 0;
  class AliasBomb extends Error {}
  const convert = (node: Node | null | undefined, path: PathSeg[], depth: number): unknown => {
    if (node == null) return null;
    if (depth > 64) {
      diagnostics.push({ pos: posAt(node.range?.[0] ?? 0), path: toDotted(path), message: 'nesting deeper than 64 levels' });
      return null;
    }
    if (expanding > 0 && ++expanded > MAX_ALIAS_VALUES) throw new AliasBomb();
    if (isAlias(node)) {
      const target = anchors.get(node.source);
      if (!target) {
        fatal.push({ pos: posAt(node.range?.[0] ?? 0), path: toDotted(path), message: `alias *${node.source} names no anchor before it` });
        return null;
      }
      expanding++;
      try {
        return convert(target, path, depth + 1);
      } catch (err) {
        if (err instanceof AliasBomb && expanding === 1)
          fatal.push({
            pos: posAt(node.range?.[0] ?? 0),
            path: toDotted(path),
            message: `aliases expand to more than ${MAX_ALIAS_VALUES.toLocaleString('en-US')} values (from *${node.source} here on): write the values out, or use fewer nested aliases`,
          });
        throw err;
      } finally {
        expanding--;
      }
    }
    if (expanding === 0 && node.anchor) anchors.set(node.anchor, node);
    if (isScalar(node)) return node.value;
    if (isSeq(node)) {
      return node.items.map((item, i) => {
        const child = [...path, i];
        const itemNode = item as Node;
        map.set(toPointer(child), { value: posAt(itemNode?.range?.[0] ?? node.range?.[0] ?? 0) });
        return convert(itemNode, child, depth + 1);
      });
    }
    if (isMap(node)) {
      const out: Record<string, unknown> = {};
      const firstSeen = new Map<string, Pos>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const keyNode = pair.key as Node | null;
        const keyPos = posAt(keyNode?.range?.[0] ?? node.range?.[0] ?? 0);
        if (
          !isScalar(keyNode) ||
          (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number' && typeof keyNode.value !== 'boolean')
        ) {
          diagnostics.push({ pos: keyPos, path: toDotted(path), message: 'keys must be plain strings' });
          continue;
        }
        const key = String(keyNode.value);
        const child = [...path, key];
        const prev = firstSeen.get(key);
        if (prev) {
          diagnostics.push({
            pos: keyPos,
            path: toDotted(child),
            message: `duplicate key '${key}' (first defined at line ${prev.line}, column ${prev.col}); remove one of them`,
          });
          continue;
        }
        firstSeen.set(key, keyPos);
        const valueNode = pair.value as Node | null;
        map.set(toPointer(child), { key: keyPos, value: valueNode?.range ? posAt(valueNode.range[0]) : keyPos });
        out[key] = convert(valueNode, child, depth + 1);
      }
      return out;
    }
    return null;
  };

  map.set('', { value: posAt(doc.contents?.range?.[0] ?? 0) });
  let value: unknown;
  try {
    value = convert(doc.contents as Node | null, [], 0);
  } catch (err) {
    if (!(err instanceof AliasBomb)) throw err;
    return { value: undefined, map, diagnostics, fatal };
  }
  if (fatal.length > 0) return { value: undefined, map, diagnostics, fatal };
  return { value, map, diagnostics, fatal };
}
