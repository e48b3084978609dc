import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Diagnostic } from './diagnostics.js';
import { fromPointer, type SourceMap, toDotted } from './source-map.js';
import { didYouMean } from './suggest.js';

export type UnknownKeyHint = (path: string, key: string, known: string[]) => string | undefined;

/** The schema file shipped for editors (`npm run schema` writes it from the stage kinds). */
export const SCHEMA_PATH = fileURLToPath(new URL('../../schemas/experiment.schema.json', import.meta.url));

type Json = Record<string, unknown>;

/** A schema compiled once, with what the error messages need to know of it. */
export interface CompiledSchema {
  validate: ValidateFunction;
  schema: Json;
  /** The stage kinds the schema knows, in declaration order (for "did you mean" on `kind`). */
  stageKinds: string[];
}

const compiled = new WeakMap<Json, CompiledSchema>();

/** Compiles the experiment schema (filling defaults as it validates); the same object is compiled once. */
export function compileSchema(schema: Json): CompiledSchema {
  let c = compiled.get(schema);
  if (!c) {
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      discriminator: true,
      useDefaults: true,
      strict: true,
      allowUnionTypes: true,
    });
    // an annotation for editors' hover (yaml-language-server shows it instead of `description`)
    ajv.addKeyword({ keyword: 'markdownDescription', schemaType: 'string' });
    const defs = (schema.$defs ?? {}) as Record<string, Json>;
    const oneOf = ((defs.stage?.oneOf ?? []) as { $ref: string }[]).map((r) => defs[r.$ref.replace('#/$defs/', '')]);
    const stageKinds = oneOf.map((d) => String(((d?.properties as Json | undefined)?.kind as { const?: string } | undefined)?.const));
    c = { validate: ajv.compile(schema), schema, stageKinds };
    compiled.set(schema, c);
  }
  return c;
}

/**
 * Validates a composed experiment against the JSON Schema, filling in defaults, and turns
 * ajv's errors into positioned, actionable diagnostics (unknown keys get a suggestion).
 */
export function validateAgainstSchema(
  schema: CompiledSchema,
  doc: unknown,
  map: SourceMap,
  prefix = '',
  /** For "unknown key" errors: what to suggest instead of the nearest known key (where the key probably belongs), if anything. */
  unknownKeyHint: UnknownKeyHint = () => undefined,
): Diagnostic[] {
  const { validate } = schema;
  if (validate(doc)) return [];
  const errors = validate.errors ?? [];
  // Errors from the branches of a failed union are noise next to the union's own error, except
  // when the value's type picks one branch (a map where `false` or a map is allowed): then that
  // branch's errors say what is wrong (an unknown key, with a suggestion) and the union's do not.
  const isUnion = (e: ErrorObject) => e.keyword === 'oneOf' || e.keyword === 'anyOf';
  const chosen = new Map<ErrorObject, string>();
  for (const u of errors.filter(isUnion)) {
    const branches = (Array.isArray(u.schema) ? u.schema : []) as Json[];
    const fits = branches.flatMap((b, i) => (branchType(b, schema.schema) === jsonType(u.data) ? [i] : []));
    if (fits.length === 1) chosen.set(u, `${u.schemaPath}/${fits[0]}/`);
  }
  const under = (e: ErrorObject, u: ErrorObject) => e.instancePath === u.instancePath || e.instancePath.startsWith(`${u.instancePath}/`);
  const unions = errors.filter(isUnion);
  const hidden = (e: ErrorObject) =>
    unions.some((u) => {
      if (e === u) return chosen.has(u);
      if (!under(e, u)) return false;
      const branch = chosen.get(u);
      return branch === undefined ? !isUnion(e) : !e.schemaPath.startsWith(branch);
    });
  const out: Diagnostic[] = [];
  for (const e of errors) {
    // `if`/`then`/`else` only choose between the whole-experiment and the patch schema: their own errors say nothing
    if (hidden(e) || e.keyword === 'if') continue;
    const d = translate(e, map, prefix, schema.stageKinds, unknownKeyHint);
    if (d) out.push(d);
  }
  return out;
}

