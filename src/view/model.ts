import type { Experiment, ExperimentDoc, StageDecl } from '../config/types.js';
import { buildDag, type Dag } from '../dag/build-dag.js';
import { loadExperiment } from '../dag/load-experiment.js';
import { type Plan, planDag } from '../dag/plan.js';
import { findProvider } from '../llm/providers/registry.js';
import { collectReport, reportDecl } from '../report/collect.js';
import type { ReportData } from '../report/report-data.js';
import { splitStageRef } from '../stages/contract.js';
import type { ArtifactRecord, RunRecord, StageRecord, Store } from '../store/store.js';
import { readOnlyHashes } from './store-access.js';
import type { RunInfo, StageRow, StageState } from './types.js';

/** One unit of work as the viewer names it: its stage, and the ablation settings that tell it from the stage's other units. */
export interface NodeInfo {
  fingerprint: string;
  stage: string;
  kind: string;
  label: string;
  variants: string[];
  decl: StageDecl;
  /** The dataset it reads queries or judgments of (dataset, generate, retrieve, feedback, evaluate stages). */
  dataset: string | null;
  /** Upstream stage name → fingerprint. */
  inputs: Record<string, string>;
}

/** An experiment as the viewer shows it: from its file (DAG, plan, report) when it loads, else from the store's records. */
export interface ExperimentModel {
  name: string;
  description: string | null;
  file: string;
  problem: string | null;
  variants: { name: string; overrides: { axis: string; value: unknown }[] }[];
  exp: Experiment | null;
  dag: Dag | null;
  plan: Plan | null;
  stageRows: StageRow[];
  records: Map<string, StageRecord>;
  artifacts: Map<string, ArtifactRecord[]>;
  runs: RunRecord[];
  nodes: Map<string, NodeInfo>;
  /** Dataset name → the dataset stage's queries output. */
  datasets: Map<string, string | null>;
  report: ReportData | null;
  /** Report row index → dataset → the evaluate stage's fingerprint. */
  rowEvaluates: Map<string, string>[];
  /** Environment variables whose values are secrets (API keys, credential headers). */
  secretEnv: string[];
}

const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));

/** The stage a reference names (`stage` or `stage.output`). */
const refStage = (ref: unknown) => (typeof ref === 'string' ? splitStageRef(ref, '').stage : undefined);

/** The dataset a stage reads: a dataset stage's own, else that of the stage it takes queries or judgments from. */
export function datasetOf(doc: ExperimentDoc, stage: string, depth = 0): string | null {
  const decl = doc.stages[stage];
  if (!decl || depth > 8) return null;
  if (decl.kind === 'dataset') return typeof decl.dataset === 'string' ? decl.dataset : stage;
  const via = { generate: decl.queries, feedback: decl.qrels, evaluate: decl.qrels, retrieve: decl.topics }[decl.kind];
  const up = refStage(via);
  return up ? datasetOf(doc, up, depth + 1) : null;
}

/** Whether a process is alive on this machine. */
function alive(pid: number | null): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function runInfo(r: RunRecord): RunInfo {
  return {
    runId: r.runId,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    status: r.status,
    argv: r.argv,
    alive: r.status === 'running' && alive(r.pid),
  };
}

