import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { applyVariant, formatValue, planVariants, readAxes } from '../config/ablations.js';
import { composeExperiment } from '../config/compose.js';
import { ConfigError, type Diagnostic, sortDiagnostics } from '../config/diagnostics.js';
import { expandFamilies, type Family } from '../config/families.js';
import { interpolateEnv } from '../config/interpolate.js';
import { findProjectRoot } from '../config/project-root.js';
import { type CompiledSchema, compileSchema, type UnknownKeyHint, validateAgainstSchema } from '../config/schema.js';
import { TOP_LEVEL_SECTIONS } from '../config/sections.js';
import type { Pos } from '../config/source-map.js';
import { fromPointer, type SourceMap, toPointer } from '../config/source-map.js';
import { didYouMean } from '../config/suggest.js';
import type { Experiment, ExperimentDoc, Variant } from '../config/types.js';
import { credentialProblems, maskedSetting } from '../llm/credentials.js';
import { experimentSchema } from '../stages/experiment-schema.js';
import { lookupStageKind } from '../stages/registry.js';
import { TRAINING_ARGUMENTS } from '../train/trainer-keys.js';
import { setPath } from '../util/object-path.js';
import { checkStages } from './check-stages.js';

let schema: CompiledSchema | undefined;
/** The experiment schema, built from the stage kinds once per process. */
export function experimentValidator(): CompiledSchema {
  schema ??= compileSchema(experimentSchema());
  return schema;
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** `-S path=value` settings from the command line, applied over the file (values are YAML). */
  set?: readonly string[];
}

/**
 * Where an unknown key probably belongs: peft's names for LoRA settings are qexp's without the
 * `lora_` prefix; a TrainingArguments key qexp does not model goes under `trainer.extra`.
 */
const unknownKeyHint: UnknownKeyHint = (path, key, known) => {
  if (/\.trainer\.lora$/.test(path) && key.startsWith('lora_') && known.includes(key.slice(5)))
    return `; did you mean '${key.slice(5)}'? (peft's ${key})`;
  if (!TRAINING_ARGUMENTS.includes(key)) return undefined;
  if (/^stages\.[^.]+\.trainer$/.test(path))
    return `; '${key}' is a TrainingArguments key qexp does not set itself: put it under trainer.extra`;
  if (/^stages\.[^.]+$/.test(path)) return `; '${key}' is a trainer setting: put it under trainer (or trainer.extra)`;
  return undefined;
};

function validate(doc: unknown, map: SourceMap): Diagnostic[] {
  return validateAgainstSchema(experimentValidator(), doc, map, '', unknownKeyHint);
}

/**
 * YAML file → typed experiment with its variants: compose `extends`, apply `-S` settings,
 * interpolate `${env:...}`, expand stage families, validate against the schema (filling
 * defaults), check references and cycles, expand ablations. Throws ConfigError listing every
 * problem found, each once.
 */
