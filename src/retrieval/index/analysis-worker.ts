import { parentPort, workerData } from 'node:worker_threads';
import { getAnalyzer } from '../analysis/analyzers.js';
import { packAnalyzed } from './analyze-docs.js';

/** Analyzes batches of document texts for the index builder and sends them back packed (see packAnalyzed). */
const analyzer = getAnalyzer((workerData as { analyzer: string }).analyzer);

parentPort?.on('message', (batch: { id: number; texts: string[] } | null) => {
  if (batch === null) {
    parentPort?.close();
    return;
  }
  const packed = packAnalyzed(batch.texts, analyzer);
  parentPort?.postMessage({ id: batch.id, ...packed }, [
    packed.counts.buffer as ArrayBuffer,
    packed.tfs.buffer as ArrayBuffer,
    packed.lengths.buffer as ArrayBuffer,
  ]);
});
