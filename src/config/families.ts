import type { Diagnostic } from './diagnostics.js';
import { SourceMap, toPointer } from './source-map.js';
import { didYouMean } from './suggest.js';

/** Keys of a family declaration that are not the members' own. */
const FAMILY_KEYS = ['matrix', 'name', 'overrides', 'exclude'] as const;

/** One stage a family made: its name and the axis values it stands for. */
export interface FamilyMember {
  name: string;
  values: Record<string, unknown>;
}

/** A family after expansion: its axes and its members, in matrix order (the first axis varies slowest). */
export interface Family {
  name: string;
  axes: string[];
  members: FamilyMember[];
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
/** `{axis}` or `{axis.field}`, not part of `{{...}}` or `${...}`. */
const SLOT = /(?<![{$])\{([A-Za-z_][A-Za-z0-9_-]*)(?:\.([A-Za-z_][A-Za-z0-9_-]*))?\}(?!\})/g;

const isMap = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** What `{axis}` stands for: a scalar itself, a map its `name`. */
function label(v: unknown): string {
  if (isMap(v)) return String(v.name);
  return String(v);
}

/** A value as part of a member's name: characters a stage name cannot have (`0.9`) become `_`. */
const inName = (v: unknown) => label(v).replace(/[^A-Za-z0-9_-]/g, '_');

/** Replaces the slots of one string; a string that is exactly one slot takes the value's own type. */
function fill(text: string, values: Record<string, unknown>): unknown {
  const whole = new RegExp(`^${SLOT.source}$`).exec(text);
  if (whole && (whole[1] as string) in values) {
    const v = values[whole[1] as string];
    if (whole[2] === undefined) return isMap(v) ? v.name : v;
    return isMap(v) ? v[whole[2]] : undefined;
  }
  return text.replace(SLOT, (all, axis: string, field: string | undefined) => {
    if (!(axis in values)) return all;
    const v = values[axis];
    if (field === undefined) return label(v);
    return isMap(v) && field in v ? String(v[field]) : all;
  });
}

function fillDeep(value: unknown, values: Record<string, unknown>): unknown {
  if (typeof value === 'string') return fill(value, values);
  if (Array.isArray(value)) return value.map((v) => fillDeep(v, values));
  if (isMap(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fillDeep(v, values)]));
  return value;
}

/** Slots that name a map axis's field that some value lacks, for one clear error instead of a dangling `{x.y}`. */
function unknownSlots(
  value: unknown,
  axes: Record<string, unknown[]>,
  ptr: string,
  out: { ptr: string; slot: string; why: string }[],
): void {
  if (typeof value === 'string') {
    for (const m of value.matchAll(SLOT)) {
      const [all, axis, field] = m as unknown as [string, string, string | undefined];
      const vals = axes[axis];
      if (!vals) continue;
      if (field !== undefined) {
        const missing = vals.find((v) => !isMap(v) || !(field in v));
        if (missing !== undefined)
          out.push({ ptr, slot: all, why: `the value ${JSON.stringify(missing)} of axis '${axis}' has no field '${field}'` });
      }
    }
  } else if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) unknownSlots(v, axes, `${ptr}/${i}`, out);
  } else if (isMap(value)) for (const [k, v] of Object.entries(value)) unknownSlots(v, axes, toPointer([...fromPtr(ptr), k]), out);
}

const fromPtr = (ptr: string) =>
  ptr === ''
    ? []
    : ptr
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));

/** Whether a member's axis values match a `when`/`exclude` condition (a value or a list of values per axis). */
function matches(values: Record<string, unknown>, cond: Record<string, unknown>): boolean {
  return Object.entries(cond).every(([axis, want]) => {
    const have = label(values[axis]);
    return Array.isArray(want) ? want.map(String).includes(have) : String(want) === have;
  });
}

