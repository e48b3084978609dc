import { statSync } from 'node:fs';
import { type PairRecord, readPairs } from '../artifacts/pairs.js';
import { readTopics } from '../data/topics.js';
import type { FeedbackRow, GenerationRow } from '../store/store.js';
import { LruCache } from './cache.js';
import type { ExperimentModel } from './model.js';
import type { Session } from './store-access.js';

/** Longest expansion text a response carries (LLM answers are far shorter; a runaway one is cut, and says so). */
export const MAX_TEXT = 50_000;

export const cut = (text: string) => ({ text: text.length > MAX_TEXT ? text.slice(0, MAX_TEXT) : text, truncated: text.length > MAX_TEXT });

function byQid<T extends { qid: string }>(rows: T[]): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const r of rows) {
    const list = out.get(r.qid);
    if (list) list.push(r);
    else out.set(r.qid, [r]);
  }
  return out;
}

const textSize = (m: Map<string, { text?: string }[]>) => {
  let n = 0;
  for (const list of m.values()) for (const r of list) n += 64 + (r.text?.length ?? 0);
  return n;
};

/**
 * Rows of done stages, grouped by query and kept by fingerprint (a stage's rows do not change
 * once it is done): generations and feedback from the store, pairs and topics from their files.
 */
export class StageData {
  private readonly gens = new LruCache<Map<string, GenerationRow[]>>(256e6, textSize);
  private readonly fb = new LruCache<Map<string, FeedbackRow[]>>(64e6, (m) => 64 * [...m.values()].reduce((a, l) => a + l.length, 0));
  private readonly pairRows = new LruCache<Map<string, PairRecord[]>>(256e6, (m) => {
    let n = 0;
    for (const list of m.values()) for (const p of list) n += 128 + p.chosen.text.length + p.rejected.text.length;
    return n;
  });
  private readonly topicFiles = new LruCache<{ qid: string; text: string }[]>(64e6, (t) => t.reduce((a, x) => a + 32 + x.text.length, 0));

  /** The stage's done record's stamp, or undefined when it has not completed. */
  private stamp(model: ExperimentModel, fp: string): string | undefined {
    const r = model.records.get(fp);
    return r?.status === 'done' ? `${fp}@${r.finishedAt}` : undefined;
  }

  async generations(s: Session, model: ExperimentModel, fp: string): Promise<Map<string, GenerationRow[]>> {
    const key = this.stamp(model, fp);
    if (!key) return new Map();
    return this.gens.get(key, async () => byQid(await (await s.store()).generations(fp)));
  }

  async feedback(s: Session, model: ExperimentModel, fp: string): Promise<Map<string, FeedbackRow[]>> {
    const key = this.stamp(model, fp);
    if (!key) return new Map();
    return this.fb.get(key, async () => byQid(await (await s.store()).feedback(fp)));
  }

  async pairs(model: ExperimentModel, fp: string): Promise<Map<string, PairRecord[]>> {
    const key = this.stamp(model, fp);
    const path = model.artifacts.get(fp)?.find((a) => a.name === 'pairs')?.path;
    if (!key || !path) return new Map();
    return this.pairRows.get(key, async () => byQid(await readPairs(path)));
  }

  /** A dataset's topics in file order (empty before its dataset stage ran). */
  async topics(model: ExperimentModel, dataset: string): Promise<{ qid: string; text: string }[]> {
    const path = model.datasets.get(dataset);
    if (!path) return [];
    let stamp: string;
    try {
      const st = statSync(path);
      stamp = `${path}@${st.size}:${st.mtimeMs}`;
    } catch {
      return [];
    }
    return this.topicFiles.get(stamp, () => readTopics(path));
  }
}
