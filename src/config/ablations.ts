import { setPath } from '../util/object-path.js';
import type { Diagnostic } from './diagnostics.js';
import type { Family } from './families.js';
import { SourceMap, toPointer } from './source-map.js';
import { didYouMean } from './suggest.js';
import type { AblationsDecl, ExperimentDoc } from './types.js';

export interface Axis {
  /** As written in YAML (used in variant names). */
  name: string;
  /** Full paths into the experiment (`pairs.min_delta` → stages.pairs.min_delta; a family's key → each member's). */
  paths: string[][];
  values: unknown[];
}

export interface PlannedVariant {
  name: string;
  overrides: { axis: string; paths: string[][]; value: unknown; index: number }[];
}

/**
 * Reads the axes, mapping a leading stage name to `stages.NAME` and a family's name to each of its
 * members; reports unknown roots and uneven zips.
 */
export function readAxes(
  doc: ExperimentDoc,
  map: SourceMap,
  sections: readonly string[],
  out: Diagnostic[],
  families: readonly Family[] = [],
): Axis[] {
  const abl = doc.ablations as AblationsDecl;
  const axes: Axis[] = [];
  const stageNames = Object.keys(doc.stages);
  for (const [name, values] of Object.entries(abl.axes)) {
    const segs = name.split('.');
    const head = segs[0] as string;
    const family = families.find((f) => f.name === head);
    let paths: string[][];
    if (sections.includes(head)) paths = [segs];
    else if (head in doc.stages) paths = [['stages', ...segs]];
    else if (family) paths = family.members.map((m) => ['stages', m.name, ...segs.slice(1)]);
    else {
      out.push({
        pos: map.locate(toPointer(['ablations', 'axes', name]), 'key'),
        path: `ablations.axes.${name}`,
        message: `ablation axis '${name}': '${head}' is neither a section nor a stage${didYouMean(head, [...sections, ...stageNames, ...families.map((f) => f.name)])}`,
      });
      continue;
    }
    const root = paths[0]?.[0];
    if (root === 'ablations' || root === 'name' || root === 'extends') {
      out.push({
        pos: map.locate(toPointer(['ablations', 'axes', name]), 'key'),
        path: `ablations.axes.${name}`,
        message: `'${head}' cannot be ablated`,
      });
      continue;
    }
    axes.push({ name, paths, values });
  }
  if (abl.mode === 'zip' && new Set(axes.map((a) => a.values.length)).size > 1) {
    out.push({
      pos: map.locate('/ablations/axes'),
      path: 'ablations.axes',
      message: `mode zip needs axes of equal length; got ${axes.map((a) => `${a.name}: ${a.values.length}`).join(', ')}`,
    });
  }
  return axes;
}

/** The variants of the grid, in a stable order: the first axis varies slowest. */
export function planVariants(axes: Axis[], mode: 'cartesian' | 'zip'): PlannedVariant[] {
  let combos: number[][];
  if (mode === 'zip') {
    const n = Math.min(...axes.map((a) => a.values.length));
    combos = Array.from({ length: n }, (_, i) => axes.map(() => i));
  } else {
    combos = [[]];
    for (const axis of axes) combos = combos.flatMap((c) => axis.values.map((_, i) => [...c, i]));
  }
  return combos.map((idx) => {
    const overrides = axes.map((a, k) => {
      const i = idx[k] as number;
      return { axis: a.name, paths: a.paths, value: a.values[i], index: i };
    });
    return { name: overrides.map((o) => `${o.axis}=${formatValue(o.value)}`).join(','), overrides };
  });
}

/** Applies a variant's overrides to a copy of the experiment; positions point at the axis values. */
export function applyVariant(
  base: Record<string, unknown>,
  map: SourceMap,
  v: PlannedVariant,
  out: Diagnostic[],
): { doc: Record<string, unknown>; map: SourceMap } {
  const doc = structuredClone(base);
  const vmap = new SourceMap(map.fallbackFile);
  vmap.overlay(map);
  for (const o of v.overrides) {
    const from = toPointer(['ablations', 'axes', o.axis, o.index]);
    for (const path of o.paths) {
      const err = setPath(doc, path, structuredClone(o.value));
      if (err) out.push({ pos: map.locate(from), path: `ablations.axes.${o.axis}`, message: `cannot set ${o.axis}: ${err}` });
      vmap.alias(toPointer(path), from);
      vmap.set(toPointer(path), { value: map.locate(from), key: map.locate(toPointer(['ablations', 'axes', o.axis]), 'key') });
    }
  }
  return { doc, map: vmap };
}

/** A value as it appears in a variant name: plain for scalars, compact JSON otherwise. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null) return String(v);
  return JSON.stringify(v);
}
