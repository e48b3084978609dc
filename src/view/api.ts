import { statSync } from 'node:fs';
import { isAbsolute, relative } from 'node:path';
import { readPairSummary } from '../artifacts/pairs.js';
import { loadExperiment } from '../dag/load-experiment.js';
import { redact } from '../llm/redact.js';
import { StoreBusyError } from '../store/store-busy.js';
import { LlmData } from './llm.js';
import { type ExperimentModel, modelFromFile, modelFromStore, runInfo } from './model.js';
import { ApiError, compareQuery, compareRows, listQueries, type PageParams, queryDetail } from './queries.js';
import { StageData } from './stage-data.js';
import { type Session, StoreAccess } from './store-access.js';
import type { ExperimentSummary, ExperimentView, StageDetail, StoreState } from './types.js';

export { ApiError } from './queries.js';

export interface ViewerOptions {
  store: string;
  /** Experiment files to show; without them, every experiment the store holds. */
  files?: string[];
  /** `-S` settings applied over the files. */
  set?: readonly string[];
}

/** Most rows a page of a list may ask for. */
export const MAX_LIMIT = 500;

/** Environment variables that look like credentials: their values never leave the server, whatever declared them. */
const SECRET_NAME = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH/i;

interface ExperimentRef {
  name: string;
  file: string;
  description: string | null;
  variants: { name: string; overrides: unknown }[];
}

/** A path as the page shows it: relative to where `qexp view` was started when it lies below, as the command line printed it. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function fileStamp(file: string): string {
  try {
    return String(statSync(file).mtimeMs);
  } catch {
    return 'missing';
  }
}

/**
 * What the viewer's API answers, from the store (opened read-only for each request that needs
 * it, never held between requests) and the experiment files. Experiment models are rebuilt when
 * the store or the file changes; a store another process holds is answered from what was read
 * before, marked stale.
 */
export class Viewer {
  private readonly access: StoreAccess;
  private readonly data = new StageData();
  private readonly llm = new LlmData();
  private readonly hashes = new Map<string, string>();
  private readonly models = new Map<string, { key: string; model: ExperimentModel }>();
  private refs: { key: string; list: ExperimentRef[] } | undefined;
  private stale: string | null = null;

  constructor(private readonly opts: ViewerOptions) {
    this.access = new StoreAccess(opts.store);
  }

  storeState(): StoreState {
    return { path: shown(this.access.path), stale: this.stale };
  }

  /** Values of the secrets the experiments' providers name, and of any credential-like variable. */
  secrets(): string[] {
    const names = new Set<string>();
    for (const { model } of this.models.values()) for (const n of model.secretEnv) names.add(n);
    for (const n of Object.keys(process.env)) if (SECRET_NAME.test(n)) names.add(n);
    return [...names].map((n) => process.env[n] ?? '').filter((v) => v.length >= 8);
  }

