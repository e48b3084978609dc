import type { Dag } from '../dag/build-dag.js';
import type { FingerprintParts } from '../dag/fingerprint.js';
import type { Binding, RunRecord, StageRecord, Store } from '../store/store.js';
import type { Json } from '../util/json.js';

/**
 * The experiment table (`qexp exp show`, as `dvc exp show`): one row per variant of an
 * experiment, and per result set of an earlier run that no variant points at any more, each with
 * its parameters and its evaluate stages' aggregate values. Only what the store holds: a
 * variant's stages as it last completed them (variant_stages), and the stages each run executed
 * (stages.run_id) with the settings that made them (their fingerprint parts), until `cache gc`
 * forgets what nothing references.
 */

export type ExpRowSource = 'variant' | 'earlier variant' | 'earlier run';

export interface ExpRow {
  /** What `qexp diff` names it by: the variant's name, or the run id (`RUN#k` when a run made several). */
  id: string;
  experiment: string;
  source: ExpRowSource;
  variant: string | null;
  /** The run that computed its newest result. */
  run: string | null;
  finishedAt: string | null;
  /** Evaluate stages of the row with stored values, of all it has. */
  evaluated: { done: number; total: number };
  /** `STAGE.key` for a stage's own settings, the dotted path for experiment settings; leaves only. */
  params: Record<string, Json>;
  /** `STAGE:measure` → the aggregate value. */
  metrics: Record<string, number>;
  /** The `-S` settings of the run that computed its newest result. */
  settings: string[];
}

export interface ExpTable {
  rows: ExpRow[];
  /** Runs per experiment, and how many of them computed a result (the others found everything done). */
  runs: Record<string, { total: number; computed: number }>;
}

/** Leaves of a stage's settings: own keys under the stage's name, experiment settings under their path; unset (null) own keys are left out. */
export function stageParams(stage: string, parts: FingerprintParts, out: Record<string, Json> = {}): Record<string, Json> {
  const put = (key: string, v: Json, dropNull: boolean) => {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k, x] of Object.entries(v)) put(`${key}.${k}`, x, dropNull);
    } else if (!(dropNull && v === null)) out[key] = v;
  };
  const own = parts.config.own;
  if (own !== null && typeof own === 'object' && !Array.isArray(own))
    for (const [k, v] of Object.entries(own)) put(`${stage}.${k}`, v, true);
  for (const [k, v] of Object.entries(parts.config.uses)) put(k, v, false);
  return out;
}

/** `-S path=value` settings in a run's argv. */
export function settingsOf(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if ((a === '-S' || a === '--set') && i + 1 < argv.length) out.push(argv[++i] as string);
    else if (a.startsWith('--set=')) out.push(a.slice('--set='.length));
    else if (a.startsWith('-S') && a.length > 2) out.push(a.slice(2));
  }
  return out;
}

interface Member {
  stage: string;
  fingerprint: string;
  parts: FingerprintParts;
}

/** The table for the experiment of `dag` (its file's variants first), or for every experiment in the store. */
export async function collectExpTable(store: Store, dag?: Dag): Promise<ExpTable> {
  const names = dag ? [dag.experiment.doc.name] : (await store.experiments()).map((e) => e.name);
  const rows: ExpRow[] = [];
  const runs: ExpTable['runs'] = {};
  for (const experiment of names) {
    const bindings = await store.bindings(experiment);
    const byVariant = new Map<string, Binding[]>();
    for (const b of bindings) byVariant.set(b.variant, [...(byVariant.get(b.variant) ?? []), b]);
    const members: { variant: string; source: ExpRowSource; stages: Member[] }[] = [];
    if (dag) {
      // a stage the variant completed shows what it completed (a run with `-S` included); the file's plan fills the rest
      for (const v of dag.experiment.variants) {
        const bound = new Map((byVariant.get(v.name) ?? []).map((b) => [b.stage, b]));
        const stages = dag.variantStages
          .filter((vs) => vs.variant === v.name)
          .map((vs) => {
            const b = bound.get(vs.stage);
            return b
              ? { stage: b.stage, fingerprint: b.fingerprint, parts: b.parts as FingerprintParts }
              : { stage: vs.stage, fingerprint: vs.fingerprint, parts: dag.nodes.get(vs.fingerprint)?.parts as FingerprintParts };
          });
        members.push({ variant: v.name, source: 'variant', stages });
      }
    }
    const current = new Set(members.map((m) => m.variant));
    for (const [variant, list] of byVariant) {
      if (current.has(variant)) continue;
      const stages = list.map((b) => ({ stage: b.stage, fingerprint: b.fingerprint, parts: b.parts as FingerprintParts }));
      members.push({ variant, source: dag ? 'earlier variant' : 'variant', stages });
    }
    const shown = new Set(members.flatMap((m) => m.stages.map((s) => s.fingerprint)));
    for (const fp of bindings.map((b) => b.fingerprint)) shown.add(fp);

    const evalFps = members.flatMap((m) => m.stages.filter((s) => s.parts.kind === 'evaluate').map((s) => s.fingerprint));
    const records = await store.stagesByFingerprint(evalFps);
    const done = (fp: string) => records.get(fp)?.status === 'done';
    const values = await metricsByFingerprint(store, evalFps.filter(done));
    // oldest first
    const history = (await store.runs(experiment)).sort(
      (a, b) => String(a.startedAt).localeCompare(String(b.startedAt)) || a.runId.localeCompare(b.runId),
    );
    const argvOf = new Map(history.map((r) => [r.runId, r.argv]));
    for (const m of members) {
      const params: Record<string, Json> = {};
      for (const s of m.stages) stageParams(s.stage, s.parts, params);
      const evals = m.stages.filter((s) => s.parts.kind === 'evaluate');
      const newest = evals
        .map((s) => records.get(s.fingerprint))
        .filter((r): r is StageRecord => r?.status === 'done')
        .sort((a, b) => String(b.finishedAt).localeCompare(String(a.finishedAt)))[0];
      rows.push({
        id: m.variant,
        experiment,
        source: m.source,
        variant: m.variant,
        run: newest?.runId ?? null,
        finishedAt: newest?.finishedAt ?? null,
        evaluated: { done: evals.filter((s) => done(s.fingerprint)).length, total: evals.length },
        params,
        metrics: metricsOf(evals, values),
        settings: newest?.runId ? settingsOf(argvOf.get(newest.runId) ?? []) : [],
      });
    }

    const earlier = await earlierRuns(store, experiment, history, shown);
    rows.push(...earlier);
    runs[experiment] = { total: history.length, computed: new Set(earlier.map((r) => r.run)).size };
  }
  return { rows, runs };
}

