import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TOP_LEVEL_SECTIONS } from '../../src/config/sections.js';
import { experimentValidator } from '../../src/dag/load-experiment.js';
import { allStageKinds } from '../../src/stages/registry.js';

type Node = Record<string, unknown>;
const schema = experimentValidator().schema;

/** Every named property anywhere in the schema, with its path. */
function properties(node: unknown, path: string, out: [string, Node][]): [string, Node][] {
  if (!node || typeof node !== 'object') return out;
  const n = node as Node;
  for (const [k, v] of Object.entries((n.properties as Node | undefined) ?? {})) {
    out.push([`${path}.${k}`, v as Node]);
    properties(v, `${path}.${k}`, out);
  }
  for (const key of ['items', 'additionalProperties']) if (n[key] && typeof n[key] === 'object') properties(n[key], `${path}[${key}]`, out);
  for (const key of ['oneOf', 'anyOf'])
    for (const [i, s] of ((n[key] as unknown[]) ?? []).entries()) properties(s, `${path}{${key}${i}}`, out);
  for (const [k, v] of Object.entries((n.$defs as Node | undefined) ?? {})) properties(v, `$defs.${k}`, out);
  return out;
}

describe('experiment schema', () => {
  it('is JSON Schema 2020-12 and describes every property', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    const props = properties(schema, '', []);
    expect(props.length).toBeGreaterThan(60);
    const defs = schema.$defs as Record<string, Node>;
    const undocumented = props
      .filter(
        ([, p]) => typeof p.description !== 'string' && !(typeof p.$ref === 'string' && defs[p.$ref.replace('#/$defs/', '')]?.description),
      )
      .map(([path]) => path);
    expect(undocumented).toEqual([]);
  });

  it('has the top-level sections the loader knows, in the same order', () => {
    const experiment = (schema.$defs as Record<string, Node>).experiment as Node;
    expect(Object.keys(experiment.properties as Node).filter((k) => k !== 'extends')).toEqual([...TOP_LEVEL_SECTIONS]);
  });

  it('has one $defs/stage-KIND entry per implemented stage kind, and no other', () => {
    const implemented = allStageKinds().map((k) => k.kind);
    expect(experimentValidator().stageKinds).toEqual(implemented);
    for (const k of implemented) expect((schema.$defs as Node)[`stage-${k}`]).toBeDefined();
  });

  it('is the schema committed in schemas/ (npm run schema writes it)', () => {
    const committed = JSON.parse(readFileSync(new URL('../../schemas/experiment.schema.json', import.meta.url), 'utf8'));
    expect(committed).toEqual(schema);
  });
});
