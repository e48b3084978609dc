import { stat } from 'node:fs/promises';
import { type StageEffects, stageKind } from '../stages/registry.js';
import type { ArtifactRecord, Binding, StageRecord, Store } from '../store/store.js';
import { digestPath, type HashCache } from '../util/hash.js';
import type { Dag } from './build-dag.js';
import { explainChange } from './explain.js';
import type { FingerprintParts } from './fingerprint.js';

/** `running`: a `qexp run` holding the store is running it now (seen through its snapshot). */
export type PlanStatus = 'done' | 'running' | 'stale' | 'pending';

export interface PlannedStage {
  variant: string;
  stage: string;
  kind: string;
  fingerprint: string;
  status: PlanStatus;
  reasons: string[];
  /** Other variants that share this node (computed once for all of them). */
  sharedWith: string[];
  /** The commands the stage runs and the addresses it reaches when it runs. */
  effects: StageEffects;
}

export interface NodeState {
  fingerprint: string;
  /** Done in the store with its outputs in place: nothing to compute. */
  done: boolean;
  /** Published copies to write again (missing or changed), for done nodes. */
  restore: string[];
  /** Why the node is not done, independent of any variant's history. */
  why: string[];
  /** The process holding the store is running it now. */
  running?: boolean;
  /** Recorded done, but its outputs are no longer what it wrote. */
  changed?: boolean;
}

export interface Plan {
  stages: PlannedStage[];
  nodes: Map<string, NodeState>;
}

export interface PlanOptions {
  /** Hash every output again instead of trusting an unchanged size and modification time (`qexp plan --verify`). */
  verify?: boolean;
}

/**
 * Compares the DAG with the store: what is done, what is stale and why, what never ran. A done
 * stage's outputs must still be what it wrote: each is checksummed (through the store's cache,
 * which rehashes a file whose size or modification time changed) and compared with the recorded
 * sha256, so an edited or damaged artifact makes its stage stale instead of feeding the next.
 */
export async function planDag(dag: Dag, store: Store | undefined, opts: PlanOptions = {}): Promise<Plan> {
  const fps = [...dag.nodes.keys()];
  const records = store ? await store.stagesByFingerprint(fps) : new Map<string, StageRecord>();
  const artifacts = store ? await store.artifacts(fps) : [];
  const bindings = store ? await store.bindings(dag.experiment.doc.name) : [];
  const byFp = new Map<string, ArtifactRecord[]>();
  for (const a of artifacts) byFp.set(a.fingerprint, [...(byFp.get(a.fingerprint) ?? []), a]);
  const bindingOf = new Map<string, Binding>(bindings.map((b) => [`${b.variant}\0${b.stage}`, b]));
  // read through a running writer's snapshot, its `running` stages are live; otherwise their process is gone
  const writer = store?.source.kind === 'snapshot' ? store.source.pid : undefined;

  const nodes = new Map<string, NodeState>();
  for (const node of dag.nodes.values()) {
    const rec = records.get(node.fingerprint);
    const state: NodeState = { fingerprint: node.fingerprint, done: false, restore: [], why: [] };
    if (!rec) state.why.push('never run');
    else if (rec.status === 'failed') state.why.push(`last attempt failed: ${firstLine(rec.error)}`);
    else if (rec.status === 'waiting') state.why.push(`waits for manual work: ${firstLine(rec.error)}`);
    else if (rec.status === 'interrupted') state.why.push(`last attempt was interrupted (${firstLine(rec.error) || 'stopped'})`);
    else if (rec.status === 'running' && writer !== undefined && rec.pid === writer) {
      state.running = true;
      state.why.push(`running now (process ${writer}, started ${rec.startedAt})`);
    } else if (rec.status === 'running') state.why.push('still marked running by a stopped process');
    else {
      const missing = await changedOutputs(byFp.get(node.fingerprint) ?? [], node.resolved.outputs, opts.verify ? undefined : store);
      if (missing.length > 0) {
        state.why.push(...missing);
        state.changed = true;
      } else {
        state.done = true;
        state.restore = await stalePublished(node.resolved.publish, byFp.get(node.fingerprint) ?? [], store);
      }
    }
    nodes.set(node.fingerprint, state);
  }

  const stages: PlannedStage[] = [];
  for (const vs of dag.variantStages) {
    const node = dag.nodes.get(vs.fingerprint);
    const state = nodes.get(vs.fingerprint);
    if (!node || !state) continue;
    const prev = bindingOf.get(`${vs.variant}\0${vs.stage}`);
    let status: PlanStatus;
    let reasons: string[];
    if (state.done) {
      status = 'done';
      reasons = state.restore.map((p) => `published copy ${p} will be restored`);
    } else if (state.running) {
      status = 'running';
      reasons = state.why;
    } else if (prev && prev.fingerprint !== vs.fingerprint) {
      status = 'stale';
      reasons = explainChange(vs.stage, prev.parts as FingerprintParts, node.parts);
    } else if (prev && state.changed) {
      status = 'stale';
      reasons = state.why;
    } else {
      status = 'pending';
      reasons = state.why;
    }
    stages.push({
      variant: vs.variant,
      stage: vs.stage,
      kind: node.kind,
      fingerprint: vs.fingerprint,
      status,
      reasons,
      sharedWith: node.variants.filter((v) => v !== vs.variant),
      effects: stageKind(node.kind).effects(node.resolved),
    });
  }
  return { stages, nodes };
}

async function changedOutputs(arts: ArtifactRecord[], expected: string[], cache: HashCache | undefined): Promise<string[]> {
  const out: string[] = [];
  for (const name of expected) {
    const a = arts.find((x) => x.name === name);
    if (!a) {
      out.push(`output ${name} is not recorded`);
      continue;
    }
    try {
      await stat(a.path);
    } catch {
      out.push(`output ${name} is missing (${a.path}); removed by hand?`);
      continue;
    }
    let d: { sha256: string; bytes: number };
    try {
      d = await digestPath(a.path, cache);
    } catch (err) {
      out.push(`output ${name} cannot be read (${a.path}): ${(err as Error).message}`);
      continue;
    }
    if (d.sha256 !== a.sha256)
      out.push(
        `output ${name} was modified since it was written (${a.path}: ${d.bytes === a.bytes ? 'same size, other content' : `${a.bytes} → ${d.bytes} bytes`})`,
      );
  }
  return out;
}

async function stalePublished(publish: Record<string, string>, arts: ArtifactRecord[], store: Store | undefined): Promise<string[]> {
  const out: string[] = [];
  for (const [name, path] of Object.entries(publish)) {
    const a = arts.find((x) => x.name === name);
    if (!a) continue;
    try {
      const d = await digestPath(path, store);
      if (d.sha256 !== a.sha256) out.push(path);
    } catch {
      out.push(path);
    }
  }
  return out;
}

function firstLine(s: string | null): string {
  return (s ?? '').split('\n')[0] ?? '';
}