/** Labels each unit of work by its stage and the axes that tell it from the stage's other units (as the report labels rows). */
function labelNodes(exp: Experiment, dag: Dag): Map<string, NodeInfo> {
  const settings = new Map(exp.variants.map((v) => [v.name, new Map(v.overrides.map((o) => [o.axis, o.value]))]));
  const axes = exp.variants[0]?.overrides.map((o) => o.axis) ?? [];
  const byStage = new Map<string, Map<string, string[]>>();
  for (const vs of dag.variantStages) {
    const fps = byStage.get(vs.stage) ?? new Map<string, string[]>();
    byStage.set(vs.stage, fps);
    fps.set(vs.fingerprint, [...(fps.get(vs.fingerprint) ?? []), vs.variant]);
  }
  const out = new Map<string, NodeInfo>();
  for (const [stage, fps] of byStage) {
    const common = [...fps.values()].map((vs) => {
      const c = new Map<string, unknown>();
      for (const a of axes) {
        const values = vs.map((v) => JSON.stringify(settings.get(v)?.get(a)));
        if (values.every((x) => x === values[0])) c.set(a, settings.get(vs[0] as string)?.get(a));
      }
      return c;
    });
    const telling = axes.filter((a) => new Set(common.map((c) => (c.has(a) ? JSON.stringify(c.get(a)) : '*'))).size > 1);
    [...fps].forEach(([fp, variants], i) => {
      if (out.has(fp)) return;
      const node = dag.nodes.get(fp);
      const doc = exp.variants.find((v) => v.name === variants[0])?.doc ?? exp.doc;
      const c = common[i] as Map<string, unknown>;
      const parts = telling.filter((a) => c.has(a)).map((a) => `${a}=${show(c.get(a))}`);
      out.set(fp, {
        fingerprint: fp,
        stage,
        kind: node?.kind ?? '?',
        label: parts.length ? `${stage} [${parts.join(', ')}]` : stage,
        variants: node?.variants ?? variants,
        decl: doc.stages[stage] as StageDecl,
        dataset: datasetOf(doc, stage),
        inputs: node?.inputs ?? {},
      });
    });
  }
  return out;
}

function stateOf(status: string, rec: StageRecord | undefined, reasons: string[]): { state: StageState; reasons: string[] } {
  if (rec?.status === 'running') {
    if (alive(rec.pid)) return { state: 'running', reasons: [`running since ${rec.startedAt} (process ${rec.pid})`] };
    return { state: 'interrupted', reasons };
  }
  if (status !== 'done' && rec && (rec.status === 'failed' || rec.status === 'waiting' || rec.status === 'interrupted')) {
    const first = (rec.error ?? '').split('\n')[0] ?? '';
    return { state: rec.status, reasons: reasons.some((r) => first && r.includes(first)) || !first ? reasons : [...reasons, first] };
  }
  return { state: status as StageState, reasons };
}

/** Secrets' variable names, as each generate stage's provider declares them. */
function secretNames(dag: Dag): string[] {
  const out = new Set<string>();
  for (const node of dag.nodes.values()) {
    if (node.kind !== 'generate') continue;
    const own = node.resolved.own as { model?: string };
    const identity = node.resolved.uses[`models.${own.model}`] as { provider?: string } | undefined;
    const provider = findProvider(identity?.provider);
    for (const n of provider?.secrets?.(identity as never, node.resolved.runtime as never) ?? []) out.add(n);
  }
  return [...out];
}

