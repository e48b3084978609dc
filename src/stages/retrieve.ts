import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { Formulation, StageDecl } from '../config/types.js';
import { readTopics } from '../data/topics.js';
import { formulate } from '../retrieval/formulation.js';
import { readIndexMeta } from '../retrieval/index/read-index.js';
import { batchSearch } from '../retrieval/search/batch-search.js';
import { RM3_DEFAULTS } from '../retrieval/search/rm3.js';
import { byteSize } from '../util/byte-size.js';
import { readGenerations } from './feedback.js';
import { checkOutputRef, memoryBudgetOf, splitStageRef, stageInput } from './output-ref.js';
import type { Json, Resolved, RunContext, StageKind, StageOutput } from './stage-kind.js';

interface RetrieveStage extends StageDecl {
  kind: 'retrieve';
  index: string;
  topics: string;
  k1?: number;
  b?: number;
  hits?: number;
  run_tag?: string;
  rm3?: boolean | { fb_docs?: number; fb_terms?: number; original_query_weight?: number };
  expansions?: string;
  formulation?: Partial<Formulation>;
}

/**
 * `retrieve`: BM25 over an index stage for a topics output; writes a TREC run (output `run`).
 * With `expansions` (a generate stage), each query is searched in its formulation with its
 * expansions (query2doc by default: the query repeated, then the expansion).
 */
export const retrieveStage: StageKind = {
  kind: 'retrieve',
  version: 1,

  refs(decl) {
    const s = decl as RetrieveStage;
    const out = [];
    if (typeof s.index === 'string') out.push({ stage: splitStageRef(s.index, 'index').stage, ptr: '/index' });
    if (typeof s.topics === 'string') out.push({ stage: splitStageRef(s.topics, 'queries').stage, ptr: '/topics' });
    if (typeof s.expansions === 'string') out.push({ stage: splitStageRef(s.expansions, 'generations').stage, ptr: '/expansions' });
    return out;
  },

  check(scope, decl) {
    const s = decl as RetrieveStage;
    return [
      ...checkOutputRef(scope, 'index', s.index, 'index'),
      ...checkOutputRef(scope, 'topics', s.topics, 'queries'),
      ...(s.expansions ? checkOutputRef(scope, 'expansions', s.expansions, 'generations', '; expansions come from a generate stage') : []),
    ];
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
    const expansions = s.expansions ? splitStageRef(s.expansions, 'generations') : undefined;
    if (expansions && s.formulation === undefined) uses['retrieval.formulation'] = r.formulation as unknown as Json;
    return {
      own: {
        index: `${index.stage}.${index.output}`,
        topics: `${topics.stage}.${topics.output}`,
        k1: s.k1 ?? null,
        b: s.b ?? null,
        hits: s.hits ?? null,
        run_tag: s.run_tag ?? scope.stageName,
        expansions: expansions ? `${expansions.stage}.${expansions.output}` : null,
        formulation: expansions && s.formulation ? ({ ...r.formulation, ...s.formulation } as unknown as Json) : null,
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
      runtime: { memory_budget: byteSize(r.memory_budget) ?? null },
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
      expansions: string | null;
      formulation: Formulation | null;
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
    let topics = await readTopics(stageInput(ctx, own.topics));
    if (own.expansions) {
      const formulation = own.formulation ?? (ctx.resolved.uses['retrieval.formulation'] as unknown as Formulation);
      const byQid = new Map<string, { sample: number; text: string }[]>();
      for (const c of readGenerations(stageInput(ctx, own.expansions), own.expansions)) {
        const list = byQid.get(c.qid) ?? [];
        list.push(c);
        byQid.set(c.qid, list);
      }
      topics = topics.map((t) => {
        const list = byQid.get(t.qid);
        if (!list) throw new Error(`query ${t.qid} ("${t.text}") has no generation in ${own.expansions}`);
        const texts = list.sort((a, b) => a.sample - b.sample).map((c) => c.text);
        return { qid: t.qid, text: formulate(t.text, texts, formulation) };
      });
      ctx.log(`queries formulated with their expansions from ${own.expansions}: ${JSON.stringify(formulation)}`);
    }
    ctx.log(
      `bm25 k1=${k1} b=${b}${rm3 ? ` rm3 ${JSON.stringify(own.rm3)}` : ''} hits=${hits} analyzer=${meta.analyzer.name} docs=${meta.docCount} topics=${topics.length}`,
    );
    const path = join(ctx.tmpDir, 'run.trec');
    const lines = await batchSearch(
      { indexDir, params: { k1, b, hits }, rm3, runTag: own.run_tag, memoryBudget: memoryBudgetOf(ctx) },
      topics,
      availableParallelism(),
      (done) => ctx.progress(done, topics.length, 'queries'),
    );
    if (ctx.signal.aborted) throw new Error('interrupted');
    await writeFile(path, lines.join(''));
    return { run: { path, managed: true } };
  },
};
