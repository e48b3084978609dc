import { Worker } from 'node:worker_threads';
import type { Topic } from '../../data/topics.js';
import type { SearchJob } from './search-worker.js';

/**
 * Searches topics on several threads (each opens the index), in batches, and returns the run
 * lines in topic order whatever order the threads finish in.
 */
export async function batchSearch(
  job: SearchJob,
  topics: Topic[],
  threads: number,
  onProgress?: (done: number) => void,
  batchSize = 16,
): Promise<string[]> {
  const batches: Topic[][] = [];
  for (let i = 0; i < topics.length; i += batchSize) batches.push(topics.slice(i, i + batchSize));
  const results: string[][] = new Array(batches.length);
  let next = 0;
  let done = 0;
  const workerUrl = new URL('./search-worker.js', import.meta.url);
  const run = (worker: Worker) =>
    new Promise<void>((resolve, reject) => {
      const feed = () => {
        if (next >= batches.length) {
          worker.postMessage(null);
          return;
        }
        const id = next++;
        worker.postMessage({ id, topics: batches[id] });
      };
      worker.on('message', (m: { id: number; lines: string[] }) => {
        results[m.id] = m.lines;
        done += m.lines.length;
        onProgress?.(done);
        feed();
      });
      worker.on('error', reject);
      worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`search thread exited with code ${code}`))));
      feed();
    });
  const workers = Array.from({ length: Math.max(1, Math.min(threads, batches.length)) }, () => new Worker(workerUrl, { workerData: job }));
  await Promise.all(workers.map(run));
  return results.flat();
}
