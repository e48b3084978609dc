import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { Diagnostic } from './diagnostics.js';
import { fromPointer, type SourceMap, toDotted } from './source-map.js';
import { didYouMean } from './suggest.js';

/** Absolute path of the experiment schema shipped with the package (for editors and `$schema`). */
export const SCHEMA_PATH = fileURLToPath(new URL('../../schemas/experiment.schema.json', import.meta.url));

type Json = Record<string, unknown>;
let compiled: { validate: ValidateFunction; schema: Json } | undefined;

function load(): { validate: ValidateFunction; schema: Json } {
  if (!compiled) {
    const schema = JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')) as Json;
    const ajv = new Ajv2020({ allErrors: true, verbose: true, discriminator: true, useDefaults: true, strict: true });
    compiled = { validate: ajv.compile(schema), schema };
  }
  return compiled;
}

/** The stage kinds the schema knows, in declaration order (for "did you mean" on `kind`). */
export function schemaStageKinds(): string[] {
  const defs = load().schema.$defs as Record<string, Json>;
  const oneOf = (defs.stage?.oneOf ?? []) as { $ref: string }[];
  return oneOf.map((r) => {
    const def = defs[r.$ref.replace('#/$defs/', '')] as { properties: { kind: { const: string } } };
    return def.properties.kind.const;
  });
}

/**
 * Validates a composed experiment against the JSON Schema, filling in defaults, and turns
 * ajv's errors into positioned, actionable diagnostics (unknown keys get a suggestion).
 */
export function validateAgainstSchema(doc: unknown, map: SourceMap, prefix = ''): Diagnostic[] {
  const { validate } = load();
  if (validate(doc)) return [];
  const errors = validate.errors ?? [];
  // Errors from the branches of a failed `oneOf` union are noise next to the union's own error.
  const unions = errors.filter((e) => e.keyword === 'oneOf').map((e) => e.instancePath);
  const inUnion = (e: ErrorObject) =>
    e.keyword !== 'oneOf' && unions.some((u) => e.instancePath === u || e.instancePath.startsWith(`${u}/`));
  const out: Diagnostic[] = [];
  for (const e of errors) {
    if (inUnion(e)) continue;
    const d = translate(e, map, prefix);
    if (d) out.push(d);
  }
  return out;
}

function translate(e: ErrorObject, map: SourceMap, prefix: string): Diagnostic | undefined {
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
        message: msg(`unknown key '${key}' in ${where}${didYouMean(key, props)}`),
      };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { pos: at(e.instancePath, 'key'), path, message: msg(`missing required key '${key}' in ${where}`) };
    }
    case 'discriminator': {
      const p = e.params as { error: string; tagValue: unknown };
      if (p.error === 'mapping') {
        const kinds = schemaStageKinds();
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
        message: msg(`\`kind\` must be a string naming a stage kind (${schemaStageKinds().join(', ')})`),
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
    case 'oneOf': {
      // A value matching none of a small union (string or list, path or null): name the shapes.
      const shapes = ((e.schema as Json[]) ?? []).map(shapeOf).join(' or ');
      return { pos: at(e.instancePath), path, message: msg(`${where} must be ${shapes}, got ${describe(e.data)}`) };
    }
    default:
      return { pos: at(e.instancePath), path, message: msg(`${where} ${e.message ?? 'is invalid'}`) };
  }
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
