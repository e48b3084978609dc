import { type Static, type TObject, type TProperties, type TSchema, Type } from '@sinclair/typebox';
import type { Diagnostic } from '../config/diagnostics.js';
import { didYouMean } from '../config/suggest.js';
import type { ExperimentDoc, StageDecl } from '../config/types.js';
import type { HookSpec } from '../hooks/hook-runtime.js';
import type { Json } from '../util/json.js';
import { type ArtifactType, artifactTypeName } from './artifact-types.js';
import { checkHookRef, hookOf, resolveHook } from './hook-ref.js';
import { StageRefSchema, StageRefsSchema } from './schema-parts.js';
import type { ExperimentSetting } from './settings.js';

import type { Resolved, RunContext, StageEffects, StageOutput, StageRef, StageScope } from './stage-types.js';

export {
  type Json,
  type Resolved,
  type RunContext,
  type StageEffects,
  type StageOutput,
  type StageRef,
  type StageScope,
  StageWaiting,
} from './stage-types.js';

// ---------------------------------------------------------------------------------------------
// Declaring a kind

/** One input of a stage kind: a reference to another stage's output, written in the stage's YAML. */
export interface InputSpec {
  /** Artifact types the input accepts (a shell stage's outputs, of type `file`, are accepted anywhere). */
  accepts: readonly ArtifactType[];
  /** Output read when the reference names only a stage. */
  output: string;
  /** Key path below the stage, when not the input's own name (train's `base.from`). */
  at?: readonly string[];
  /** A list of references (feedback's `pool`). */
  list?: boolean;
  /** With `list`: one reference may be written without the list. */
  single?: boolean;
  optional?: boolean;
  /** The reference names a stage only, and the run may read any of its outputs (train's `data`). */
  stageOnly?: boolean;
  description: string;
  /** Added to the "no such output" error. */
  hint?: string;
}

export function input<const S extends Omit<InputSpec, 'accepts'> & { accepts: ArtifactType | readonly ArtifactType[] }>(
  spec: S,
): S & { accepts: readonly ArtifactType[] } {
  const accepts = typeof spec.accepts === 'string' ? [spec.accepts] : spec.accepts;
  return { ...spec, accepts } as S & { accepts: readonly ArtifactType[] };
}

/**
 * A stage key that defaults to an experiment setting (`k1` → `retrieval.bm25.k1`): written on the
 * stage, it is part of the stage's own settings; omitted, the experiment's value is, under its path.
 */
export interface SettingUse<T = unknown> {
  setting: ExperimentSetting<T>;
  /** The stage's value is merged over the experiment's (a partial `formulation`). */
  merge?: boolean;
  /** The setting only matters when this holds (retrieve's formulation, only with expansions). */
  when?: (decl: Record<string, unknown>) => boolean;
}

export function uses<T>(setting: ExperimentSetting<T>, opts: Omit<SettingUse<T>, 'setting'> = {}): SettingUse<T> {
  return { setting, ...opts };
}

/** A stage key that names a Python hook declared under `hooks:` (its source enters the fingerprint). */
export interface HookUse {
  description: string;
}

type InputsDecl = Record<string, InputSpec>;
type HooksDecl = Record<string, HookUse>;
type SettingsDecl = Record<string, SettingUse>;

type RefValue<S extends InputSpec> = S['list'] extends true ? string[] : string;
type InputDeclValues<I extends InputsDecl> = {
  [K in keyof I as I[K]['at'] extends readonly string[] ? never : I[K]['optional'] extends true ? never : K]: RefValue<I[K]>;
} & {
  [K in keyof I as I[K]['at'] extends readonly string[] ? never : I[K]['optional'] extends true ? K : never]?: RefValue<I[K]>;
};
type SettingValue<U> = U extends SettingUse<infer T> ? (U['merge'] extends true ? Partial<T> : T) : never;

/** The declaration a stage of this kind has in YAML, after the schema filled in defaults. */
export type DeclOf<I extends InputsDecl, U extends SettingsDecl, P extends TProperties, H extends HooksDecl = HooksDecl> = StageDecl &
  InputDeclValues<I> & { [K in keyof U]?: SettingValue<U[K]> } & { [K in keyof H]?: string } & Static<TObject<P>>;

