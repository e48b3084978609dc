import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/, lowest first (ARCHITECTURE.md): a module imports only from its own layer or
 * below. Domain modules (data, retrieval, eval, llm, train, hooks, feedback, artifacts) know nothing
 * of YAML, the DAG or DuckDB.
 */
const LAYERS: string[][] = [
  ['util', 'types'],
  ['data', 'retrieval', 'eval', 'llm', 'train', 'hooks', 'feedback', 'artifacts'],
  ['config'],
  ['store'],
  ['stages'],
  ['dag'],
  ['report'],
  ['view'],
  ['cli'],
];
const SRC = resolve(import.meta.dirname, '../../src');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of a file (type-only ones included: they couple the code as much). */
function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) {
    out.push(resolve(dirname(file), (m[1] as string).replace(/\.js$/, '.ts')));
  }
  return out;
}

const layerOf = (file: string) => {
  const top = relative(SRC, file).split('/')[0] as string;
  const i = LAYERS.findIndex((l) => l.includes(top));
  if (i < 0) throw new Error(`src/${top} is in no layer: add it to LAYERS`);
  return i;
};

const graph = new Map(files(SRC).map((f) => [f, imports(f)]));

describe('the layout of src/', () => {
  it('no import runs up the layers', () => {
    const upward: string[] = [];
    for (const [f, deps] of graph)
      for (const d of deps) if (layerOf(d) > layerOf(f)) upward.push(`${relative(SRC, f)} → ${relative(SRC, d)}`);
    expect(upward).toEqual([]);
  });

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'active' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string) => {
      state.set(f, 'active');
      stack.push(f);
      for (const d of graph.get(f) ?? []) {
        if (!graph.has(d)) continue;
        const s = state.get(d);
        if (s === 'active') cycles.push([...stack.slice(stack.indexOf(d)), d].map((x) => relative(SRC, x)).join(' → '));
        else if (s === undefined) visit(d);
      }
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of [...graph.keys()].sort()) if (!state.has(f)) visit(f);
    expect(cycles).toEqual([]);
  });

  it('keeps files to a size a reader can hold (the largest below 600 lines)', () => {
    const big = [...graph.keys()]
      .map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, n]) => n > 600);
    expect(big).toEqual([]);
  });
});
