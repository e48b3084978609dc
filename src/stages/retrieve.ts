import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { StageDecl } from '../config/types.js';
import { readTopics } from '../data/topics.js';
import { readIndexMeta } from '../retrieval/index/read-index.js';
import { batchSearch } from '../retrieval/search/batch-search.js';
import { RM3_DEFAULTS } from '../retrieval/search/rm3.js';
import { checkOutputRef, splitStageRef, stageInput } from './output-ref.js';
import type { Resolved, RunContext, StageKind, StageOutput } from './stage-kind.js';

interface RetrieveStage extends StageDecl {
  kind: 'retrieve';
  index: string;
  topics: string;
  k1?: number;
  b?: number;
  hits?: number;
  run_tag?: string;
  rm3?: boolean | { fb_docs?: number; fb_terms?: number; original_query_weight?: number };
}

/** `retrieve`: BM25 over an index stage for a topics output; writes a TREC run (output `run`). */
export const retrieveStage: StageKind = {
  kind: 'retrieve',
  version: 1,

  refs(decl) {
    const s = decl as RetrieveStage;
    const out = [];
    if (typeof s.index === 'string') out.push({ stage: splitStageRef(s.index, 'index').stage, ptr: '/index' });
    if (typeof s.topics === 'string') out.push({ stage: splitStageRef(s.topics, 'queries').stage, ptr: '/topics' });
    return out;
  },

  check(scope, decl) {
    const s = decl as RetrieveStage;
    return [...checkOutputRef(scope, 'index', s.index, 'index'), ...checkOutputRef(scope, 'topics', s.topics, 'queries')];
  },

  outputs() {
    return ['run'];
  },

  resolve(scope, decl): Resolved {
    const s = decl as RetrieveStage;
    const r = scope.doc.retrieval;
    const index = splitStageRef(s.index, 'index');
    const topics = splitStageRef(s.topics, 'queries');
    // settings not given on the stage come from retrieval: and are fingerprinted under that path
    const uses: Resolved['uses'] = {};
    if (s.k1 === undefined) uses['retrieval.bm25.k1'] = r.bm25.k1;
    if (s.b === undefined) uses['retrieval.bm25.b'] = r.bm25.b;
    if (s.hits === undefined) uses['retrieval.hits'] = r.hits;
    return {
      own: {
        index: `${index.stage}.${index.output}`,
        topics: `${topics.stage}.${topics.output}`,
        k1: s.k1 ?? null,
        b: s.b ?? null,
        hits: s.hits ?? null,
        run_tag: s.run_tag ?? scope.stageName,
        rm3: s.rm3
          ? {
              fb_docs: (typeof s.rm3 === 'object' && s.rm3.fb_docs) || RM3_DEFAULTS.fbDocs,
              fb_terms: (typeof s.rm3 === 'object' && s.rm3.fb_terms) || RM3_DEFAULTS.fbTerms,
              original_query_weight:
                typeof s.rm3 === 'object' && s.rm3.original_query_weight !== undefined
                  ? s.rm3.original_query_weight
                  : RM3_DEFAULTS.originalQueryWeight,
            }
          : null,
      },
      uses,
      files: [],
      outputs: ['run'],
      publish: {},
    };
  },

  async run(ctx: RunContext): Promise<Record<string, StageOutput>> {
    const own = ctx.resolved.own as {
      index: string;
      topics: string;
      k1: number | null;
      b: number | null;
      hits: number | null;
      run_tag: string;
      rm3: { fb_docs: number; fb_terms: number; original_query_weight: number } | null;
    };
    const rm3 = own.rm3
      ? { fbDocs: own.rm3.fb_docs, fbTerms: own.rm3.fb_terms, originalQueryWeight: own.rm3.original_query_weight }
      : undefined;
    const uses = ctx.resolved.uses as Record<string, number>;
    const k1 = own.k1 ?? (uses['retrieval.bm25.k1'] as number);
    const b = own.b ?? (uses['retrieval.bm25.b'] as number);
    const hits = own.hits ?? (uses['retrieval.hits'] as number);
    const indexDir = stageInput(ctx, own.index);
    const meta = readIndexMeta(indexDir);
    const topics = await readTopics(stageInput(ctx, own.topics));
    ctx.log(
      `bm25 k1=${k1} b=${b}${rm3 ? ` rm3 ${JSON.stringify(own.rm3)}` : ''} hits=${hits} analyzer=${meta.analyzer.name} docs=${meta.docCount} topics=${topics.length}`,
    );
    const path = join(ctx.tmpDir, 'run.trec');
    const lines = await batchSearch(
      { indexDir, params: { k1, b, hits }, rm3, runTag: own.run_tag },
      topics,
      availableParallelism(),
      (done) => ctx.progress(done, topics.length, 'queries'),
    );
    if (ctx.signal.aborted) throw new Error('interrupted');
    await writeFile(path, lines.join(''));
    return { run: { path, managed: true } };
  },
};