/** Builds the model of an experiment from its file and the store. */
export async function modelFromFile(
  file: string,
  store: Store | undefined,
  opts: { set?: readonly string[]; hashes: Map<string, string> },
): Promise<ExperimentModel> {
  const exp = loadExperiment(file, { set: opts.set });
  const dag = await buildDag(exp, store ? readOnlyHashes(store, opts.hashes) : undefined);
  const plan = await planDag(dag, store);
  const fps = [...dag.nodes.keys()];
  const records = store ? await store.stagesByFingerprint(fps) : new Map<string, StageRecord>();
  const artifacts = new Map<string, ArtifactRecord[]>();
  for (const a of store ? await store.artifacts(fps) : []) artifacts.set(a.fingerprint, [...(artifacts.get(a.fingerprint) ?? []), a]);
  const nodes = labelNodes(exp, dag);
  const stageRows: StageRow[] = plan.stages.map((p) => {
    const rec = records.get(p.fingerprint);
    const { state, reasons } = stateOf(p.status, rec, p.reasons);
    return {
      variant: p.variant,
      stage: p.stage,
      kind: p.kind,
      fingerprint: p.fingerprint,
      state,
      reasons,
      sharedWith: p.sharedWith,
      startedAt: rec?.startedAt ?? null,
      finishedAt: rec?.finishedAt ?? null,
      durationMs: rec?.durationMs ?? null,
    };
  });

  // a stage that cannot run yet says which of its inputs it waits for (a stale one already names the input that changed)
  const rowOf = new Map(stageRows.map((r) => [`${r.variant}\u0000${r.stage}`, r]));
  for (const r of stageRows) {
    if (r.state !== 'pending') continue;
    const waits = Object.keys(dag.nodes.get(r.fingerprint)?.inputs ?? {}).flatMap((up) => {
      const u = rowOf.get(`${r.variant}\u0000${up}`);
      return u && u.state !== 'done' ? [`waits for ${up} (${u.state})`] : [];
    });
    // a new array: variants that share the stage share the plan's reasons
    r.reasons = [...r.reasons, ...waits];
  }

  const datasets = new Map<string, string | null>();
  for (const n of nodes.values()) {
    if (n.kind !== 'dataset' || !n.dataset) continue;
    const q = artifacts.get(n.fingerprint)?.find((a) => a.name === 'queries')?.path ?? null;
    if (!datasets.get(n.dataset)) datasets.set(n.dataset, q);
  }

  let report: ReportData | null = null;
  let problem: string | null = null;
  try {
    report = store ? await collectReport(dag, store) : null;
  } catch (err) {
    problem = `the report's data could not be read: ${(err as Error).message}`;
  }
  const rowEvaluates = (report?.rows ?? []).map((row) => {
    const v = row.variants[0] as string;
    const declared = reportDecl(exp.doc).rows?.[row.name] ?? row.name;
    const out = new Map<string, string>();
    for (const stage of typeof declared === 'string' ? [declared] : declared) {
      const fp = dag.variantStages.find((x) => x.variant === v && x.stage === stage)?.fingerprint;
      const ds = fp ? nodes.get(fp)?.dataset : null;
      if (fp && ds && !out.has(ds)) out.set(ds, fp);
    }
    return out;
  });

  return {
    name: exp.doc.name,
    description: exp.doc.description ?? null,
    file: exp.file,
    problem,
    variants: exp.variants.map((v) => ({ name: v.name, overrides: v.overrides.map((o) => ({ axis: o.axis, value: o.value })) })),
    exp,
    dag,
    plan,
    stageRows,
    records,
    artifacts,
    runs: store ? await store.runs(exp.doc.name) : [],
    nodes,
    datasets,
    report,
    rowEvaluates,
    secretEnv: secretNames(dag),
  };
}

/** What the store alone says of an experiment whose file cannot be read: each variant's stages as last bound, no plan. */
export async function modelFromStore(
  rec: { name: string; file: string; description: string | null; variants: { name: string; overrides: unknown }[] },
  store: Store,
  problem: string,
): Promise<ExperimentModel> {
  const bindings = await store.bindings(rec.name);
  const fps = [...new Set(bindings.map((b) => b.fingerprint))];
  const records = await store.stagesByFingerprint(fps);
  const artifacts = new Map<string, ArtifactRecord[]>();
  for (const a of await store.artifacts(fps)) artifacts.set(a.fingerprint, [...(artifacts.get(a.fingerprint) ?? []), a]);
  const variantNames = rec.variants.map((v) => v.name);
  const order = (v: string) => (variantNames.includes(v) ? variantNames.indexOf(v) : variantNames.length);
  const stageRows: StageRow[] = bindings
    .sort((a, b) => order(a.variant) - order(b.variant) || a.variant.localeCompare(b.variant))
    .map((b) => {
      const r = records.get(b.fingerprint);
      const state: StageState = !r ? 'pending' : r.status === 'running' && !alive(r.pid) ? 'interrupted' : r.status;
      return {
        variant: b.variant,
        stage: b.stage,
        kind: r?.kind ?? '?',
        fingerprint: b.fingerprint,
        state,
        reasons: r?.error ? [(r.error.split('\n')[0] as string) || r.error] : [],
        sharedWith: bindings.filter((x) => x.fingerprint === b.fingerprint && x.variant !== b.variant).map((x) => x.variant),
        startedAt: r?.startedAt ?? null,
        finishedAt: r?.finishedAt ?? null,
        durationMs: r?.durationMs ?? null,
      };
    });
  return {
    name: rec.name,
    description: rec.description,
    file: rec.file,
    problem,
    variants: rec.variants.map((v) => ({ name: v.name, overrides: (v.overrides as { axis: string; value: unknown }[]) ?? [] })),
    exp: null,
    dag: null,
    plan: null,
    stageRows,
    records,
    artifacts,
    runs: await store.runs(rec.name),
    nodes: new Map(),
    datasets: new Map(),
    report: null,
    rowEvaluates: [],
    secretEnv: [],
  };
}