export function loadExperiment(file: string, opts: LoadOptions = {}): Experiment {
  const abs = resolve(file);
  const composed = composeExperiment(abs);
  if (composed.fatal.length > 0) throw new ConfigError(sortDiagnostics([...composed.fatal, ...composed.diagnostics]));
  const diagnostics: Diagnostic[] = [...composed.diagnostics];
  const sets = parseSets(opts.set ?? [], diagnostics);
  const early = applySets(composed.value, composed.map, sets, diagnostics, false);
  const interpolated = interpolateEnv(composed.value, composed.map, opts.env ?? process.env, diagnostics, envRefusedAt) as Record<
    string,
    unknown
  >;
  const expanded = expandFamilies(interpolated, composed.map, diagnostics);
  const value = expanded.doc;
  const map = expanded.map;
  const families = expanded.families;
  applySets(
    value,
    map,
    sets.filter((s) => !early.includes(s)),
    diagnostics,
    true,
  );
  expandFamilyRefs(value, map, families, diagnostics);
  // a value whose variable is unset is reported once, not again as a type error
  const unset = new Set(diagnostics.filter((d) => d.message.startsWith('environment variable')).map((d) => d.path));
  const schemaErrors = validate(value, map).filter((d) => !unset.has(d.path));
  diagnostics.push(...schemaErrors);
  const doc = value as unknown as ExperimentDoc;
  // every declared model, used by a stage or not: `experiments.config` stores them all
  for (const [name, m] of Object.entries((doc.models ?? {}) as Record<string, unknown>))
    if (m && typeof m === 'object')
      for (const p of credentialProblems(m as Record<string, unknown>)) {
        const path = ['models', name, ...p.key];
        diagnostics.push({ pos: map.locate(toPointer(path)), path: path.join('.'), message: p.message });
      }
  const root = findProjectRoot(abs);
  // References and cycles are checked even when the schema found problems: all problems at once.
  const invalid = new Set(schemaErrors.map((d) => /^stages\.([^.[]+)/.exec(d.path)?.[1]).filter((n): n is string => n !== undefined));
  if (schemaErrors.some((d) => d.path === '' || d.path === 'stages' || !/^(stages|ablations|report|gates)\b/.test(d.path))) {
    // a problem outside the stages (e.g. datasets, retrieval) may be read by any stage's checks
    for (const n of Object.keys(doc.stages ?? {})) invalid.add(n);
  }
  const familyNames = new Set(families.map((f) => f.name));
  if (doc.stages && typeof doc.stages === 'object') diagnostics.push(...checkStages(doc, map, 'base', root, invalid, familyNames));
  let variants: Variant[] = [{ name: 'base', overrides: [], doc, map }];
  if (doc.ablations && typeof doc.ablations === 'object' && doc.stages && typeof doc.stages === 'object') {
    const axisProblems: Diagnostic[] = [];
    const axes = readAxes(doc, map, TOP_LEVEL_SECTIONS, axisProblems, families);
    diagnostics.push(...axisProblems);
    if (axisProblems.length === 0 && !schemaErrors.some((d) => d.path.startsWith('ablations'))) {
      variants = [];
      // a bad axis value shows in every variant that has it: each problem is reported once, at the value
      const seen = new Set(diagnostics.map((d) => `${d.pos.file}:${d.pos.line}:${d.pos.col}:${d.message}`));
      for (const planned of planVariants(axes, doc.ablations.mode)) {
        const vdiags: Diagnostic[] = [];
        const applied = applyVariant(value, map, planned, vdiags);
        vdiags.push(...validate(applied.doc, applied.map));
        const vdoc = applied.doc as unknown as ExperimentDoc;
        if (vdiags.length === 0) vdiags.push(...checkStages(vdoc, applied.map, planned.name, root, new Set(), familyNames));
        for (const d of vdiags) {
          // a problem of the file itself, already reported, is not repeated per variant
          if (seen.has(`${d.pos.file}:${d.pos.line}:${d.pos.col}:${d.message}`)) continue;
          // an error at an axis value names that value (`variant k1=7`: every variant with it), else the variant
          const o = planned.overrides.find((x) => samePos(map.locate(toPointer(['ablations', 'axes', x.axis, x.index])), d.pos));
          const message = `variant ${o ? `${o.axis}=${formatValue(o.value)}` : planned.name}: ${d.message}`;
          const key = `${d.pos.file}:${d.pos.line}:${d.pos.col}:${message}`;
          if (seen.has(key)) continue;
          seen.add(key);
          diagnostics.push({ ...d, message });
        }
        variants.push({ name: planned.name, overrides: planned.overrides, doc: vdoc, map: applied.map });
      }
    }
  }
  if (diagnostics.length > 0) throw new ConfigError(sortDiagnostics(diagnostics));
  return { file: abs, root, doc, map, variants, families, settings: sets.map((s) => s.text) };
}

/**
 * Where `${env:...}` is refused: the substituted value would be stored with the experiment (its
 * config, stage records, request keys). A header's value or a variable's name from the environment
 * is what `headers_env`/`api_key_env` are for; `base_url` may come from one (hosts differ between
 * machines), its credential parts are refused after substitution (credentials.ts).
 */
function envRefusedAt(written: (string | number)[]): string | undefined {
  // an ablation axis's value lands at the axis's path
  const path =
    written[0] === 'ablations' && written[1] === 'axes' && typeof written[2] === 'string'
      ? [...written[2].split('.'), ...written.slice(4)]
      : written;
  if (path[0] !== 'models' || path.length < 3) return undefined;
  const key = path[2];
  if (key === 'headers' && path.length === 4)
    return `a header's value cannot come from \${env:...}: it would be stored with the experiment; name the variable in headers_env instead (headers_env: {${String(path[3])}: VARIABLE})`;
  if (key === 'api_key_env' || key === 'headers_env')
    return `${String(key)} takes the NAME of an environment variable: write the name itself, not \${env:...}`;
  return undefined;
}

interface Setting {
  text: string;
  segs: string[];
  value: unknown;
}

/** `-S path=value`: the value is YAML (`-S retrieval.bm25.k1=1.2` is a number). */
function parseSets(list: readonly string[], out: Diagnostic[]): Setting[] {
  const sets: Setting[] = [];
  for (const text of list) {
    const eq = text.indexOf('=');
    const path = eq < 0 ? '' : text.slice(0, eq);
    const pos = { file: `-S ${maskedSetting(text)}`, line: 1, col: 1 };
    if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(path)) {
      out.push({ pos, path: '', message: 'write -S PATH=VALUE, PATH a dotted key path such as retrieval.bm25.k1 or STAGE.KEY' });
      continue;
    }
    let value: unknown;
    try {
      value = parseYaml(text.slice(eq + 1));
    } catch (err) {
      out.push({ pos: { ...pos, col: eq + 2 }, path, message: `the value is not YAML: ${(err as Error).message.split('\n')[0]}` });
      continue;
    }
    sets.push({ text, segs: path.split('.'), value: value === undefined ? null : value });
  }
  return sets;
}