async function metricsByFingerprint(store: Store, fps: string[]): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  for (const m of await store.aggregateMetrics(fps)) {
    const o = out.get(m.fingerprint) ?? {};
    out.set(m.fingerprint, o);
    o[m.measure] = m.value;
  }
  return out;
}

function metricsOf(evals: { stage: string; fingerprint: string }[], values: Map<string, Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const s of evals) for (const [measure, v] of Object.entries(values.get(s.fingerprint) ?? {})) out[`${s.stage}:${measure}`] = v;
  return out;
}

/**
 * Results of earlier runs that no variant points at any more (a run with other `-S` settings, or
 * before the file changed): the evaluate stages each run executed, with the settings of every
 * stage upstream of them (followed through the stored fingerprint parts). A run's results that
 * disagree on a setting are its different variants: one row each.
 */
async function earlierRuns(store: Store, experiment: string, history: RunRecord[], shown: Set<string>): Promise<ExpRow[]> {
  const executed = (await store.stagesRunBy(history.map((r) => r.runId))).filter((s) => s.kind === 'evaluate' && !shown.has(s.fingerprint));
  if (executed.length === 0) return [];
  const values = await metricsByFingerprint(
    store,
    executed.map((s) => s.fingerprint),
  );
  const known = new Map<string, StageRecord>();
  const lineage = async (rec: StageRecord): Promise<Record<string, Json>> => {
    const params: Record<string, Json> = {};
    let level = [rec];
    const seen = new Set<string>();
    while (level.length) {
      const next: string[] = [];
      for (const r of level) {
        if (seen.has(r.fingerprint)) continue;
        seen.add(r.fingerprint);
        const parts = r.parts as FingerprintParts;
        stageParams(r.stage, parts, params);
        next.push(...Object.values(parts.inputs).filter((fp) => !seen.has(fp)));
      }
      const missing = next.filter((fp) => !known.has(fp));
      for (const [fp, r] of await store.stagesByFingerprint(missing)) known.set(fp, r);
      level = next.map((fp) => known.get(fp)).filter((r): r is StageRecord => r !== undefined);
    }
    return params;
  };

  const rows: ExpRow[] = [];
  for (const run of [...history].reverse()) {
    const mine = executed.filter((s) => s.runId === run.runId);
    // results that agree on every setting they share make one row
    const groups: { params: Record<string, Json>; evals: StageRecord[] }[] = [];
    for (const rec of mine) {
      const params = await lineage(rec);
      const g = groups.find(
        (x) =>
          !x.evals.some((e) => e.stage === rec.stage) && Object.entries(params).every(([k, v]) => !(k in x.params) || same(x.params[k], v)),
      );
      if (g) {
        Object.assign(g.params, params);
        g.evals.push(rec);
      } else groups.push({ params, evals: [rec] });
    }
    groups.sort((x, y) => compareParams(x.params, y.params));
    for (const [i, g] of groups.entries()) {
      rows.push({
        id: groups.length > 1 ? `${run.runId}#${i + 1}` : run.runId,
        experiment,
        source: 'earlier run',
        variant: null,
        run: run.runId,
        finishedAt:
          g.evals
            .map((e) => String(e.finishedAt))
            .sort()
            .at(-1) ?? null,
        evaluated: { done: g.evals.length, total: g.evals.length },
        params: g.params,
        metrics: metricsOf(g.evals, values),
        settings: settingsOf(run.argv),
      });
    }
  }
  return rows;
}

/** Orders a run's result sets by the first setting they differ in (numbers by value), so `RUN#k` names stay put. */
function compareParams(a: Record<string, Json>, b: Record<string, Json>): number {
  for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    const x = a[k];
    const y = b[k];
    if (same(x, y)) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return JSON.stringify(x ?? null).localeCompare(JSON.stringify(y ?? null));
  }
  return 0;
}

export function same(a: Json | undefined, b: Json | undefined): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
