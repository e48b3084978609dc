import type { Cell } from '../report/report-data.js';
import type { ExperimentModel, NodeInfo } from './model.js';
import { cut, type StageData } from './stage-data.js';
import type { Session } from './store-access.js';
import type {
  Compare,
  CompareItem,
  CompareQuery,
  GenerateGroup,
  Outcome,
  PairGroup,
  QueryDetail,
  QueryList,
  QueryListItem,
  RowExpansions,
  StoreState,
} from './types.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PageParams {
  offset: number;
  limit: number;
  sort?: string;
  order?: 'asc' | 'desc';
  search?: string;
}

const natural = new Intl.Collator('en', { numeric: true });

/** Units of work of a kind, in the order the experiment file declares their stages. */
function nodesOf(model: ExperimentModel, kind: string, dataset?: string): NodeInfo[] {
  const declared = Object.keys(model.exp?.doc.stages ?? {});
  const at = (n: NodeInfo) => declared.indexOf(n.stage);
  return (model.dag?.order ?? [])
    .map((fp) => model.nodes.get(fp))
    .filter((n): n is NodeInfo => n !== undefined && n.kind === kind && (dataset === undefined || n.dataset === dataset))
    .sort((a, b) => at(a) - at(b));
}

const refStage = (ref: unknown) => String(ref).split('.')[0] as string;

/** A feedback stage's pools: pool name (as its rows name it) → the generate stage's fingerprint. */
function poolsOf(node: NodeInfo): Map<string, string> {
  const list = Array.isArray(node.decl.pool) ? node.decl.pool : [node.decl.pool];
  const out = new Map<string, string>();
  for (const ref of list) {
    const name = refStage(ref);
    const fp = node.inputs[name];
    if (fp) out.set(name, fp);
  }
  return out;
}

const measureOf = (model: ExperimentModel, fp: string) =>
  String((model.dag?.nodes.get(fp)?.resolved.own as { measure?: string } | undefined)?.measure ?? 'nDCG@10');

/** The feedback stage a pairs stage reads. */
const feedbackOfPairs = (node: NodeInfo) => node.inputs[refStage(node.decl.feedback)];

function requireDataset(model: ExperimentModel, dataset: string | undefined): string {
  const names = [...model.datasets.keys()];
  if (!dataset) {
    if (names[0]) return names[0];
    throw new ApiError(404, `experiment ${model.name} has no dataset stage`);
  }
  if (!model.datasets.has(dataset))
    throw new ApiError(404, `no dataset '${dataset}' in experiment ${model.name} (it has: ${names.join(', ')})`);
  return dataset;
}

const listCache = new WeakMap<ExperimentModel, Map<string, Promise<{ items: QueryListItem[]; measure: string | null }>>>();

async function queryItems(s: Session, model: ExperimentModel, data: StageData, dataset: string) {
  const topics = await data.topics(model, dataset);
  const gens = await Promise.all(nodesOf(model, 'generate', dataset).map((n) => data.generations(s, model, n.fingerprint)));
  const feedback = nodesOf(model, 'feedback', dataset).find((n) => model.records.get(n.fingerprint)?.status === 'done');
  const fb = feedback ? await data.feedback(s, model, feedback.fingerprint) : new Map();
  const pairsNode = feedback ? nodesOf(model, 'pairs').find((n) => feedbackOfPairs(n) === feedback.fingerprint) : undefined;
  const pairs = pairsNode ? await data.pairs(model, pairsNode.fingerprint) : new Map();
  const items = topics.map((t): QueryListItem => {
    const rows = fb.get(t.qid) ?? [];
    const best = rows.length ? Math.max(...rows.map((r: { value: number }) => r.value)) : null;
    const baseline = rows.length ? (rows[0].baseline as number) : null;
    const ps = pairs.get(t.qid) ?? [];
    return {
      qid: t.qid,
      query: t.text,
      expansions: gens.reduce((a, g) => a + (g.get(t.qid)?.length ?? 0), 0),
      baseline,
      best,
      gain: best !== null && baseline !== null ? best - baseline : null,
      pairs: ps.length,
      maxDelta: ps.length ? Math.max(...ps.map((p: { delta: number }) => p.delta)) : null,
    };
  });
  const measure = feedback ? `${measureOf(model, feedback.fingerprint)} (${feedback.label})` : null;
  return { items, measure, pairsLabel: pairsNode?.label ?? null };
}

