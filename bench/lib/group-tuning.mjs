// Group scoring under different tunings, side by side: one group of the bench's expanded queries
// scored by `groupTopK` with each tuning in turn, round after round in one process (alternate.mjs:
// this machine's speed drifts by tens of per cent within minutes), in CPU time.
// Prints each tuning's queries/s (median and best of the rounds) and its ratio to the first (of the
// best rounds, and paired round by round), after checking that every tuning returns the first one's
// hits and scores.
//
//   node bench/lib/group-tuning.mjs INDEX_DIR [K=10] [ROUNDS=7] [GROUP=2048] [TUNING ...]
//
// TUNING: `name=value,...` over groupTopK's options (window, densePerWindow, span, prune, heads,
// candidateCost, pruneUpToK), e.g. `prune=0` (no pruning) against `heads=64`; default `prune=0` and the defaults.
// QUERIES=feedback (environment) scores feedback-speed.mjs's candidates instead of the expanded queries.
// INDEX_DIR: the bench corpus indexed with the whitespace analyzer, e.g.
// `npx qexp index bench/.data/synthetic-1000000.tsv --out /tmp/idx1m --analyzer whitespace`.
import { groupTopK } from '../../dist/retrieval/search/group-search.js';
import { alternate, fmtRatio, ratio } from './alternate.mjs';
import { groupQueries } from './group-queries.mjs';

const [dir, kArg = '10', roundsArg = '7', groupArg = '2048', ...specs] = process.argv.slice(2);
if (!dir) throw new Error('usage: node bench/lib/group-tuning.mjs INDEX_DIR [K] [ROUNDS] [GROUP] [TUNING ...]');
const k = Number(kArg);
const which = process.env.QUERIES ?? 'expanded';
const group = Number(groupArg);
const tunings = (specs.length ? specs : ['prune=0', '']).map((spec) => ({
  spec: spec || 'defaults',
  options: Object.fromEntries(
    spec
      .split(',')
      .filter(Boolean)
      .map((kv) => {
        const [name, value] = kv.split('=');
        return [name, Number(value)];
      }),
  ),
}));
const { reader, searcher, queries, exact } = groupQueries(dir, k, group, which);

const run = (options) => {
  const before = process.cpuUsage();
  const tops = groupTopK(queries, k, searcher.kernelNorms, reader.docOrder, exact, searcher.niOfNorm, options);
  const used = process.cpuUsage(before);
  return { ms: (used.user + used.system) / 1e3, tops };
};
const hits = (tops) => JSON.stringify(tops.map((top) => top.sorted().map((h) => [h.doc, h.score])));
const first = hits(run(tunings[0].options).tops);
for (const t of tunings.slice(1)) {
  if (hits(run(t.options).tops) !== first) throw new Error(`tuning ${t.spec}: hits differ from ${tunings[0].spec}'s`);
}
const got = await alternate(
  tunings.map((t) => ({ key: t.spec, count: group, run: async () => run(t.options).ms })),
  Number(roundsArg),
);
const base = got[tunings[0].spec];
console.log(`${group} ${which} queries, top-${k}, ${reader.meta.docCount} passages; ${roundsArg} alternating rounds, CPU time`);
console.table(
  tunings.map((t) => {
    const g = got[t.spec];
    return {
      tuning: t.spec,
      'median queries/s': g.median.toFixed(0),
      'best queries/s': g.best.toFixed(0),
      'vs first': fmtRatio(ratio(g, base)),
    };
  }),
);