function mergeDeep(base: unknown, over: unknown): unknown {
  if (!isMap(base) || !isMap(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    if (v === null) delete out[k];
    else out[k] = k in out ? mergeDeep(out[k], v) : v;
  }
  return out;
}

/**
 * Expands stage families: a stage declared with `matrix:` stands for one stage per combination
 * of its axes' values (DVC's `matrix`), named by `name:` (default `KEY-{axis1}-{axis2}...`).
 * `{axis}` (and `{axis.field}` for map values) is replaced in every string of the declaration;
 * `overrides: [{when: {axis: value}, ...keys}]` change some members; `exclude:` drops some.
 * Members' positions are the family's, so an error in a member points at the family's line.
 */
export function expandFamilies(
  doc: Record<string, unknown>,
  map: SourceMap,
  out: Diagnostic[],
): { doc: Record<string, unknown>; map: SourceMap; families: Family[] } {
  const stages = doc.stages;
  if (!isMap(stages) || !Object.values(stages).some((s) => isMap(s) && 'matrix' in s)) return { doc, map, families: [] };
  const newMap = new SourceMap(map.fallbackFile);
  newMap.overlay(map);
  const expanded: Record<string, unknown> = {};
  const families: Family[] = [];
  const taken = new Map<string, string>(); // member name → family that made it
  const at = (ptr: string, path: string, message: string, prefer: 'key' | 'value' = 'value') =>
    out.push({ pos: map.locate(ptr, prefer), path, message });

  for (const [key, decl] of Object.entries(stages)) {
    if (!isMap(decl) || !('matrix' in decl)) {
      expanded[key] = decl;
      continue;
    }
    const fptr = toPointer(['stages', key]);
    const matrix = decl.matrix;
    if (!isMap(matrix) || Object.keys(matrix).length === 0) {
      at(`${fptr}/matrix`, `stages.${key}.matrix`, 'matrix must be a map of axes, each a list of values (e.g. {dataset: [dl19, dl20]})');
      continue;
    }
    const axes: Record<string, unknown[]> = {};
    let bad = false;
    for (const [axis, values] of Object.entries(matrix)) {
      const aptr = toPointer(['stages', key, 'matrix', axis]);
      if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(axis)) {
        at(aptr, `stages.${key}.matrix.${axis}`, `axis '${axis}' must be a name (letters, digits, '_', '-')`, 'key');
        bad = true;
      } else if (!Array.isArray(values) || values.length === 0) {
        at(aptr, `stages.${key}.matrix.${axis}`, `axis '${axis}' must be a non-empty list of values`);
        bad = true;
      } else {
        values.forEach((v, i) => {
          if (isMap(v) ? typeof v.name !== 'string' && typeof v.name !== 'number' : v === null || typeof v === 'object') {
            at(
              `${aptr}/${i}`,
              `stages.${key}.matrix.${axis}[${i}]`,
              isMap(v)
                ? 'a map value of an axis needs a `name` (used in member names and {axis})'
                : 'an axis value must be a scalar or a map with a `name`',
            );
            bad = true;
          }
        });
        const labels = values.map(label);
        const dup = labels.find((l, i) => labels.indexOf(l) !== i);
        if (dup !== undefined) {
          at(aptr, `stages.${key}.matrix.${axis}`, `axis '${axis}' has the value '${dup}' twice`);
          bad = true;
        }
        axes[axis] = values;
      }
    }
    if (bad) continue;
    const axisNames = Object.keys(axes);
    const template = typeof decl.name === 'string' ? decl.name : `${key}-${axisNames.map((a) => `{${a}}`).join('-')}`;
    if (decl.name !== undefined && typeof decl.name !== 'string') {
      at(`${fptr}/name`, `stages.${key}.name`, 'name must be a template string such as run-{system}-{dataset}');
      continue;
    }
    const missingAxes = axisNames.filter((a) => !template.includes(`{${a}}`) && !new RegExp(`\\{${a}\\.`).test(template));
    if (missingAxes.length > 0) {
      at(
        `${fptr}/name`,
        `stages.${key}.name`,
        `the name template '${template}' does not use axis ${missingAxes.map((a) => `'${a}'`).join(', ')}: members would share a name`,
      );
      continue;
    }
    const overrides = decl.overrides ?? [];
    const exclude = decl.exclude ?? [];
    if (!Array.isArray(overrides) || overrides.some((o) => !isMap(o) || !isMap(o.when))) {
      at(`${fptr}/overrides`, `stages.${key}.overrides`, 'overrides must be a list of {when: {axis: value}, key: value...}');
      continue;
    }
    if (!Array.isArray(exclude) || exclude.some((o) => !isMap(o))) {
      at(`${fptr}/exclude`, `stages.${key}.exclude`, 'exclude must be a list of {axis: value} conditions');
      continue;
    }
    // conditions must name axes and values that exist: a typo would silently match nothing
    const checkCond = (cond: Record<string, unknown>, ptr: string, path: string) => {
      for (const [axis, want] of Object.entries(cond)) {
        const vals = axes[axis];
        if (!vals) {
          at(`${ptr}/${axis}`, `${path}.${axis}`, `no axis '${axis}' in matrix${didYouMean(axis, axisNames)}`, 'key');
          continue;
        }
        const labels = vals.map(label);
        for (const w of Array.isArray(want) ? want : [want])
          if (!labels.includes(String(w)))
            at(`${ptr}/${axis}`, `${path}.${axis}`, `axis '${axis}' has no value '${String(w)}'${didYouMean(String(w), labels)}`);
      }
    };
    for (const [i, o] of (overrides as Record<string, unknown>[]).entries())
      checkCond(o.when as Record<string, unknown>, `${fptr}/overrides/${i}/when`, `stages.${key}.overrides[${i}].when`);
    for (const [i, c] of (exclude as Record<string, unknown>[]).entries())
      checkCond(c, `${fptr}/exclude/${i}`, `stages.${key}.exclude[${i}]`);

    const body: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(decl)) if (!(FAMILY_KEYS as readonly string[]).includes(k)) body[k] = v;
    const slots: { ptr: string; slot: string; why: string }[] = [];
    unknownSlots(body, axes, fptr, slots);
    for (const s of slots) at(s.ptr, fromPtr(s.ptr).join('.'), `${s.slot}: ${s.why}`);
    if (slots.length > 0) continue;

    const family: Family = { name: key, axes: axisNames, members: [] };
    let combos: Record<string, unknown>[] = [{}];
    for (const axis of axisNames) combos = combos.flatMap((c) => (axes[axis] as unknown[]).map((v) => ({ ...c, [axis]: v })));
    for (const values of combos) {
      if ((exclude as Record<string, unknown>[]).some((c) => matches(values, c))) continue;
      const name = String(
        fill(template, Object.fromEntries(Object.entries(values).map(([a, v]) => [a, isMap(v) ? { ...v, name: inName(v) } : inName(v)]))),
      );
      const where = Object.entries(values)
        .map(([a, v]) => `${a}=${label(v)}`)
        .join(', ');
      if (!NAME.test(name)) {
        at(`${fptr}/name`, `stages.${key}.name`, `member ${where} would be named '${name}', which is not a valid stage name`);
        continue;
      }
      if (name in stages || taken.has(name) || name in expanded) {
        at(
          fptr,
          `stages.${key}`,
          `member ${where} is named '${name}', which ${taken.has(name) ? `family '${taken.get(name)}' also makes` : 'another stage already has'}`,
          'key',
        );
        continue;
      }
      taken.set(name, key);
      let member = body;
      const mptr = toPointer(['stages', name]);
      newMap.alias(mptr, fptr);
      (overrides as Record<string, unknown>[]).forEach((o, i) => {
        if (!matches(values, o.when as Record<string, unknown>)) return;
        const { when: _when, ...set } = o;
        member = mergeDeep(member, set) as Record<string, unknown>;
        for (const k of Object.keys(set))
          newMap.alias(`${mptr}/${toPointer([k]).slice(1)}`, `${fptr}/overrides/${i}/${toPointer([k]).slice(1)}`);
      });
      expanded[name] = fillDeep(member, values);
      family.members.push({ name, values });
    }
    families.push(family);
  }
  return { doc: { ...doc, stages: expanded }, map: newMap, families };
}