/** Equal values keep a stable, readable order: by query id, naturally (q2 before q10). */
const tieBreak = (a: unknown, b: unknown) =>
  natural.compare(String((a as { qid?: string }).qid ?? ''), String((b as { qid?: string }).qid ?? ''));

function sortAndPage<T>(items: T[], p: PageParams, keys: Record<string, (x: T) => number | string | null>, def: string) {
  const key = keys[p.sort ?? def];
  if (!key) throw new ApiError(400, `sort must be one of ${Object.keys(keys).join(', ')}`);
  const sign = p.order === 'desc' ? -1 : 1;
  const sorted = [...items].sort((a, b) => {
    const x = key(a);
    const y = key(b);
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1; // missing values last, either way
    const c = typeof x === 'number' && typeof y === 'number' ? x - y : natural.compare(String(x), String(y));
    return sign * c || tieBreak(a, b);
  });
  return { total: sorted.length, offset: p.offset, limit: p.limit, items: sorted.slice(p.offset, p.offset + p.limit) };
}

const matches = (search: string | undefined) => {
  const s = search?.trim().toLowerCase();
  return (qid: string, text: string) => !s || qid.toLowerCase().includes(s) || text.toLowerCase().includes(s);
};

export async function listQueries(
  s: Session,
  model: ExperimentModel,
  data: StageData,
  datasetParam: string | undefined,
  p: PageParams,
): Promise<QueryList> {
  const dataset = requireDataset(model, datasetParam);
  let perModel = listCache.get(model);
  if (!perModel) listCache.set(model, (perModel = new Map()));
  let entry = perModel.get(dataset) as ReturnType<typeof queryItems> | undefined;
  if (!entry) perModel.set(dataset, (entry = queryItems(s, model, data, dataset)));
  const { items, measure, pairsLabel } = await entry.catch((err) => {
    perModel.delete(dataset);
    throw err;
  });
  const match = matches(p.search);
  // "qid" keeps the topics' own order (TREC files list them in order; ids need not sort as numbers)
  const order = new Map(items.map((x, i) => [x.qid, i]));
  const page = sortAndPage(
    items.filter((i) => match(i.qid, i.query)),
    p,
    {
      qid: (i) => order.get(i.qid) ?? 0,
      query: (i) => i.query,
      expansions: (i) => i.expansions,
      baseline: (i) => i.baseline,
      best: (i) => i.best,
      gain: (i) => i.gain,
      pairs: (i) => i.pairs,
      maxDelta: (i) => i.maxDelta,
    },
    'qid',
  );
  return { ...page, dataset, measure, pairs: pairsLabel };
}

/** The expansions of generate stages for a query, each with its feedback values. */
async function generateGroups(s: Session, model: ExperimentModel, data: StageData, fps: string[], qid: string): Promise<GenerateGroup[]> {
  const out: GenerateGroup[] = [];
  for (const fp of fps) {
    const node = model.nodes.get(fp);
    if (!node) continue;
    const rows = (await data.generations(s, model, fp)).get(qid) ?? [];
    const scored: { feedback: string; measure: string; pool: string; rows: Map<number, { value: number; baseline: number }> }[] = [];
    for (const f of nodesOf(model, 'feedback', node.dataset ?? undefined)) {
      for (const [pool, genFp] of poolsOf(f)) {
        if (genFp !== fp) continue;
        const fr = ((await data.feedback(s, model, f.fingerprint)).get(qid) ?? []).filter((r) => r.pool === pool);
        scored.push({ feedback: f.label, measure: measureOf(model, f.fingerprint), pool, rows: new Map(fr.map((r) => [r.sample, r])) });
      }
    }
    const own = model.dag?.nodes.get(fp)?.resolved;
    const modelName = (own?.own as { model?: string } | undefined)?.model;
    const identity = modelName ? (own?.uses[`models.${modelName}`] as { model?: string; provider?: string } | undefined) : undefined;
    const what = identity?.model ?? identity?.provider;
    out.push({
      fingerprint: fp,
      stage: node.stage,
      label: node.label,
      model: what ? `${modelName} (${what})` : (modelName ?? null),
      expansions: [...rows]
        .sort((a, b) => a.sample - b.sample)
        .map((g) => ({
          sample: g.sample,
          ...cut(g.text),
          feedback: scored.flatMap((x) => {
            const r = x.rows.get(g.sample);
            return r ? [{ feedback: x.feedback, measure: x.measure, value: r.value, baseline: r.baseline }] : [];
          }),
        })),
    });
  }
  return out;
}

