import {
  ABLATIONS_SCHEMA,
  EXTENDS_SCHEMA,
  GATES_SCHEMA,
  NAME_SCHEMA,
  REPORT_SCHEMA,
  SEED_SCHEMA,
  STORE_SCHEMA,
} from '../config/sections.js';
import { HOOK_SCHEMA } from '../hooks/hook-schema.js';
import { PROMPT_SCHEMA } from '../llm/prompt-schema.js';
import { modelSchema } from '../llm/providers/registry.js';
import { DATASET_DECL } from './dataset.js';
import { allStageKinds } from './registry.js';
import { SHARED_DEFS } from './schema-parts.js';
import { RETRIEVAL_SECTION } from './settings.js';

type Schema = Record<string, unknown>;

/** Plain JSON (TypeBox's symbols dropped), in a stable key order. */
const plain = (s: unknown): Schema => JSON.parse(JSON.stringify(s)) as Schema;

const named = (description: string, def: string): Schema => ({
  description,
  type: 'object',
  propertyNames: { $ref: '#/$defs/name' },
  additionalProperties: { $ref: `#/$defs/${def}` },
});

/** A description that also shows the default: yaml-language-server's hover shows no `default`. */
function withDefaults(node: unknown): void {
  if (Array.isArray(node)) {
    for (const n of node) withDefaults(n);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as Schema;
  if (typeof n.description === 'string' && n.default !== undefined && n.markdownDescription === undefined) {
    const d = n.default;
    const shown = typeof d === 'object' && d !== null && Object.keys(d).length === 0 ? null : JSON.stringify(d);
    if (shown !== null) n.markdownDescription = `${n.description}\n\nDefault: \`${shown}\``;
  }
  for (const v of Object.values(n)) withDefaults(v);
}

/** Adds `null` to what a schema accepts (in a file that `extends` another, `key: null` removes the key). */
function nullable(s: Schema): Schema {
  if (typeof s.type === 'string')
    return { ...s, type: s.type === 'null' ? 'null' : [s.type, 'null'], ...(s.enum ? { enum: [...(s.enum as unknown[]), null] } : {}) };
  if (Array.isArray(s.type)) return s.type.includes('null') ? s : { ...s, type: [...s.type, 'null'] };
  if (Array.isArray(s.enum)) return { ...s, enum: [...(s.enum as unknown[]), null] };
  if (s.const !== undefined) return s;
  if (Array.isArray(s.oneOf)) return { ...s, oneOf: [...(s.oneOf as unknown[]), { type: 'null' }] };
  if (Array.isArray(s.anyOf)) return { ...s, anyOf: [...(s.anyOf as unknown[]), { type: 'null' }] };
  return s;
}

/**
 * The patch form of a schema, for files that `extends` another: nothing is required, every key
 * may be null, defaults are dropped (they would hide the inherited value), references point at
 * patch forms. Lists are replaced whole, so their items keep the full schema.
 */
function patch(s: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'required' || k === 'minProperties' || k === 'discriminator' || k === 'default') continue;
    if (k === '$ref' && typeof v === 'string' && v.startsWith('#/$defs/')) out.$ref = `#/$defs/patch-${v.slice(8)}`;
    else if (k === 'properties')
      out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).map(([p, ps]) => [p, nullable(patch(ps))]));
    else if (k === 'additionalProperties' && v && typeof v === 'object') out.additionalProperties = nullable(patch(v as Schema));
    else if (k === 'oneOf' || k === 'anyOf') out[k] = (v as Schema[]).map(patch);
    else out[k] = v;
  }
  // a type-object union that gains a null branch needs null in its type too
  if ((out.oneOf || out.anyOf) && out.type === 'object') out.type = ['object', 'null'];
  return out;
}

/** A family declaration as editors see it: its own keys checked, the members' keys left to `qexp validate` (values there may be `{axis}` templates). */
function familySchema(kinds: string[]): Schema {
  const cond = { type: 'object', additionalProperties: { anyOf: [{ type: ['string', 'number', 'boolean'] }, { type: 'array' }] } };
  return {
    description:
      'A stage family: one stage per combination of the `matrix` axes, named by `name` (default `KEY-{axis}-...`). `{axis}` (or `{axis.field}` for map values) is replaced in every string.',
    type: 'object',
    required: ['matrix'],
    properties: {
      matrix: {
        description: 'Axis → list of values (scalars, or maps with a `name`); every combination is a member.',
        type: 'object',
        minProperties: 1,
        additionalProperties: { type: 'array', minItems: 1 },
      },
      name: { description: "Members' names, e.g. `run-{system}-{dataset}`; it must use every axis.", type: 'string' },
      overrides: {
        description: 'Changes for some members: `{when: {axis: value or [values]}, key: value, ...}`.',
        type: 'array',
        items: { type: 'object', required: ['when'], properties: { when: { ...cond, description: 'Which members.' } } },
      },
      exclude: { description: 'Combinations that are not members: `{axis: value or [values]}` each.', type: 'array', items: cond },
      kind: { description: 'What each member does.', enum: kinds },
    },
  };
}

