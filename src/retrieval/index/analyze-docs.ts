import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Doc } from '../../data/corpus.js';
import type { Analyzer } from '../analysis/analyzers.js';

export interface AnalyzedDoc {
  id: string;
  terms: string[];
  tfs: ArrayLike<number>;
  length: number;
}

/** A batch analyzed: distinct terms of every document joined by newlines (no analyzer emits one inside a term), their counts, frequencies and lengths. */
export interface PackedBatch {
  terms: string;
  counts: Int32Array;
  tfs: Int32Array;
  lengths: Int32Array;
}

const BATCH = 1000;

/** Analyzes texts into one string and three typed arrays: cheap to send between threads. */
export function packAnalyzed(texts: string[], analyzer: Analyzer): PackedBatch {
  const termParts: string[] = [];
  const counts = new Int32Array(texts.length);
  const lengths = new Int32Array(texts.length);
  const tfList: number[] = [];
  texts.forEach((text, i) => {
    const tokens = analyzer.analyze(text);
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    counts[i] = tf.size;
    lengths[i] = tokens.length;
    for (const [t, n] of tf) {
      termParts.push(t);
      tfList.push(n);
    }
  });
  return { terms: termParts.join('\n'), counts, tfs: Int32Array.from(tfList), lengths };
}

function* unpack(ids: string[], b: PackedBatch): Generator<AnalyzedDoc> {
  const terms = b.terms === '' ? [] : b.terms.split('\n');
  let at = 0;
  for (let i = 0; i < ids.length; i++) {
    const n = b.counts[i] as number;
    yield { id: ids[i] as string, terms: terms.slice(at, at + n), tfs: b.tfs.subarray(at, at + n), length: b.lengths[i] as number };
    at += n;
  }
}

/**
 * Analyzes documents in corpus order, on `threads` worker threads when more than one (analysis is
 * the costly part of indexing), keeping at most two batches per thread in flight.
 */
export async function* analyzeDocs(docs: AsyncIterable<Doc>, analyzer: Analyzer, threads: number): AsyncGenerator<AnalyzedDoc> {
  const url = new URL('./analysis-worker.js', import.meta.url);
  if (threads <= 1 || !existsSync(fileURLToPath(url))) {
    let batch: Doc[] = [];
    for await (const d of docs) {
      batch.push(d);
      if (batch.length < BATCH) continue;
      yield* unpack(
        batch.map((x) => x.id),
        packAnalyzed(
          batch.map((x) => x.text),
          analyzer,
        ),
      );
      batch = [];
    }
    yield* unpack(
      batch.map((x) => x.id),
      packAnalyzed(
        batch.map((x) => x.text),
        analyzer,
      ),
    );
    return;
  }
  const workers = Array.from({ length: threads }, () => new Worker(url, { workerData: { analyzer: analyzer.name } }));
  const pending = new Map<number, { resolve: (v: PackedBatch) => void; reject: (e: Error) => void }>();
  for (const w of workers) {
    w.on('message', (m: PackedBatch & { id: number }) => {
      pending.get(m.id)?.resolve(m);
      pending.delete(m.id);
    });
    w.on('error', (err) => {
      for (const p of pending.values()) p.reject(err);
    });
  }
  const queue: { ids: string[]; result: Promise<PackedBatch> }[] = [];
  let nextId = 0;
  const send = (batch: Doc[]) => {
    const id = nextId++;
    const result = new Promise<PackedBatch>((resolve, reject) => pending.set(id, { resolve, reject }));
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
        yield* unpack(head.ids, await head.result);
      }
    }
    if (batch.length) send(batch);
    while (queue.length) {
      const head = queue.shift() as (typeof queue)[number];
      yield* unpack(head.ids, await head.result);
    }
  } finally {
    for (const w of workers) await w.terminate();
  }
}