  /** Every string in a response, keys too, with secrets removed. */
  redact<T>(value: T): T {
    const secrets = this.secrets();
    if (secrets.length === 0) return value;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return redact(v, secrets);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [redact(k, secrets), walk(x)]));
      return v;
    };
    return walk(value) as T;
  }

  /** Runs a request against the store; a store held by a writer is answered from before (or 503 if nothing was read yet). */
  private async withStore<T>(fn: (s: Session) => Promise<T>): Promise<T> {
    try {
      const out = await this.access.session(fn);
      return out;
    } catch (err) {
      if (err instanceof StoreBusyError) throw new ApiError(503, err.message);
      throw err;
    }
  }

  private async experimentRefs(s: Session): Promise<ExperimentRef[]> {
    const key = `${this.access.version()}|${(this.opts.files ?? []).map(fileStamp).join(',')}`;
    if (this.refs?.key === key) return this.refs.list;
    let list: ExperimentRef[];
    if (this.opts.files?.length) {
      list = this.opts.files.map((file) => {
        const exp = loadExperiment(file, { set: this.opts.set });
        return { name: exp.doc.name, file: exp.file, description: exp.doc.description ?? null, variants: [] };
      });
    } else if (!this.access.exists()) list = [];
    else list = (await (await s.store()).experiments()).map((e) => ({ ...e, description: e.description ?? null }));
    this.refs = { key, list };
    return list;
  }

  private async model(s: Session, name: string): Promise<ExperimentModel> {
    const cached = this.models.get(name);
    let refs: ExperimentRef[];
    try {
      refs = await this.experimentRefs(s);
    } catch (err) {
      if (err instanceof StoreBusyError && cached) return this.markStale(err, cached.model);
      throw err;
    }
    const ref = refs.find((r) => r.name === name);
    if (!ref) throw new ApiError(404, `no experiment '${name}' in ${this.access.path}`);
    const key = `${this.access.version()}|${fileStamp(ref.file)}`;
    if (cached?.key === key) return cached.model;
    try {
      const store = this.access.exists() ? await s.store() : undefined;
      let model: ExperimentModel;
      try {
        model = await modelFromFile(ref.file, store, { set: this.opts.files?.length ? this.opts.set : [], hashes: this.hashes });
      } catch (err) {
        if (err instanceof StoreBusyError || !store || this.opts.files?.length) throw err;
        const why = (err as Error).message.split('\n')[0];
        model = await modelFromStore(ref, store, `${ref.file} could not be read (${why}): the store's records only, without the plan`);
      }
      this.models.set(name, { key, model });
      this.stale = null;
      return model;
    } catch (err) {
      if (err instanceof StoreBusyError && cached) return this.markStale(err, cached.model);
      throw err;
    }
  }

  private markStale(err: StoreBusyError, model: ExperimentModel): ExperimentModel {
    this.stale = `${err.message.split('. ')[0]}: showing what it held when last read`;
    return model;
  }

  experiments(): Promise<{ store: StoreState; items: ExperimentSummary[] }> {
    return this.withStore(async (s) => {
      const items: ExperimentSummary[] = [];
      for (const ref of await this.experimentRefs(s)) {
        const m = await this.model(s, ref.name);
        const states: ExperimentSummary['states'] = {};
        for (const r of m.stageRows) states[r.state] = (states[r.state] ?? 0) + 1;
        items.push({
          name: m.name,
          description: m.description,
          file: shown(m.file),
          variants: m.variants.length,
          states,
          lastRun: m.runs[0] ? runInfo(m.runs[0]) : null,
          problem: m.problem,
        });
      }
      return { store: this.storeState(), items };
    });
  }

  experiment(name: string): Promise<ExperimentView> {
    return this.withStore(async (s) => {
      const m = await this.model(s, name);
      const datasets = [];
      for (const d of m.datasets.keys()) {
        const t = await this.data.topics(m, d);
        datasets.push({ name: d, queries: m.datasets.get(d) ? t.length : null });
      }
      return {
        store: this.storeState(),
        name: m.name,
        description: m.description,
        file: shown(m.file),
        problem: m.problem,
        variants: m.variants,
        stages: m.stageRows,
        runs: m.runs.slice(0, 20).map(runInfo),
        datasets,
        rows: (m.report?.rows ?? []).map((r, id) => ({
          id,
          label: r.label,
          measures: Object.fromEntries([...r.cells].map(([d, cells]) => [d, [...cells.keys()]])),
        })),
        missing: m.report?.missing ?? [],
      };
    });
  }

  stage(name: string, fp: string): Promise<StageDetail> {
    return this.withStore(async (s) => {
      const m = await this.model(s, name);
      const rows = m.stageRows.filter((r) => r.fingerprint === fp);
      const rec = m.records.get(fp);
      if (rows.length === 0 && !rec) throw new ApiError(404, `no stage ${fp} in experiment ${name}`);
      const node = m.nodes.get(fp);
      const kind = node?.kind ?? rec?.kind ?? rows[0]?.kind ?? '?';
      let summary: unknown = null;
      if (rec?.status === 'done') summary = await this.summaryOf(s, m, fp, kind);
      return {
        store: this.storeState(),
        experiment: m.name,
        fingerprint: fp,
        stage: node?.stage ?? rec?.stage ?? rows[0]?.stage ?? '?',
        kind,
        label: node?.label ?? rec?.stage ?? '?',
        uses: rows.map((r) => ({ variant: r.variant, stage: r.stage })),
        state: rows[0]?.state ?? 'pending',
        status: rec?.status ?? null,
        reasons: rows[0]?.reasons ?? [],
        error: rec?.error ?? null,
        startedAt: rec?.startedAt ?? null,
        finishedAt: rec?.finishedAt ?? null,
        durationMs: rec?.durationMs ?? null,
        logPath: rec?.logPath ?? null,
        runId: rec?.runId ?? null,
        config: rec?.config ?? m.dag?.nodes.get(fp)?.parts.config ?? null,
        artifacts: (m.artifacts.get(fp) ?? []).map((a) => ({ name: a.name, path: a.path, bytes: a.bytes, managed: a.managed })),
        inputs: node?.inputs ?? (rec?.parts as { inputs?: Record<string, string> } | undefined)?.inputs ?? {},
        llm: kind === 'generate' ? await this.llm.summary(s, m, fp) : null,
        summary,
      };
    });
  }

  private async summaryOf(s: Session, m: ExperimentModel, fp: string, kind: string): Promise<unknown> {
    if (kind === 'pairs') {
      const path = m.artifacts.get(fp)?.find((a) => a.name === 'summary')?.path;
      return path ? await readPairSummary(path) : null;
    }
    if (kind === 'feedback') {
      const pools = new Map<string, { candidates: number; sum: number; base: number; better: number }>();
      for (const rows of (await this.data.feedback(s, m, fp)).values())
        for (const r of rows) {
          const p = pools.get(r.pool) ?? { candidates: 0, sum: 0, base: 0, better: 0 };
          pools.set(r.pool, p);
          p.candidates += 1;
          p.sum += r.value;
          p.base += r.baseline;
          if (r.value > r.baseline) p.better += 1;
        }
      return {
        pools: [...pools].map(([pool, p]) => ({
          pool,
          candidates: p.candidates,
          mean: p.sum / p.candidates,
          meanAlone: p.base / p.candidates,
          betterThanAlone: p.better,
        })),
      };
    }
    if (kind === 'evaluate') {
      const rows = (await (await s.store()).metrics(fp)).filter((r) => r.qid === 'all');
      return { all: rows.map((r) => ({ dataset: r.dataset, measure: r.measure, value: r.value })) };
    }
    return null;
  }

  stageErrors(name: string, fp: string, p: PageParams) {
    return this.withStore(async (s) => this.llm.errors(s, await this.model(s, name), fp, p.offset, p.limit));
  }

  llmStages(name: string) {
    return this.withStore(async (s) => {
      const m = await this.model(s, name);
      const fps = [...new Set(m.stageRows.filter((r) => r.kind === 'generate').map((r) => r.fingerprint))];
      const items = [];
      for (const fp of fps) {
        const sum = await this.llm.summary(s, m, fp);
        if (sum) items.push(sum);
      }
      return { store: this.storeState(), items };
    });
  }

  queries(name: string, dataset: string | undefined, p: PageParams) {
    return this.withStore(async (s) => ({
      store: this.storeState(),
      ...(await listQueries(s, await this.model(s, name), this.data, dataset, p)),
    }));
  }

  query(name: string, dataset: string | undefined, qid: string) {
    return this.withStore(async (s) => queryDetail(s, await this.model(s, name), this.data, dataset, qid, this.storeState()));
  }

  compare(name: string, q: { a: number; b: number; dataset: string; measure: string; outcome?: string }, p: PageParams) {
    return this.withStore(async (s) => ({ store: this.storeState(), ...(await compareRows(await this.model(s, name), this.data, q, p)) }));
  }

  compareQuery(name: string, q: { a: number; b: number; dataset: string; measure: string }, qid: string) {
    return this.withStore(async (s) => compareQuery(s, await this.model(s, name), this.data, q, qid, this.storeState()));
  }
}
