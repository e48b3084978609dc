import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { type StageOutput, StageWaiting } from '../stages/contract.js';
import { stageKind } from '../stages/registry.js';
import type { ArtifactRecord, Binding, Store } from '../store/store.js';
import { atomicCopy } from '../util/atomic-copy.js';
import { canonicalJson } from '../util/canonical-json.js';
import { digestPath } from '../util/hash.js';
import type { Dag, DagNode } from './build-dag.js';

export type NodeOutcome = 'done' | 'failed' | 'interrupted' | 'skipped' | 'waiting';

export interface NodeResult {
  fingerprint: string;
  stage: string;
  variants: string[];
  outcome: NodeOutcome;
  durationMs: number;
  error?: string;
  logPath?: string;
}

/** Callbacks the display hangs on; execution itself prints nothing. */
export interface ExecuteEvents {
  start?(node: DagNode, logPath: string): void;
  progress?(node: DagNode, done: number, total: number | undefined, unit: string | undefined, note?: string, estimated?: boolean): void;
  step?(node: DagNode, name: string): void;
  log?(node: DagNode, line: string): void;
  end?(node: DagNode, result: NodeResult): void;
}

export interface ExecuteOptions {
  store: Store;
  dag: Dag;
  run: string[];
  restore: string[];
  upToDate: string[];
  runId: string;
  concurrency: number;
  signal: AbortSignal;
  keepGoing?: boolean;
  events?: ExecuteEvents;
}

/**
 * Runs the chosen nodes in dependency order, independent ones concurrently. A node is recorded
 * done only after its outputs are in place; a failure or interruption leaves it not done.
 */
export async function executeDag(opts: ExecuteOptions): Promise<NodeResult[]> {
  const { store, dag, signal } = opts;
  const results = new Map<string, NodeResult>();
  const waiting = new Set(opts.run);
  const running = new Map<string, Promise<void>>();
  let stopScheduling = false;

  for (const fp of opts.restore) await publish(dag.nodes.get(fp) as DagNode, store);
  await bindAll(store, dag, opts.upToDate);

  const inputsReady = (node: DagNode) => Object.values(node.inputs).every((dep) => !waiting.has(dep) && !running.has(dep));
  const failedInput = (node: DagNode) =>
    Object.values(node.inputs).find((dep) => {
      const r = results.get(dep);
      return r && r.outcome !== 'done';
    });

  while (waiting.size > 0 || running.size > 0) {
    for (const fp of [...waiting]) {
      if (running.size >= opts.concurrency) break;
      const node = dag.nodes.get(fp) as DagNode;
      if (!inputsReady(node)) continue;
      waiting.delete(fp);
      const bad = failedInput(node);
      if (bad || stopScheduling || signal.aborted) {
        const why = bad
          ? `input ${dag.nodes.get(bad)?.stage} ${results.get(bad)?.outcome === 'waiting' ? 'waits for manual work' : 'did not complete'}`
          : signal.aborted
            ? 'run interrupted'
            : 'an earlier stage failed';
        const r: NodeResult = {
          fingerprint: fp,
          stage: node.stage,
          variants: node.variants,
          outcome: 'skipped',
          durationMs: 0,
          error: why,
        };
        results.set(fp, r);
        opts.events?.end?.(node, r);
        continue;
      }
      const p = runNode(node, opts).then((r) => {
        results.set(fp, r);
        running.delete(fp);
        // a stage waiting for a person does not stop the stages that do not need it
        if (r.outcome !== 'done' && r.outcome !== 'waiting' && !opts.keepGoing) stopScheduling = true;
      });
      running.set(fp, p);
    }
    if (running.size > 0) await Promise.race(running.values());
    else if (waiting.size > 0 && ![...waiting].some((fp) => inputsReady(dag.nodes.get(fp) as DagNode))) {
      throw new Error('internal: scheduler found no runnable stage (cycle?)');
    }
  }
  return opts.run.map((fp) => results.get(fp) as NodeResult);
}