/** Path(s) of the referenced outputs, as a typed stage's run sees them. */
type InputPaths<I extends InputsDecl> = {
  [K in keyof I]: I[K]['list'] extends true ? string[] : I[K]['optional'] extends true ? string | undefined : string;
};
type SettingValues<U extends SettingsDecl> = { [K in keyof U]: U[K] extends SettingUse<infer T> ? T : never };

/** What a kind's `run` gets: the DAG's context plus its inputs, settings and own resolution, typed. */
export interface StageContext<I extends InputsDecl, U extends SettingsDecl, O, H extends HooksDecl = HooksDecl> extends RunContext {
  /** Absolute paths of the referenced outputs. */
  input: InputPaths<I>;
  /** The references as resolved (`STAGE.OUTPUT`; the stage alone for `stageOnly` inputs), for names in logs and records. */
  ref: { [K in keyof I]: I[K]['list'] extends true ? string[] : I[K]['optional'] extends true ? string | undefined : string };
  /** Every output of the stage(s) an input names (train reads its data stage's `train` and `validation`). */
  upstream(name: keyof I & string): Record<string, string>;
  /** The setting's value: the stage's own if written, else the experiment's. */
  settings: SettingValues<U>;
  /** The hooks the stage names, ready to call (undefined where it names none). */
  hooks: { [K in keyof H]: HookSpec | undefined };
  own: O;
}

/** What a kind's `resolve` adds to what its declaration already gives. */
export interface Extra<O> {
  own?: O;
  uses?: Record<string, Json>;
  files?: string[];
  publish?: Record<string, string>;
  runtime?: Json;
}

export interface StageDef<
  I extends InputsDecl,
  U extends SettingsDecl,
  P extends TProperties,
  O extends Record<string, Json>,
  H extends HooksDecl = Record<never, HookUse>,
> {
  kind: string;
  /** Bump when the implementation changes what it produces: every stage of this kind re-runs. */
  version: number;
  /** One sentence for the schema (editors show it) and the docs. */
  description: string;
  /** What `kind: NAME` means, for the schema's `kind` key. */
  title: string;
  inputs?: I;
  settings?: U;
  /** Keys that name hooks (`keep`, `score`, `postprocess_hook`). */
  hooks?: H;
  /** The kind's own keys (JSON Schema through TypeBox: the type and the schema come from one place). */
  properties?: P;
  /** Keys of `properties` that must be written. */
  required?: readonly (keyof P & string)[];
  /**
   * Output name → artifact type; a function when the declaration decides (dataset, shell), which
   * returns undefined when it cannot tell (a dataset id that does not exist: that error is enough).
   */
  outputs: Record<string, ArtifactType> | ((scope: StageScope, decl: DeclOf<I, U, P, H>) => Record<string, ArtifactType> | undefined);
  /** References made through other sections (a generate stage's model trained by a stage). */
  indirectRefs?(decl: DeclOf<I, U, P, H>, doc: ExperimentDoc): StageRef[];
  /** Checks the schema and the references cannot express. */
  check?(scope: StageScope, decl: DeclOf<I, U, P, H>): Diagnostic[];
  resolve?(scope: StageScope, decl: DeclOf<I, U, P, H>): Extra<O>;
  /** The commands it runs and the addresses it reaches, from its resolution (none when not given). */
  effects?(resolved: Resolved & { own: O }): Partial<StageEffects>;
  run(ctx: StageContext<I, U, O, H>): Promise<Record<string, StageOutput>>;
}

/** A stage kind as the DAG, the checks and the schema see it (built by `defineStage`). */
export interface StageKind {
  kind: string;
  version: number;
  description: string;
  /** `$defs/stage-KIND` of the experiment schema. */
  schema: Record<string, unknown>;
  /** Every stage this stage reads besides `from`, with where it is written. */
  refs(decl: StageDecl, doc: ExperimentDoc): StageRef[];
  /** Inputs as declared, for reference checks, plan and docs. */
  inputs: Readonly<Record<string, InputSpec>>;
  /** Experiment settings the kind may read. */
  settings: Readonly<Record<string, SettingUse>>;
  outputs(scope: StageScope, decl: StageDecl): Record<string, ArtifactType> | undefined;
  check(scope: StageScope, decl: StageDecl): Diagnostic[];
  resolve(scope: StageScope, decl: StageDecl): Resolved;
  effects(resolved: Resolved): StageEffects;
  run(ctx: RunContext): Promise<Record<string, StageOutput>>;
}

