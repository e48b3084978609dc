import { readCorpus } from '../data/corpus.js';
import { readQrels } from '../data/qrels.js';
import { readTopics } from '../data/topics.js';
import type { Exemplar } from './prompt.js';
import { readPool } from './recorded.js';

/** A dataset's files, for a pool drawn from its judged queries. */
export interface PoolDataset {
  queries: string;
  qrels: string;
  corpus: string;
}

/** The few-shot pool of a prompt: its `examples.pool` file (absolute path), else a dataset's judged queries. */
export async function fewShotPool(source: { file: string } | { dataset: PoolDataset }): Promise<Exemplar[]> {
  if ('file' in source) return readPool(source.file);
  const d = source.dataset;
  return poolFromDataset(d.queries, d.qrels, d.corpus);
}

/** Each judged query of a dataset with the text of its first relevant document (by document id). */
export async function poolFromDataset(queriesPath: string, qrelsPath: string, corpusPath: string): Promise<Exemplar[]> {
  const topics = await readTopics(queriesPath);
  const qrels = await readQrels(qrelsPath);
  const wanted = new Map<string, string>(); // docid → qid
  const relevantOf = new Map<string, string>();
  for (const t of topics) {
    const judged = qrels.get(t.qid);
    if (!judged) continue;
    const first = [...judged].filter(([, grade]) => grade >= 1).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))[0];
    if (!first) continue;
    relevantOf.set(t.qid, first[0]);
    wanted.set(first[0], t.qid);
  }
  const passages = new Map<string, string>();
  for await (const d of readCorpus(corpusPath)) if (wanted.has(d.id)) passages.set(d.id, d.text);
  const out: Exemplar[] = [];
  for (const t of topics) {
    const doc = relevantOf.get(t.qid);
    const passage = doc === undefined ? undefined : passages.get(doc);
    if (passage !== undefined) out.push({ id: t.qid, query: t.text, passage });
  }
  return out;
}
