import { resolve } from 'node:path';
import { applyVariant, planVariants, readAxes } from './ablations.js';
import { checkStages } from './check-stages.js';
import { composeExperiment } from './compose.js';
import { ConfigError, type Diagnostic, sortDiagnostics } from './diagnostics.js';
import { interpolateEnv } from './interpolate.js';
import { findProjectRoot } from './project-root.js';
import { validateAgainstSchema } from './schema.js';
import type { Experiment, ExperimentDoc, Variant } from './types.js';

export const TOP_LEVEL_SECTIONS = [
  'name',
  'description',
  'seed',
  'store',
  'datasets',
  'models',
  'prompts',
  'hooks',
  'retrieval',
  'stages',
  'ablations',
  'report',
  'gates',
] as const;

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
}

/**
 * YAML file → typed experiment with its variants: compose `extends`, interpolate `${env:...}`,
 * validate against the schema (filling defaults), check references and cycles, expand ablations.
 * Throws ConfigError listing every problem found.
 */
export function loadExperiment(file: string, opts: LoadOptions = {}): Experiment {
  const abs = resolve(file);
  const composed = composeExperiment(abs);
  if (composed.fatal.length > 0) throw new ConfigError(sortDiagnostics([...composed.fatal, ...composed.diagnostics]));
  const diagnostics: Diagnostic[] = [...composed.diagnostics];
  const map = composed.map;
  const value = interpolateEnv(composed.value, map, opts.env ?? process.env, diagnostics) as Record<string, unknown>;
  // a value whose variable is unset is reported once, not again as a type error
  const unset = new Set(diagnostics.filter((d) => d.message.startsWith('environment variable')).map((d) => d.path));
  const schemaErrors = validateAgainstSchema(value, map).filter((d) => !unset.has(d.path));
  diagnostics.push(...schemaErrors);
  const doc = value as unknown as ExperimentDoc;
  const root = findProjectRoot(abs);
  // References and cycles are checked even when the schema found problems: all problems at once.
  const invalid = new Set(schemaErrors.map((d) => /^stages\.([^.[]+)/.exec(d.path)?.[1]).filter((n): n is string => n !== undefined));
  if (schemaErrors.some((d) => d.path === '' || d.path === 'stages' || !/^(stages|ablations|report|gates)\b/.test(d.path))) {
    // a problem outside the stages (e.g. datasets, retrieval) may be read by any stage's checks
    for (const n of Object.keys(doc.stages ?? {})) invalid.add(n);
  }
  diagnostics.push(...checkStages(doc, map, 'base', root, invalid));
  if (diagnostics.length > 0) throw new ConfigError(sortDiagnostics(diagnostics));
  let variants: Variant[] = [{ name: 'base', overrides: [], doc, map }];
  if (doc.ablations) {
    const axes = readAxes(doc, map, TOP_LEVEL_SECTIONS, diagnostics);
    if (diagnostics.length === 0) {
      variants = [];
      for (const planned of planVariants(axes, doc.ablations.mode)) {
        const applied = applyVariant(value, map, planned, diagnostics);
        const prefix = `variant ${planned.name}: `;
        const vdiags = validateAgainstSchema(applied.doc, applied.map, prefix);
        const vdoc = applied.doc as unknown as ExperimentDoc;
        if (vdiags.length === 0) {
          vdiags.push(...checkStages(vdoc, applied.map, planned.name, root).map((d) => ({ ...d, message: prefix + d.message })));
        }
        diagnostics.push(...vdiags);
        variants.push({ name: planned.name, overrides: planned.overrides, doc: vdoc, map: applied.map });
      }
    }
  }
  if (diagnostics.length > 0) throw new ConfigError(sortDiagnostics(diagnostics));
  return { file: abs, root, doc, map, variants };
}