/** `STAGE` or `STAGE.OUTPUT` (default output given). */
export function splitStageRef(ref: string, output: string): { stage: string; output: string } {
  const dot = ref.indexOf('.');
  return dot < 0 ? { stage: ref, output } : { stage: ref.slice(0, dot), output: ref.slice(dot + 1) };
}

function valueAt(decl: Record<string, unknown>, path: readonly string[]): unknown {
  let v: unknown = decl;
  for (const k of path) v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  return v;
}

function setAt(obj: Record<string, Json>, path: readonly string[], value: Json): void {
  let o = obj;
  for (const k of path.slice(0, -1)) {
    const next = o[k];
    o = (next !== null && typeof next === 'object' && !Array.isArray(next) ? next : (o[k] = {})) as Record<string, Json>;
  }
  o[path[path.length - 1] as string] = value;
}

/** The written references of one input: [value, pointer below the stage] pairs. */
function written(name: string, spec: InputSpec, decl: Record<string, unknown>): { ref: string; ptr: string }[] {
  const path = spec.at ?? [name];
  const v = valueAt(decl, path);
  const ptr = `/${path.join('/')}`;
  if (spec.list && spec.single && typeof v === 'string') return [{ ref: v, ptr }];
  if (spec.list) return Array.isArray(v) ? v.flatMap((r, i) => (typeof r === 'string' ? [{ ref: r, ptr: `${ptr}/${i}` }] : [])) : [];
  return typeof v === 'string' ? [{ ref: v, ptr }] : [];
}

/** Stages named in `from` (a name or a list). */
export function fromRefs(decl: StageDecl | undefined): StageRef[] {
  const from = decl?.from;
  if (from === undefined) return [];
  if (Array.isArray(from)) return from.flatMap((s, i) => (typeof s === 'string' ? [{ stage: s, ptr: `/from/${i}` }] : []));
  return typeof from === 'string' ? [{ stage: from, ptr: '/from' }] : [];
}

/** The schema of one stage kind, assembled from its declaration: kind, description, from, inputs, settings, own keys. */
function kindSchema(def: AnyDef): Record<string, unknown> {
  const props: Record<string, TSchema> = {
    kind: Type.Literal(def.kind, { description: def.title }),
    description: Type.String({ description: 'Free text.' }),
    from: Type.Unsafe({ $ref: '#/$defs/from' }),
  };
  const required: string[] = ['kind'];
  for (const [name, spec] of Object.entries(def.inputs ?? {})) {
    if (spec.at) continue; // written inside an own key's schema (train's base.from)
    const ref = spec.stageOnly ? Type.Unsafe({ $ref: '#/$defs/name' }) : StageRefSchema;
    const list = spec.stageOnly ? Type.Array(ref, { minItems: 1 }) : StageRefsSchema;
    props[name] = (
      spec.list
        ? spec.single
          ? { oneOf: [ref, list], description: spec.description }
          : { ...list, description: spec.description }
        : { ...ref, description: spec.description }
    ) as TSchema;
    if (!spec.optional) required.push(name);
  }
  for (const [name, use] of Object.entries(def.settings ?? {})) {
    const base = use.merge ? use.setting.partialSchema : use.setting.schema;
    props[name] = { ...base, description: `${use.setting.stageDescription}; default \`${use.setting.path}\`.` } as TSchema;
  }
  for (const [name, h] of Object.entries(def.hooks ?? {})) props[name] = Type.Unsafe({ $ref: '#/$defs/name', description: h.description });
  Object.assign(props, def.properties ?? {});
  const schema = JSON.parse(JSON.stringify(Type.Object(props, { description: def.description, additionalProperties: false })));
  // TypeBox derives `required` from optional marks; the declaration says what is required
  schema.required = [
    'kind',
    ...Object.entries(def.inputs ?? {}).flatMap(([n, s]) => (s.at || s.optional ? [] : [n])),
    ...(def.required ?? []),
  ];
  return schema;
}

type AnyDef = StageDef<InputsDecl, SettingsDecl, TProperties, Record<string, Json>, HooksDecl>;

/**
 * Turns a kind's declaration into what the DAG uses. References, their checks, their normalised
 * form in the fingerprint, and the experiment settings in `uses` all come from `inputs` and
 * `settings`, so a kind writes none of them by hand.
 */
