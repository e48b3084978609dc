// One side of group-ab.mjs: a built checkout's `rankTopics` over one group of queries, in a process
// of its own (its own heap, its own garbage collections), timed when the parent asks.
//
//   node bench/lib/group-ab-child.mjs ROOT INDEX_DIR K TEXTS_JSON   (forked, with an IPC channel)
//
// Replies to 'check' with a digest of the hits and scores, and to 'run' with the pass's CPU time
// (this process's, collector threads included) and wall time in ms.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [root, dir, kArg, textsFile] = process.argv.slice(2);
const { IndexReader } = await import(`${root}/dist/retrieval/index/read-index.js`);
const { Bm25Searcher } = await import(`${root}/dist/retrieval/search/search.js`);
const { rankTopics } = await import(`${root}/dist/retrieval/search/search-protocol.js`);
const { getAnalyzer } = await import(`${root}/dist/retrieval/analysis/analyzers.js`);
const texts = JSON.parse(readFileSync(textsFile, 'utf8'));
const searcher = new Bm25Searcher(new IndexReader(IndexReader.load(dir, false)), { k1: 0.9, b: 0.4, hits: Number(kArg) });
const analyzer = getAnalyzer('whitespace');

process.on('message', (m) => {
  if (m === 'check') {
    const ranked = rankTopics(searcher, analyzer, texts);
    const digest = createHash('sha256');
    for (const r of ranked) digest.update(JSON.stringify([Array.from(r.docs), Array.from(r.scores)]));
    process.send({ digest: digest.digest('hex') });
  } else if (m === 'run') {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    rankTopics(searcher, analyzer, texts);
    const wall = performance.now() - t0;
    const c = process.cpuUsage(c0);
    process.send({ cpu: (c.user + c.system) / 1000, wall });
  } else process.exit(0);
});
process.send({ ready: true });
