import { parentPort, workerData } from 'node:worker_threads';
import { getAnalyzer } from '../analysis/analyzers.js';
import { Inverter } from './inverter.js';

/**
 * One indexing thread: analyzes batches of documents and inverts them into its own runs; answers
 * each batch with the document lengths, and the end (null) with the files it wrote.
 */
const job = workerData as { analyzer: string; dir: string; prefix: string; budget: number };
const analyzer = getAnalyzer(job.analyzer);
const inverter = new Inverter(job.dir, job.prefix, job.budget);

parentPort?.on('message', (batch: { id: number; first: number; texts: string[] } | null) => {
  if (batch === null) {
    parentPort?.postMessage({ done: inverter.finish() });
    parentPort?.close();
    return;
  }
  const lengths = new Int32Array(batch.texts.length);
  batch.texts.forEach((text, i) => {
    const tokens = analyzer.analyze(text);
    const tf = new Map<string, number>();
    for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
    lengths[i] = tokens.length;
    inverter.add(batch.first + i, [...tf.keys()], [...tf.values()]);
  });
  parentPort?.postMessage({ id: batch.id, lengths }, [lengths.buffer]);
});
