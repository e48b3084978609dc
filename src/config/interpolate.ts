import { parse as parseYamlScalar } from 'yaml';
import type { Diagnostic } from './diagnostics.js';
import { type PathSeg, type SourceMap, toDotted, toPointer } from './source-map.js';

const REF = /\$(\$?)\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE = /^\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}$/;

/**
 * Replaces `${env:NAME}` and `${env:NAME:-default}` in every string. A string that is exactly one
 * reference takes the YAML type of what it expands to (so `k1: ${env:K1:-0.9}` is a number);
 * `$${env:X}` is a literal. Unset variables without a default are errors at their position.
 * Where `refuse` gives a reason for a path, a reference there is an error (the text is kept as written).
 */
export function interpolateEnv(
  value: unknown,
  map: SourceMap,
  env: NodeJS.ProcessEnv,
  diagnostics: Diagnostic[],
  refuse: (path: PathSeg[]) => string | undefined = () => undefined,
): unknown {
  const walk = (v: unknown, path: PathSeg[]): unknown => {
    if (typeof v === 'string') return expand(v, path);
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i]));
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = walk(x, [...path, k]);
      return out;
    }
    return v;
  };

  const lookup = (name: string, fallback: string | undefined, path: PathSeg[]): string => {
    const got = env[name];
    if (got !== undefined && got !== '') return got;
    if (fallback !== undefined) return fallback;
    diagnostics.push({
      pos: map.locate(toPointer(path)),
      path: toDotted(path),
      message: `environment variable ${name} is not set; export it, or give a default: \${env:${name}:-value}`,
    });
    return '';
  };

  const expand = (s: string, path: PathSeg[]): unknown => {
    if (!s.includes('{env:')) return s;
    const refused = [...s.matchAll(REF)].some((m) => !m[1]) ? refuse(path) : undefined;
    if (refused !== undefined) {
      diagnostics.push({ pos: map.locate(toPointer(path)), path: toDotted(path), message: refused });
      return s;
    }
    const whole = WHOLE.exec(s);
    if (whole) {
      const text = lookup(whole[1] as string, whole[2], path);
      try {
        const typed: unknown = parseYamlScalar(text);
        if (typed === null || typeof typed === 'number' || typeof typed === 'boolean') return typed;
      } catch {
        // not a YAML scalar: keep the text
      }
      return text;
    }
    return s.replace(REF, (all, escaped: string, name: string, fallback: string | undefined) =>
      escaped ? all.slice(1) : lookup(name, fallback, path),
    );
  };

  return walk(value, []);
}
