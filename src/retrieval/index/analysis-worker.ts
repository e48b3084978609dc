import { parentPort, workerData } from 'node:worker_threads';
import { getAnalyzer } from '../analysis/analyzers.js';

/** Analyzes batches of document texts for the index builder: per document, distinct terms with frequencies and the length. */
const analyzer = getAnalyzer((workerData as { analyzer: string }).analyzer);

parentPort?.on('message', (batch: { id: number; texts: string[] } | null) => {
  if (batch === null) {
    parentPort?.close();
    return;
  }
  parentPort?.postMessage({ id: batch.id, docs: batch.texts.map(analyzeDoc) });
});

function analyzeDoc(text: string): { terms: string[]; tfs: number[]; length: number } {
  const tokens = analyzer.analyze(text);
  const tf = new Map<string, number>();
  for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
  return { terms: [...tf.keys()], tfs: [...tf.values()], length: tokens.length };
}