export async function queryDetail(
  s: Session,
  model: ExperimentModel,
  data: StageData,
  datasetParam: string | undefined,
  qid: string,
  store: StoreState,
): Promise<QueryDetail> {
  const dataset = requireDataset(model, datasetParam);
  const topics = await data.topics(model, dataset);
  const i = topics.findIndex((t) => t.qid === qid);
  const generations = await generateGroups(
    s,
    model,
    data,
    nodesOf(model, 'generate', dataset).map((n) => n.fingerprint),
    qid,
  );
  const alone: QueryDetail['alone'] = [];
  for (const f of nodesOf(model, 'feedback', dataset)) {
    const r = (await data.feedback(s, model, f.fingerprint)).get(qid)?.[0];
    if (r) alone.push({ feedback: f.label, measure: measureOf(model, f.fingerprint), value: r.baseline });
  }
  const pairs: PairGroup[] = [];
  for (const p of nodesOf(model, 'pairs')) {
    const fbFp = feedbackOfPairs(p);
    const fbNode = fbFp ? model.nodes.get(fbFp) : undefined;
    if (fbNode?.dataset !== dataset) continue;
    const pools = poolsOf(fbNode);
    const poolLabel = (pool: string) => model.nodes.get(pools.get(pool) ?? '')?.label ?? pool;
    const side = (x: { pool: string; sample: number; text: string; value: number }) => ({
      pool: poolLabel(x.pool),
      sample: x.sample,
      value: x.value,
      ...cut(x.text),
    });
    const list = (await data.pairs(model, p.fingerprint)).get(qid) ?? [];
    if (model.records.get(p.fingerprint)?.status !== 'done') continue;
    pairs.push({
      fingerprint: p.fingerprint,
      stage: p.stage,
      label: p.label,
      pairs: list.map((x) => ({ chosen: side(x.chosen), rejected: side(x.rejected), delta: x.delta })),
    });
  }
  const rows = (model.report?.rows ?? []).flatMap((r, id) => {
    const cells = r.cells.get(dataset);
    if (!cells) return [];
    const values: Record<string, number> = {};
    for (const [m, c] of cells) {
      const v = c.perQuery.get(qid);
      if (v !== undefined) values[m] = v;
    }
    return Object.keys(values).length ? [{ label: r.label, values, searchedWith: searchedWith(model, id, dataset) }] : [];
  });
  if (i < 0 && generations.every((g) => g.expansions.length === 0) && rows.length === 0)
    throw new ApiError(404, `no query '${qid}' in dataset ${dataset}`);
  return {
    store,
    dataset,
    qid,
    query: topics[i]?.text ?? null,
    prev: topics[i - 1]?.qid ?? null,
    next: i >= 0 ? (topics[i + 1]?.qid ?? null) : null,
    alone,
    generations,
    pairs,
    rows,
  };
}

function rowCell(model: ExperimentModel, id: number, dataset: string, measure: string): { label: string; cell: Cell } {
  const row = model.report?.rows[id];
  if (!row) throw new ApiError(404, `no report row ${id} (the experiment has ${model.report?.rows.length ?? 0})`);
  const cell = row.cells.get(dataset)?.get(measure);
  if (!cell) throw new ApiError(404, `row '${row.label}' has no ${measure} on ${dataset} (not run yet, or not measured)`);
  return { label: row.label, cell };
}

/** Every query's B − A, ascending, at most `n` of them evenly spread (first and last kept). */
function sample(values: number[], n: number): number[] {
  if (values.length <= n) return values;
  return Array.from({ length: n }, (_, i) => values[Math.round((i * (values.length - 1)) / (n - 1))] as number);
}

const outcomeOf = (d: number): Outcome => (d > 0 ? 'better' : d < 0 ? 'worse' : 'same');