function translate(
  e: ErrorObject,
  map: SourceMap,
  prefix: string,
  kinds: string[],
  unknownKeyHint: UnknownKeyHint,
): Diagnostic | undefined {
  const segs = fromPointer(e.instancePath);
  const path = toDotted(segs);
  const where = path || 'the top level';
  const got = (v: unknown) => (typeof v === 'string' ? `'${v}'` : JSON.stringify(v));
  const at = (ptr: string, prefer: 'key' | 'value' = 'value') => map.locate(ptr, prefer);
  const msg = (m: string) => prefix + m;
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = (e.params as { additionalProperty: string }).additionalProperty;
      const props = Object.keys(((e.parentSchema as Json | undefined)?.properties as Json | undefined) ?? {});
      return {
        pos: at(`${e.instancePath}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, 'key'),
        path: toDotted([...segs, key]),
        message: msg(`unknown key '${key}' in ${where}${unknownKeyHint(path, key, props) ?? didYouMean(key, props)}`),
      };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { pos: at(e.instancePath, 'key'), path, message: msg(`missing required key '${key}' in ${where}`) };
    }
    case 'discriminator': {
      const p = e.params as { error: string; tagValue: unknown };
      if (p.error === 'mapping') {
        const value = String(p.tagValue);
        return {
          pos: at(`${e.instancePath}/kind`),
          path: `${path}.kind`,
          message: msg(`unknown stage kind '${value}'${didYouMean(value, kinds, 'one of the kinds')}`),
        };
      }
      return {
        pos: at(`${e.instancePath}/kind`),
        path: `${path}.kind`,
        message: msg(`\`kind\` must be a string naming a stage kind (${kinds.join(', ')})`),
      };
    }
    case 'type': {
      const expected = (e.params as { type: string | string[] }).type;
      const list = Array.isArray(expected) ? expected.join(' or ') : expected;
      return { pos: at(e.instancePath), path, message: msg(`${where} must be ${article(list)}, got ${describe(e.data)} ${got(e.data)}`) };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const value = String(e.data);
      return { pos: at(e.instancePath), path, message: msg(`${where} is ${got(e.data)}${didYouMean(value, allowed)}`) };
    }
    case 'const':
      return {
        pos: at(e.instancePath),
        path,
        message: msg(`${where} must be ${got((e.params as { allowedValue: unknown }).allowedValue)}`),
      };
    case 'pattern':
      if (e.propertyName !== undefined) return undefined; // reported by propertyNames
      return {
        pos: at(e.instancePath),
        path,
        message: msg(`${where} ${got(e.data)} does not match ${(e.params as { pattern: string }).pattern}`),
      };
    case 'propertyNames': {
      const name = (e.params as { propertyName: string }).propertyName;
      return {
        pos: at(`${e.instancePath}/${name}`, 'key'),
        path: toDotted([...segs, name]),
        message: msg(`'${name}' is not a valid name in ${where}: use letters, digits, '_' and '-'`),
      };
    }
    case 'anyOf':
    case 'oneOf': {
      // A value matching none of a small union (string or list, path or null): name the shapes.
      const shapes = ((e.schema as Json[]) ?? []).map(shapeOf).join(' or ');
      return { pos: at(e.instancePath), path, message: msg(`${where} must be ${shapes}, got ${describe(e.data)}`) };
    }
    default:
      return { pos: at(e.instancePath), path, message: msg(`${where} ${e.message ?? 'is invalid'}`) };
  }
}

function jsonType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return 'number';
  return typeof v;
}

/** The JSON type a union branch takes, if it names one (following one `$ref`). */
function branchType(b: Json, root: Json): string | undefined {
  let s = b;
  if (typeof s.$ref === 'string' && s.$ref.startsWith('#/$defs/'))
    s = ((root.$defs as Record<string, Json> | undefined)?.[s.$ref.slice(8)] ?? {}) as Json;
  const t = s.type;
  if (t === 'integer') return 'number';
  if (typeof t === 'string') return t;
  if (typeof s.const === 'boolean') return 'boolean';
  return undefined;
}

function shapeOf(s: Json): string {
  if (s.$ref === '#/$defs/name') return 'a name';
  if (s.$ref === '#/$defs/path') return 'a path';
  if (s.type === 'array') return 'a list';
  if (typeof s.type === 'string') return article(s.type);
  return 'a valid value';
}

function article(t: string): string {
  if (t === 'null') return 'null';
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  return typeof v === 'number' && Number.isInteger(v) ? 'integer' : typeof v;
}
