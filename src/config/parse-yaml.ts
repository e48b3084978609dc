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

/** Parses YAML keeping the position of every key and value; duplicate keys are reported, not merged. */
export function parseYamlWithPositions(text: string, file: string): ParsedYaml {
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

  const convert = (node: Node | null | undefined, path: PathSeg[], depth: number): unknown => {
    if (node == null) return null;
    if (depth > 64) {
      diagnostics.push({ pos: posAt(node.range?.[0] ?? 0), path: toDotted(path), message: 'nesting deeper than 64 levels' });
      return null;
    }
    if (isAlias(node)) return convert(node.resolve(doc) as Node | undefined, path, depth + 1);
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
  const value = convert(doc.contents as Node | null, [], 0);
  return { value, map, diagnostics, fatal };
}