export function defineStage<
  const I extends InputsDecl = Record<never, InputSpec>,
  const U extends SettingsDecl = Record<never, SettingUse>,
  const P extends TProperties = Record<never, TSchema>,
  O extends Record<string, Json> = Record<never, Json>,
  const H extends HooksDecl = Record<never, HookUse>,
>(def: StageDef<I, U, P, O, H>): StageKind {
  const inputs = (def.inputs ?? {}) as InputsDecl;
  const settings = (def.settings ?? {}) as SettingsDecl;
  const hookKeys = Object.keys(def.hooks ?? {});
  const generic = def as unknown as AnyDef;
  const schema = kindSchema(generic);
  const outputsOf = (scope: StageScope, decl: StageDecl) =>
    typeof def.outputs === 'function' ? def.outputs(scope, decl as DeclOf<I, U, P, H>) : def.outputs;

  return {
    kind: def.kind,
    version: def.version,
    description: def.description,
    schema,
    inputs,
    settings,

    refs(decl, doc) {
      const out: StageRef[] = [];
      const d = decl as Record<string, unknown>;
      for (const [name, spec] of Object.entries(inputs)) {
        for (const w of written(name, spec, d)) out.push({ stage: splitStageRef(w.ref, spec.output).stage, ptr: w.ptr });
      }
      return [...out, ...(generic.indirectRefs?.(decl as never, doc) ?? [])];
    },

    outputs: outputsOf,

    check(scope, decl) {
      const out: Diagnostic[] = [];
      const d = decl as Record<string, unknown>;
      for (const [name, spec] of Object.entries(inputs)) {
        for (const w of written(name, spec, d)) out.push(...checkInputRef(scope, w, spec));
      }
      for (const key of hookKeys) out.push(...checkHookRef(scope, key, d[key] as string | undefined));
      return [...out, ...(generic.check?.(scope, decl as never) ?? [])];
    },

    resolve(scope, decl): Resolved {
      const d = decl as Record<string, unknown>;
      const own: Record<string, Json> = {};
      const used: Record<string, Json> = {};
      for (const [name, spec] of Object.entries(inputs)) {
        const refs = written(name, spec, d).map((w) => {
          const r = splitStageRef(w.ref, spec.output);
          return spec.stageOnly ? r.stage : `${r.stage}.${r.output}`;
        });
        // a nested reference (train's base.from) is recorded where it is written, and only if written
        if (spec.at) {
          if (refs[0] !== undefined) setAt(own, spec.at, refs[0]);
        } else if (!spec.list || (spec.single && typeof d[name] === 'string')) own[name] = refs[0] ?? null;
        else own[name] = spec.optional && d[name] === undefined ? null : refs;
      }
      for (const [name, use] of Object.entries(settings)) {
        const given = d[name] as Json | undefined;
        if (use.when && !use.when(d)) own[name] = null;
        else if (given === undefined) {
          own[name] = null;
          used[use.setting.path] = use.setting.read(scope.doc) as Json;
        } else
          own[name] = use.merge
            ? ({ ...(use.setting.read(scope.doc) as Record<string, Json>), ...(given as Record<string, Json>) } as Json)
            : given;
      }
      const extra = generic.resolve?.(scope, decl as never) ?? {};
      const resolved: Resolved = {
        own: { ...own, ...(extra.own ?? {}) },
        uses: { ...used, ...(extra.uses ?? {}) },
        files: extra.files ?? [],
        outputs: Object.keys(outputsOf(scope, decl) ?? {}),
        publish: extra.publish ?? {},
        ...(extra.runtime === undefined ? {} : { runtime: extra.runtime }),
      };
      for (const key of hookKeys) {
        (resolved.own as Record<string, Json>)[key] = (d[key] as string | undefined) ?? null;
        resolveHook(scope, d[key] as string | undefined, resolved);
      }
      return resolved;
    },

    effects(resolved) {
      const e = generic.effects?.(resolved as Resolved & { own: Record<string, Json> }) ?? {};
      return { commands: e.commands ?? [], network: e.network ?? [] };
    },

    run(ctx) {
      const own = ctx.resolved.own as Record<string, Json>;
      const path = (ref: string) => {
        const { stage, output } = splitStageRef(ref, '');
        const p = ctx.inputs[stage]?.[output];
        if (!p) throw new Error(`stage ${stage} produced no output '${output}'`);
        return p;
      };
      const inputPaths: Record<string, string | string[] | undefined> = {};
      const refs: Record<string, string | string[] | undefined> = {};
      for (const [name, spec] of Object.entries(inputs)) {
        const v = valueAt(own, spec.at ?? [name]);
        const written = typeof v === 'string' || Array.isArray(v) ? (v as string | string[]) : null;
        // a list input sees a list, however it was written
        const r = spec.list ? (written === null ? [] : typeof written === 'string' ? [written] : written) : written;
        refs[name] = r ?? undefined;
        if (r === null) inputPaths[name] = undefined;
        // a list of whole stages (a few-shot pool from a queries stage and a corpus stage): the default outputs they have
        else if (Array.isArray(r)) inputPaths[name] = spec.stageOnly ? r.flatMap((s) => ctx.inputs[s]?.[spec.output] ?? []) : r.map(path);
        else inputPaths[name] = spec.stageOnly ? path(`${r}.${spec.output}`) : path(r);
      }
      const values: Record<string, unknown> = {};
      for (const [name, use] of Object.entries(settings)) values[name] = own[name] ?? ctx.resolved.uses[use.setting.path];
      const typed = {
        ...ctx,
        input: inputPaths,
        ref: refs,
        settings: values,
        hooks: Object.fromEntries(hookKeys.map((k) => [k, hookOf(ctx, own[k] as string | null)])),
        own,
        upstream(name: string) {
          const r = refs[name];
          const stages = (Array.isArray(r) ? r : r === undefined ? [] : [r]).map((x) => splitStageRef(x, '').stage);
          if (stages.length === 0 || stages.some((s) => !ctx.inputs[s])) throw new Error(`internal: input ${name} names no upstream stage`);
          // the first stage that has an output gives it
          return Object.assign({}, ...stages.reverse().map((s) => ctx.inputs[s])) as Record<string, string>;
        },
      };
      return def.run(typed as unknown as StageContext<I, U, O, H>);
    },
  };
}