export async function compareRows(
  model: ExperimentModel,
  data: StageData,
  q: { a: number; b: number; dataset: string; measure: string; outcome?: string },
  p: PageParams,
): Promise<Omit<Compare, 'store'>> {
  const A = rowCell(model, q.a, q.dataset, q.measure);
  const B = rowCell(model, q.b, q.dataset, q.measure);
  const text = new Map((await data.topics(model, q.dataset)).map((t) => [t.qid, t.text]));
  const all: CompareItem[] = [];
  for (const [qid, a] of A.cell.perQuery) {
    const b = B.cell.perQuery.get(qid);
    if (b !== undefined) all.push({ qid, query: text.get(qid) ?? '', a, b, delta: b - a });
  }
  const counts: Record<Outcome, number> = { better: 0, same: 0, worse: 0 };
  for (const x of all) counts[outcomeOf(x.delta)] += 1;
  if (q.outcome && !['better', 'same', 'worse', 'all'].includes(q.outcome))
    throw new ApiError(400, 'outcome must be better, same, worse or all');
  const match = matches(p.search);
  const kept = all.filter((x) => (!q.outcome || q.outcome === 'all' || outcomeOf(x.delta) === q.outcome) && match(x.qid, x.query));
  const mean = (f: (x: CompareItem) => number) => (all.length ? all.reduce((s, x) => s + f(x), 0) / all.length : null);
  return {
    ...sortAndPage(kept, p, { qid: (x) => x.qid, query: (x) => x.query, a: (x) => x.a, b: (x) => x.b, delta: (x) => x.delta }, 'delta'),
    a: A.label,
    b: B.label,
    dataset: q.dataset,
    measure: q.measure,
    counts,
    meanA: mean((x) => x.a),
    meanB: mean((x) => x.b),
    deltas: sample(
      all.map((x) => x.delta).sort((x, y) => x - y),
      1000,
    ),
  };
}

/**
 * The generate stages whose expansions a report row's run used on a dataset (evaluate ← retrieve
 * ← generate), and the retrieve stage's formulation: its own, else the experiment's.
 */
function rowGenerates(model: ExperimentModel, id: number, dataset: string): { fps: string[]; formulation: RowExpansions['formulation'] } {
  const ev = model.rowEvaluates[id]?.get(dataset);
  const dag = model.dag;
  const fps: string[] = [];
  let formulation: RowExpansions['formulation'] = null;
  if (!ev || !dag) return { fps, formulation };
  for (const run of Object.values(dag.nodes.get(ev)?.inputs ?? {})) {
    const node = dag.nodes.get(run);
    const gens = Object.values(node?.inputs ?? {}).filter((fp) => dag.nodes.get(fp)?.kind === 'generate');
    for (const fp of gens) if (!fps.includes(fp)) fps.push(fp);
    const own = (node?.resolved.own ?? {}) as { formulation?: unknown };
    const f = (own.formulation ?? node?.resolved.uses['retrieval.formulation']) as
      | { mode?: string; repeat_query?: number; concat?: number }
      | undefined;
    if (gens.length && f?.mode)
      formulation = { mode: f.mode, repeatQuery: f.repeat_query ?? 0, concat: f.mode === 'none' ? 0 : (f.concat ?? 1) };
  }
  return { fps, formulation };
}

/** Which generated expansions a row's run searched with, in a few words ('–': none). */
function searchedWith(model: ExperimentModel, id: number, dataset: string): string {
  const { fps, formulation: f } = rowGenerates(model, id, dataset);
  if (fps.length === 0) return '–';
  if (f?.mode === 'none') return 'the query alone (formulation mode none)';
  const labels = fps.map((fp) => model.nodes.get(fp)?.label ?? fp.slice(0, 12)).join(', ');
  const n = f?.concat ?? 1;
  return `${labels} · ${n === 1 ? 'first sample' : `first ${n} samples`}`;
}

export async function compareQuery(
  s: Session,
  model: ExperimentModel,
  data: StageData,
  q: { a: number; b: number; dataset: string; measure: string },
  qid: string,
  store: StoreState,
): Promise<CompareQuery> {
  const side = async (id: number): Promise<RowExpansions> => {
    const { label, cell } = rowCell(model, id, q.dataset, q.measure);
    const { fps, formulation } = rowGenerates(model, id, q.dataset);
    return { label, value: cell.perQuery.get(qid) ?? null, generations: await generateGroups(s, model, data, fps, qid), formulation };
  };
  const topics = await data.topics(model, q.dataset);
  return { store, qid, query: topics.find((t) => t.qid === qid)?.text ?? null, a: await side(q.a), b: await side(q.b) };
}