/**
 * The experiment schema, assembled from the stage kinds' declarations and the sections' schemas.
 * `npm run schema` writes it to schemas/experiment.schema.json (for editors); qexp validates
 * with the same object, so the file and the checks cannot drift apart. A file with `extends`
 * is checked as a patch (`$defs/patch-*`); one without, as a whole experiment.
 */
export function experimentSchema(): Schema {
  const kinds = allStageKinds();
  const defs: Schema = {};
  for (const [k, v] of Object.entries(SHARED_DEFS)) defs[k] = plain(v);
  defs.dataset = plain(DATASET_DECL);
  defs.model = plain(modelSchema());
  defs.prompt = plain(PROMPT_SCHEMA);
  defs.hook = plain(HOOK_SCHEMA);
  defs.retrieval = plain(RETRIEVAL_SECTION);
  defs.ablations = plain(ABLATIONS_SCHEMA);
  defs.report = plain(REPORT_SCHEMA);
  defs.gates = plain(GATES_SCHEMA);
  defs.family = familySchema(kinds.map((k) => k.kind));
  defs.stage = {
    description: 'A stage of the DAG; `kind` selects its settings. With `matrix`, a family of stages.',
    type: 'object',
    required: ['kind'],
    properties: { kind: { description: 'What the stage does.', type: 'string' } },
    discriminator: { propertyName: 'kind' },
    oneOf: kinds.map((k) => ({ $ref: `#/$defs/stage-${k.kind}` })),
  };
  for (const k of kinds) defs[`stage-${k.kind}`] = plain(k.schema);

  const sections: Schema = {
    extends: plain(EXTENDS_SCHEMA),
    name: plain(NAME_SCHEMA),
    description: { description: 'Free text shown in plans and reports.', type: 'string' },
    seed: plain(SEED_SCHEMA),
    store: plain(STORE_SCHEMA),
    datasets: named('Named datasets: built-in registry ids or local files.', 'dataset'),
    models: named('Named language models: OpenAI-compatible endpoints, replayed generations, or trained checkpoints.', 'model'),
    prompts: named('Named prompt templates (zero-shot, few-shot, ...), referenced by generation stages.', 'prompt'),
    hooks: named(
      "Python functions (run in Pyodide: no files, no network, a time limit per call) that stages name: `postprocess(text, query) -> str` for a generate stage's answers, `keep(pair) -> bool` and `score(candidate) -> float` for pairs. A hook's source is part of the fingerprint of every stage that uses it.",
      'hook',
    ),
    retrieval: { $ref: '#/$defs/retrieval', default: {} },
    stages: {
      description:
        'The stages of the experiment by name. Each has a `kind`; `from` names the stages whose outputs it reads. A stage with `matrix` is a family of stages.',
      type: 'object',
      minProperties: 1,
      propertyNames: { $ref: '#/$defs/name' },
      additionalProperties: {
        if: { type: 'object', properties: { matrix: true }, required: ['matrix'] },
        // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else
        then: { $ref: '#/$defs/family' },
        else: { $ref: '#/$defs/stage' },
      },
    },
    ablations: { $ref: '#/$defs/ablations' },
    report: { $ref: '#/$defs/report' },
    gates: { $ref: '#/$defs/gates' },
  };
  defs.experiment = {
    description:
      'A qexp experiment: datasets, models, prompts and retrieval settings, a DAG of stages, ablation axes, reports and gates. Relative paths resolve against the folder of the file that writes them.',
    type: 'object',
    additionalProperties: false,
    required: ['name', 'stages'],
    properties: sections,
  };
  // the patch forms: every definition, then the stage union as a plain anyOf (an override may omit `kind`)
  // a patch definition is used only where null may stand for it: `key: null` removes an inherited key
  for (const [k, v] of Object.entries({ ...defs })) defs[`patch-${k}`] = nullable(patch(v as Schema));
  defs['patch-stage'] = {
    description: 'Changes to a stage the base experiment declares (or a new stage, with its `kind`).',
    anyOf: [...kinds.map((k) => ({ $ref: `#/$defs/patch-stage-${k.kind}` })), { type: 'null' }],
  };
  const patchStages = (defs['patch-experiment'] as { properties: { stages: Schema } }).properties.stages;
  patchStages.additionalProperties = {
    if: { type: 'object', properties: { matrix: true }, required: ['matrix'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else
    then: { $ref: '#/$defs/family' },
    else: { $ref: '#/$defs/patch-stage' },
  };
  (defs['patch-experiment'] as Schema).required = ['extends'];
  withDefaults(defs);

  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/qexp/qexp/schemas/experiment.schema.json',
    description: 'A qexp experiment (or, with `extends`, changes to the experiments it extends).',
    type: 'object',
    if: { type: 'object', properties: { extends: true }, required: ['extends'] },
    // biome-ignore lint/suspicious/noThenProperty: JSON Schema's if/then/else
    then: { $ref: '#/$defs/patch-experiment' },
    else: { $ref: '#/$defs/experiment' },
    $defs: defs,
  };
}