async function runNode(node: DagNode, opts: ExecuteOptions): Promise<NodeResult> {
  const { store, dag, signal, events } = opts;
  const kind = stageKind(node.kind);
  const started = Date.now();
  const expName = dag.experiment.doc.name;
  const logDir = join(store.logsDir, expName);
  const logPath = join(logDir, `${node.stage}-${node.fingerprint.slice(0, 12)}.log`);
  await mkdir(logDir, { recursive: true });
  const log = createWriteStream(logPath, { flags: 'a' });
  const write = (line: string) => log.write(`${line}\n`);
  write(`# qexp ${new Date().toISOString()} stage ${node.stage} (${node.kind} v${node.version}) fingerprint ${node.fingerprint}`);
  write(`# variants: ${node.variants.join(' | ')}`);
  write(`# config: ${canonicalJson(node.parts.config)}`);
  write(`# inputs: ${canonicalJson(node.parts.inputs)}`);
  events?.start?.(node, logPath);

  const tmpDir = join(store.tmpDir, `${node.fingerprint}-${process.pid}-${started}`);
  await store.markRunning({
    fingerprint: node.fingerprint,
    kind: node.kind,
    kindVersion: node.version,
    stage: node.stage,
    runId: opts.runId,
    config: node.parts.config,
    parts: node.parts,
    logPath,
  });
  try {
    const inputs: Record<string, Record<string, string>> = {};
    for (const [name, fp] of Object.entries(node.inputs)) {
      inputs[name] = Object.fromEntries((await store.artifacts([fp])).map((a) => [a.name, a.path]));
    }
    await mkdir(tmpDir, { recursive: true });
    const outputs = await kind.run({
      fingerprint: node.fingerprint,
      stageName: node.stage,
      variants: node.variants,
      resolved: node.resolved,
      inputs,
      inputFingerprints: node.inputs,
      tmpDir,
      experimentDir: node.experimentDir,
      root: dag.experiment.root,
      logFile: logPath,
      log: (line) => {
        write(line);
        events?.log?.(node, line);
      },
      progress: (done, total, unit, note, estimated) => events?.progress?.(node, done, total, unit, note, estimated),
      step: (name) => {
        write(`# ${name}`);
        events?.step?.(node, name);
      },
      signal,
      store,
    });
    if (signal.aborted) throw new Error('interrupted');
    const artifacts = await commitOutputs(node, outputs, tmpDir, store);
    const durationMs = Date.now() - started;
    await store.markDone(node.fingerprint, artifacts, durationMs);
    await publish(node, store);
    await bindAll(store, dag, [node.fingerprint]);
    write(`# done in ${(durationMs / 1000).toFixed(1)} s`);
    const r: NodeResult = {
      fingerprint: node.fingerprint,
      stage: node.stage,
      variants: node.variants,
      outcome: 'done',
      durationMs,
      logPath,
    };
    events?.end?.(node, r);
    return r;
  } catch (err) {
    const durationMs = Date.now() - started;
    const interrupted = signal.aborted;
    const outcome = interrupted ? 'interrupted' : err instanceof StageWaiting ? 'waiting' : 'failed';
    const message = interrupted ? 'interrupted' : (err as Error).message;
    write(`# ${outcome}: ${message}`);
    await store.markEnded(node.fingerprint, outcome, message, durationMs).catch(() => undefined);
    // the variants point at this attempt: a waiting job, or a stopped one that resumes from its checkpoints, is theirs
    await bindAll(store, dag, [node.fingerprint]).catch(() => undefined);
    const r: NodeResult = {
      fingerprint: node.fingerprint,
      stage: node.stage,
      variants: node.variants,
      outcome,
      durationMs,
      error: message,
      logPath,
    };
    events?.end?.(node, r);
    return r;
  } finally {
    await rm(tmpDir, { recursive: true, force: true }).catch(() => undefined);
    await new Promise<void>((res) => (log as WriteStream).end(res));
  }
}

/** Moves managed outputs from the temporary folder into `artifacts/<fingerprint>/` and checksums all outputs. */
async function commitOutputs(node: DagNode, outputs: Record<string, StageOutput>, tmpDir: string, store: Store): Promise<ArtifactRecord[]> {
  const finalDir = join(store.artifactsDir, node.fingerprint);
  const managed = Object.values(outputs).some((o) => o.managed);
  if (managed) {
    await rm(finalDir, { recursive: true, force: true });
    await mkdir(store.artifactsDir, { recursive: true });
    await rename(tmpDir, finalDir);
  }
  const out: ArtifactRecord[] = [];
  for (const [name, o] of Object.entries(outputs)) {
    const path = o.managed ? join(finalDir, relative(tmpDir, o.path)) : o.path;
    const d = await digestPath(path, store);
    out.push({ fingerprint: node.fingerprint, name, path, sha256: d.sha256, bytes: d.bytes, managed: o.managed });
  }
  return out;
}

/** Writes the published copies a stage declares (e.g. a shell stage's `outs: {x: path}`). */
async function publish(node: DagNode, store: Store): Promise<void> {
  const entries = Object.entries(node.resolved.publish);
  if (entries.length === 0) return;
  const arts = await store.artifacts([node.fingerprint]);
  for (const [name, dest] of entries) {
    const a = arts.find((x) => x.name === name);
    if (a) await atomicCopy(a.path, dest);
  }
}

/** Records, for each variant, which fingerprint its stages are now at (what `plan` compares with). */
async function bindAll(store: Store, dag: Dag, fps: string[]): Promise<void> {
  const set = new Set(fps);
  const list: Binding[] = dag.variantStages
    .filter((vs) => set.has(vs.fingerprint))
    .map((vs) => ({
      experiment: dag.experiment.doc.name,
      variant: vs.variant,
      stage: vs.stage,
      fingerprint: vs.fingerprint,
      parts: dag.nodes.get(vs.fingerprint)?.parts,
    }));
  if (list.length) await store.bind(list);
}
