import { dirname } from 'node:path';
import { ConfigError, type Diagnostic } from '../config/diagnostics.js';
import type { Experiment, ExperimentDoc } from '../config/types.js';
import type { Resolved } from '../stages/contract.js';
import { upstreamStages } from '../stages/references.js';
import { stageKind } from '../stages/registry.js';
import { stageScope } from '../stages/scope.js';
import { digestPath, type HashCache } from '../util/hash.js';
import { type FingerprintParts, fingerprintOf } from './fingerprint.js';

/** One unit of work: every (variant, stage) with the same fingerprint shares it. */
export interface DagNode {
  fingerprint: string;
  kind: string;
  version: number;
  /** Stage name (the first one, when identical stages share a node). */
  stage: string;
  variants: string[];
  resolved: Resolved;
  parts: FingerprintParts;
  /** Upstream stage name → fingerprint. */
  inputs: Record<string, string>;
  experimentDir: string;
}

export interface VariantStage {
  variant: string;
  stage: string;
  fingerprint: string;
}

export interface Dag {
  experiment: Experiment;
  nodes: Map<string, DagNode>;
  /** Fingerprints in a topological order (inputs first), stable for a given experiment. */
  order: string[];
  /** Per variant, its stages in topological order. */
  variantStages: VariantStage[];
}

/** Stage names in dependency order, ties by name (the experiment is known to be acyclic). */
export function topoStages(doc: ExperimentDoc): string[] {
  const stages = doc.stages;
  const done = new Set<string>();
  const out: string[] = [];
  const visit = (n: string) => {
    if (done.has(n)) return;
    done.add(n);
    for (const d of upstreamStages(stages[n], doc).sort()) visit(d);
    out.push(n);
  };
  for (const n of Object.keys(stages).sort()) visit(n);
  return out;
}

/** Resolves every stage of every variant and fingerprints it (checksumming the files it reads). */
export async function buildDag(exp: Experiment, cache?: HashCache): Promise<Dag> {
  const nodes = new Map<string, DagNode>();
  const order: string[] = [];
  const variantStages: VariantStage[] = [];
  const publishers = new Map<string, { fp: string; variant: string; stage: string; out: string }>();
  const diagnostics: Diagnostic[] = [];

  for (const v of exp.variants) {
    const fps: Record<string, string> = {};
    for (const name of topoStages(v.doc)) {
      const decl = v.doc.stages[name] as (typeof v.doc.stages)[string];
      const kind = stageKind(decl.kind);
      const scope = stageScope(v.doc, v.map, name, v.name, exp.root);
      const resolved = kind.resolve(scope, decl);
      const files: Record<string, string> = {};
      for (const f of resolved.files) {
        try {
          files[scope.recordPath(f)] = (await digestPath(f, cache)).sha256;
        } catch (err) {
          diagnostics.push({
            pos: v.map.locate(`/stages/${name}`),
            path: `stages.${name}`,
            message: `cannot read ${f}: ${(err as Error).message}`,
          });
        }
      }
      const inputs: Record<string, string> = {};
      for (const dep of upstreamStages(decl, v.doc)) inputs[dep] = fps[dep] as string;
      const parts: FingerprintParts = {
        kind: kind.kind,
        version: kind.version,
        config: { own: resolved.own, uses: resolved.uses },
        inputs,
        files,
      };
      const fp = fingerprintOf(parts);
      fps[name] = fp;
      variantStages.push({ variant: v.name, stage: name, fingerprint: fp });
      const existing = nodes.get(fp);
      if (existing) {
        if (!existing.variants.includes(v.name)) existing.variants.push(v.name);
      } else {
        nodes.set(fp, {
          fingerprint: fp,
          kind: kind.kind,
          version: kind.version,
          stage: name,
          variants: [v.name],
          resolved,
          parts,
          inputs,
          experimentDir: dirname(exp.file),
        });
        order.push(fp);
      }
      for (const [out, path] of Object.entries(resolved.publish)) {
        const prev = publishers.get(path);
        if (prev && prev.fp !== fp) {
          diagnostics.push({
            pos: v.map.locate(`/stages/${name}/outs/${out}`),
            path: `stages.${name}.outs.${out}`,
            message: `variants ${prev.variant} and ${v.name} publish different results to ${path}; put {{variant}} in the path`,
          });
        } else publishers.set(path, { fp, variant: v.name, stage: name, out });
      }
    }
  }
  if (diagnostics.length > 0) throw new ConfigError(diagnostics);
  return { experiment: exp, nodes, order, variantStages };
}
