import { join } from 'node:path';
import type { StageDecl } from '../config/types.js';
import { readCorpus } from '../data/corpus.js';
import { getAnalyzer } from '../retrieval/analysis/analyzers.js';
import { buildIndex } from '../retrieval/index/build-index.js';
import { checkOutputRef, splitStageRef, stageInput } from './output-ref.js';
import type { Resolved, RunContext, StageKind, StageOutput } from './stage-kind.js';

interface IndexStage extends StageDecl {
  kind: 'index';
  corpus: string;
  analyzer?: string;
  norms?: 'lucene' | 'exact';
}

/** `index`: a BM25 index of a corpus (another stage's output), with the declared analyzer and norms. */
export const indexStage: StageKind = {
  kind: 'index',
  version: 4,

  refs(decl) {
    const s = decl as IndexStage;
    return typeof s.corpus === 'string' ? [{ stage: splitStageRef(s.corpus, 'corpus').stage, ptr: '/corpus' }] : [];
  },

  check(scope, decl) {
    return checkOutputRef(scope, 'corpus', (decl as IndexStage).corpus, 'corpus', '; give the dataset a corpus');
  },

  outputs() {
    return ['index'];
  },

  resolve(scope, decl): Resolved {
    const s = decl as IndexStage;
    const ref = splitStageRef(s.corpus, 'corpus');
    const analyzer = s.analyzer ?? scope.doc.retrieval.analyzer;
    return {
      own: { corpus: `${ref.stage}.${ref.output}`, analyzer, norms: s.norms ?? 'lucene' },
      uses: s.analyzer ? {} : { 'retrieval.analyzer': scope.doc.retrieval.analyzer },
      files: [],
      outputs: ['index'],
      publish: {},
    };
  },

  async run(ctx: RunContext): Promise<Record<string, StageOutput>> {
    const own = ctx.resolved.own as { corpus: string; analyzer: string; norms: string };
    const corpus = stageInput(ctx, own.corpus);
    const out = join(ctx.tmpDir, 'index');
    const t0 = Date.now();
    const meta = await buildIndex(readCorpus(corpus), getAnalyzer(own.analyzer), out, {
      norms: own.norms === 'exact' ? 'exact' : 'lucene-byte4',
      onProgress: (n) => ctx.progress(n, undefined, 'docs'),
    });
    ctx.log(
      `indexed ${meta.docCount} documents in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${meta.numTerms} unique terms, ${meta.sumTotalTermFreq} total terms`,
    );
    return { index: { path: out, managed: true } };
  },
};
