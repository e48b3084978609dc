import type { Workspace } from './workspace.js';

/**
 * A toy collection of n queries where each query's two relevant documents share words the query
 * lacks (`wIc wId`), and three non-relevant ones repeat the query's words: BM25 alone ranks the
 * wrong documents first, an expansion with the missing words fixes it. Writes data/queries.tsv,
 * data/qrels.txt, data/corpus.tsv, and replay files good.jsonl and bad.jsonl with the texts given.
 */
export function writeToyCollection(ws: Workspace, n: number, good: (i: number) => string, bad: (i: number) => string): void {
  const docs: string[] = [];
  const qrels: string[] = [];
  const queries: string[] = [];
  for (let i = 0; i < n; i++) {
    queries.push(`q${i}\tw${i}a w${i}b`);
    for (let k = 0; k < 2; k++) {
      docs.push(`r${i}${k}\tw${i}a w${i}c w${i}d filler${k} text`);
      qrels.push(`q${i} 0 r${i}${k} 1`);
    }
    for (let k = 0; k < 3; k++) docs.push(`x${i}${k}\tw${i}a w${i}b w${i}b other${k} words`);
  }
  ws.write('data/queries.tsv', `${queries.join('\n')}\n`);
  ws.write('data/qrels.txt', `${qrels.join('\n')}\n`);
  ws.write('data/corpus.tsv', `${docs.join('\n')}\n`);
  const replay = (f: (i: number) => string) =>
    Array.from({ length: n }, (_, i) => `${JSON.stringify({ qid: `q${i}`, text: f(i) })}\n`).join('');
  ws.write('good.jsonl', replay(good));
  ws.write('bad.jsonl', replay(bad));
}
