import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { corpusMeter, estimateDocs } from '../data/corpus.js';
import { getAnalyzer } from '../retrieval/analysis/analyzers.js';
import { buildCorpusIndex } from '../retrieval/index/build-process.js';
import { defineStage, input, type Json, uses } from './contract.js';
import { StringEnum } from './schema-parts.js';
import { ANALYZER } from './settings.js';

/** `index`: a BM25 index of a corpus (another stage's output), with the declared analyzer and norms. */
export const indexStage = defineStage({
  kind: 'index',
  version: 5,
  title: 'Builds a BM25 index.',
  description: 'Builds a BM25 index of a corpus (format v3; see README).',
  inputs: {
    corpus: input({
      accepts: 'corpus',
      output: 'corpus',
      description: 'Stage whose output `corpus` is the collection (a dataset stage), or `STAGE.OUTPUT`.',
      hint: '; give the dataset a corpus',
    }),
  },
  settings: { analyzer: uses(ANALYZER) },
  properties: {
    norms: Type.Optional(
      StringEnum(['lucene', 'exact'], {
        description: 'Document lengths: `lucene` (one byte, SmallFloat, as Anserini) or `exact`.',
        default: 'lucene',
      }),
    ),
    vectors: Type.Optional(
      Type.Boolean({
        description:
          "Whether to store the documents' term vectors, which RM3 (`retrieve` with `rm3`, `prf` rm3-terms) reads. `false`: an index about half the size, built faster, that only plain BM25 can search.",
        default: true,
      }),
    ),
  },
  outputs: { index: 'index' },

  // the analyzer's settings (its tokenizer's Unicode rules among them): an index built by other analysis is other work
  resolve: (scope, decl) => ({
    own: {
      norms: decl.norms ?? 'lucene',
      analysis: getAnalyzer(decl.analyzer ?? scope.doc.retrieval.analyzer).params as Json,
      // only when left out, so that the indexes built before it keep their fingerprints
      ...(decl.vectors === false ? { vectors: false } : {}),
    },
  }),

  async run(ctx) {
    const out = join(ctx.tmpDir, 'index');
    const t0 = Date.now();
    // the corpus's size in documents is not stored: estimated from the share of its bytes read
    const meter = corpusMeter(ctx.input.corpus);
    const meta = await buildCorpusIndex(ctx.input.corpus, ctx.settings.analyzer, out, {
      meter,
      signal: ctx.signal,
      norms: ctx.own.norms === 'exact' ? 'exact' : 'lucene-byte4',
      vectors: (ctx.own as { vectors?: boolean }).vectors !== false,
      onProgress: (n) => ctx.progress(n, estimateDocs(meter, n), 'docs', undefined, meter.read < meter.total),
      onStep: (step) => ctx.step(step),
    });
    ctx.log(
      `indexed ${meta.docCount} documents in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${meta.numTerms} unique terms, ${meta.sumTotalTermFreq} total terms${meta.vectors === false ? ', no term vectors' : ''}`,
    );
    return { index: { path: out, managed: true } };
  },
});