/**
 * Applies `-S` settings; a leading stage (or family) name stands for `stages.NAME`, as in
 * ablation axes. The first pass, before families are expanded, takes sections and declared stages;
 * the second takes family members. Returns the settings applied.
 */
function applySets(doc: Record<string, unknown>, map: SourceMap, sets: Setting[], out: Diagnostic[], last: boolean): Setting[] {
  const applied: Setting[] = [];
  const stages = (doc.stages ?? {}) as Record<string, unknown>;
  for (const s of sets) {
    const head = s.segs[0] as string;
    const pos = { file: `-S ${maskedSetting(s.text)}`, line: 1, col: 1 };
    let path: string[];
    if ((TOP_LEVEL_SECTIONS as readonly string[]).includes(head)) path = s.segs;
    else if (head in stages) path = ['stages', ...s.segs];
    else {
      if (last)
        out.push({
          pos,
          path: s.segs.join('.'),
          message: `'${head}' is neither a section nor a stage${didYouMean(head, [...TOP_LEVEL_SECTIONS, ...Object.keys(stages)])}`,
        });
      continue;
    }
    if (path[0] === 'name' || path[0] === 'extends') {
      out.push({ pos, path: path.join('.'), message: `'${path[0]}' cannot be set from the command line` });
      continue;
    }
    const err = setPath(doc, path, structuredClone(s.value));
    if (err) out.push({ pos, path: path.join('.'), message: `cannot set ${s.segs.join('.')}: ${err}` });
    else {
      const ptr = toPointer(path);
      // the value's position is the command line, for it and for everything below it
      for (const child of [...map.pointers()]) if (child.startsWith(`${ptr}/`)) map.delete(child);
      map.set(ptr, { value: { ...pos, col: s.text.indexOf('=') + 2 }, key: pos });
    }
    applied.push(s);
  }
  return applied;
}

/**
 * A family's name where stages are listed (a feedback pool, `from`, a report row) stands for all
 * its members; a report row may also match stage names with `*`. Where one stage is expected, a
 * family's name is an error that lists the members.
 */
