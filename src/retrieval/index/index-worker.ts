import { parentPort, workerData } from 'node:worker_threads';
import { type Analyzer, getAnalyzer } from '../analysis/analyzers.js';
import { Inverter, type ThreadDictionary } from './inverter.js';
import { type MergeJob, mergeClaimed } from './merge-postings.js';
import { type RemappedVectors, remapVectors } from './term-vectors.js';

/** What the builder asks of an indexing thread, in order: batches, finish, then vectors and merge (the parts it claims). */
export type IndexerRequest =
  | { type: 'batch'; first: number; texts: string[] }
  | { type: 'finish' }
  | { type: 'merge'; job: MergeJob }
  | { type: 'vectors'; remap: Int32Array; out: string; sums: boolean };

export type IndexerReply = Int32Array | ThreadDictionary | number | RemappedVectors;

/** Carries out one request on a thread's inverter (in a worker, or inline with one thread). */
export function serve(inverter: Inverter, analyzer: Analyzer, req: IndexerRequest): IndexerReply {
  switch (req.type) {
    case 'batch':
      return inverter.addBatch(req.first, req.texts, analyzer);
    case 'finish':
      return inverter.finish();
    case 'merge':
      return mergeClaimed(req.job);
    case 'vectors':
      return remapVectors(inverter.vectorsPath, req.remap, req.out, req.sums);
  }
}

if (parentPort && workerData?.qexpIndexer) {
  const job = workerData as {
    analyzer: string;
    dir: string;
    prefix: string;
    budget: number;
    vectors: boolean;
    answered: Int32Array;
    t: number;
  };
  const analyzer = getAnalyzer(job.analyzer);
  const inverter = new Inverter(job.dir, job.prefix, job.budget, undefined, job.vectors);
  const port = parentPort;
  port.on('message', (m: { id: number; req: IndexerRequest } | null) => {
    if (m === null) {
      port.close();
      return;
    }
    try {
      const reply = serve(inverter, analyzer, m.req);
      Atomics.add(job.answered, job.t, 1);
      // copied, not transferred: the first buffer a thread detaches makes V8 check every typed
      // array access of its optimised code for detachment from then on (the analysis ran 15-19%
      // slower after one), and copying the largest reply, a dictionary, takes milliseconds
      port.postMessage({ id: m.id, reply });
    } catch (err) {
      Atomics.add(job.answered, job.t, 1);
      port.postMessage({ id: m.id, error: (err as Error).stack ?? String(err) });
    }
  });
}