/** The referenced stage must have the output, and the output must be of a type the input accepts. */
function checkInputRef(scope: StageScope, w: { ref: string; ptr: string }, spec: InputSpec): Diagnostic[] {
  const r = splitStageRef(w.ref, spec.output);
  const outs = scope.outputsOf(r.stage);
  if (!outs) return []; // a missing stage is reported with the other references
  const key = w.ptr.slice(1);
  if (spec.stageOnly) {
    if (w.ref.includes('.')) return [scope.at(key, `write a stage name here, not STAGE.OUTPUT ('${w.ref}')`)];
    const types = Object.values(outs);
    if (types.some((t) => t === 'file' || spec.accepts.includes(t))) return [];
    return [scope.at(key, `stage '${r.stage}' has no ${spec.accepts.map(artifactTypeName).join(' or ')} output${spec.hint ?? ''}`)];
  }
  const type = outs[r.output];
  if (type === undefined) {
    const names = Object.keys(outs);
    const fitting = names.filter((n) => outs[n] === 'file' || spec.accepts.includes(outs[n] as ArtifactType));
    if (!w.ref.includes('.') && fitting.length === 0) {
      const written = names.map((n) => `${n} (${artifactTypeName(outs[n] as ArtifactType)})`).join(', ') || 'nothing';
      const needs = spec.accepts.map(artifactTypeName).join(' or ');
      return [
        scope.at(
          key,
          `stage '${r.stage}' has no output '${r.output}': it writes ${written}, and ${key.replace(/\/\d+$/, '')} needs ${needs}${spec.hint ?? ''}`,
        ),
      ];
    }
    return [scope.at(key, `stage '${r.stage}' has no output '${r.output}'${didYouMean(r.output, names)}${spec.hint ?? ''}`)];
  }
  if (type !== 'file' && !spec.accepts.includes(type))
    return [
      scope.at(
        key,
        `'${r.stage}.${r.output}' is ${artifactTypeName(type)}; ${key.replace(/\/\d+$/, '')} needs ${spec.accepts.map(artifactTypeName).join(' or ')}${spec.hint ?? ''}`,
      ),
    ];
  return [];
}
