import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Doc } from '../../data/corpus.js';
import type { Analyzer } from '../analysis/analyzers.js';

export interface AnalyzedDoc {
  id: string;
  terms: string[];
  tfs: number[];
  length: number;
}

const BATCH = 1000;

function analyzeInline(analyzer: Analyzer, doc: Doc): AnalyzedDoc {
  const tokens = analyzer.analyze(doc.text);
  const tf = new Map<string, number>();
  for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
  return { id: doc.id, terms: [...tf.keys()], tfs: [...tf.values()], length: tokens.length };
}

/**
 * Analyzes documents in corpus order, on `threads` worker threads when more than one (analysis is
 * the costly part of indexing), keeping at most two batches per thread in flight.
 */
export async function* analyzeDocs(docs: AsyncIterable<Doc>, analyzer: Analyzer, threads: number): AsyncGenerator<AnalyzedDoc> {
  const url = new URL('./analysis-worker.js', import.meta.url);
  if (threads <= 1 || !existsSync(fileURLToPath(url))) {
    for await (const d of docs) yield analyzeInline(analyzer, d);
    return;
  }
  const workers = Array.from({ length: threads }, () => new Worker(url, { workerData: { analyzer: analyzer.name } }));
  const pending = new Map<number, { resolve: (v: Omit<AnalyzedDoc, 'id'>[]) => void; reject: (e: Error) => void }>();
  for (const w of workers) {
    w.on('message', (m: { id: number; docs: Omit<AnalyzedDoc, 'id'>[] }) => {
      pending.get(m.id)?.resolve(m.docs);
      pending.delete(m.id);
    });
    w.on('error', (err) => {
      for (const p of pending.values()) p.reject(err);
    });
  }
  const queue: { ids: string[]; result: Promise<Omit<AnalyzedDoc, 'id'>[]> }[] = [];
  let nextId = 0;
  const send = (batch: Doc[]) => {
    const id = nextId++;
    const result = new Promise<Omit<AnalyzedDoc, 'id'>[]>((resolve, reject) => pending.set(id, { resolve, reject }));
    (workers[id % workers.length] as Worker).postMessage({ id, texts: batch.map((d) => d.text) });
    queue.push({ ids: batch.map((d) => d.id), result });
  };
  try {
    let batch: Doc[] = [];
    for await (const d of docs) {
      batch.push(d);
      if (batch.length < BATCH) continue;
      send(batch);
      batch = [];
      while (queue.length >= 2 * threads) {
        const head = queue.shift() as (typeof queue)[number];
        const out = await head.result;
        for (let i = 0; i < out.length; i++) yield { id: head.ids[i] as string, ...(out[i] as Omit<AnalyzedDoc, 'id'>) };
      }
    }
    if (batch.length) send(batch);
    while (queue.length) {
      const head = queue.shift() as (typeof queue)[number];
      const out = await head.result;
      for (let i = 0; i < out.length; i++) yield { id: head.ids[i] as string, ...(out[i] as Omit<AnalyzedDoc, 'id'>) };
    }
  } finally {
    for (const w of workers) await w.terminate();
  }
}