function expandFamilyRefs(doc: Record<string, unknown>, map: SourceMap, families: Family[], out: Diagnostic[]): void {
  const stages = doc.stages as Record<string, Record<string, unknown>> | undefined;
  if (!stages || typeof stages !== 'object') return;
  const byName = new Map(families.map((f) => [f.name, f]));
  const membersOf = (ref: string): string[] | undefined => {
    const dot = ref.indexOf('.');
    const f = byName.get(dot < 0 ? ref : ref.slice(0, dot));
    return f?.members.map((m) => (dot < 0 ? m.name : `${m.name}${ref.slice(dot)}`));
  };
  /** Splices the members of families into a list, keeping each item's position. */
  const spliceList = (list: unknown[], ptr: string): unknown[] => {
    if (!list.some((r) => typeof r === 'string' && membersOf(r))) return list;
    const locs = list.map((_, i) => map.get(`${ptr}/${i}`));
    const next: unknown[] = [];
    const nextLocs: (typeof locs)[number][] = [];
    list.forEach((r, i) => {
      const members = typeof r === 'string' ? membersOf(r) : undefined;
      for (const m of members ?? [r]) {
        next.push(m);
        nextLocs.push(locs[i]);
      }
    });
    for (const p of [...map.pointers()]) if (p.startsWith(`${ptr}/`)) map.delete(p);
    nextLocs.forEach((l, i) => {
      if (l) map.set(`${ptr}/${i}`, l);
    });
    return next;
  };
  const familyError = (ptr: string, ref: string) => {
    const members = membersOf(ref) as string[];
    out.push({
      pos: map.locate(ptr),
      path: fromPointer(ptr).join('.'),
      message: `'${ref}' is a family of ${members.length} stages: name one of them (${members.slice(0, 4).join(', ')}${members.length > 4 ? ', ...' : ''})`,
    });
  };

  for (const [name, decl] of Object.entries(stages)) {
    if (!decl || typeof decl !== 'object') continue;
    const sptr = toPointer(['stages', name]);
    if (Array.isArray(decl.from)) decl.from = spliceList(decl.from, `${sptr}/from`);
    else if (typeof decl.from === 'string' && membersOf(decl.from)) {
      map.set(`${sptr}/from/0`, map.get(`${sptr}/from`) ?? { value: map.locate(`${sptr}/from`) });
      decl.from = spliceList([decl.from], `${sptr}/from`);
    }
    const kind = typeof decl.kind === 'string' ? lookupStageKind(decl.kind) : undefined;
    for (const [input, spec] of Object.entries(kind?.inputs ?? {})) {
      if (spec.at) continue;
      const v = decl[input];
      if (spec.list && Array.isArray(v)) decl[input] = spliceList(v, `${sptr}/${input}`);
      else if (typeof v === 'string' && membersOf(v)) familyError(`${sptr}/${input}`, v);
    }
  }
  // report rows: a family, or a pattern with `*`, stands for the stages it names
  const report = doc.report as { rows?: Record<string, unknown> } | undefined;
  if (report && typeof report === 'object' && report.rows && typeof report.rows === 'object') {
    const names = Object.keys(stages);
    for (const [row, value] of Object.entries(report.rows)) {
      const rptr = toPointer(['report', 'rows', row]);
      const list = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
      if (!list) continue;
      if (typeof value === 'string') map.set(`${rptr}/0`, map.get(rptr) ?? { value: map.locate(rptr) });
      const withFamilies = spliceList(list, rptr);
      const locs = withFamilies.map((_, i) => map.get(`${rptr}/${i}`));
      const next: unknown[] = [];
      const nextLocs: (typeof locs)[number][] = [];
      withFamilies.forEach((r, i) => {
        if (typeof r !== 'string' || !r.includes('*')) {
          next.push(r);
          nextLocs.push(locs[i]);
          return;
        }
        const re = new RegExp(`^${r.split('*').map(escapeRegExp).join('[A-Za-z0-9_-]*')}$`);
        const matched = names.filter((n) => re.test(n));
        if (matched.length === 0)
          out.push({ pos: locs[i]?.value ?? map.locate(rptr), path: `report.rows.${row}`, message: `'${r}' matches no stage` });
        for (const m of matched) {
          next.push(m);
          nextLocs.push(locs[i]);
        }
      });
      if (next.length === (typeof value === 'string' ? 1 : list.length) && next.every((x, i) => x === list[i])) continue;
      for (const p of [...map.pointers()]) if (p.startsWith(`${rptr}/`)) map.delete(p);
      nextLocs.forEach((l, i) => {
        if (l) map.set(`${rptr}/${i}`, l);
      });
      report.rows[row] = next;
    }
  }
}

const samePos = (a: Pos, b: Pos) => a.file === b.file && a.line === b.line && a.col === b.col;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
