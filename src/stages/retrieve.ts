import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { readGenerations } from '../artifacts/generations.js';
import { readTopics } from '../data/topics.js';
import { formulate } from '../retrieval/formulation.js';
import { readIndexMeta } from '../retrieval/index/read-index.js';
import { batchHits } from '../retrieval/search/batch-search.js';
import { RM3_DEFAULTS } from '../retrieval/search/rm3.js';
import { type Hit, runLines } from '../retrieval/search/search.js';
import { adjustTies, type TieAdjust } from '../retrieval/tie-adjust.js';
import { defineStage, input, splitStageRef, uses } from './contract.js';
import { StringEnum } from './schema-parts.js';
import { BM25_B, BM25_K1, FORMULATION, HITS, memoryBudgetOf, memoryBudgetRuntime } from './settings.js';

/**
 * `retrieve`: BM25 over an index stage for a topics output; writes a TREC run (output `run`).
 * With `expansions` (a generate stage), each query is searched in its formulation with its
 * expansions (query2doc by default: the query repeated, then the expansion).
 */
export const retrieveStage = defineStage({
  kind: 'retrieve',
  version: 1,
  title: 'Retrieves with BM25.',
  description: 'BM25 retrieval over an index stage for a topics output; writes a TREC run (output `run`).',
  inputs: {
    index: input({ accepts: 'index', output: 'index', description: 'An index stage (output `index`), or `STAGE.OUTPUT`.' }),
    topics: input({
      accepts: 'queries',
      output: 'queries',
      description: 'Stage whose output `queries` holds the topics (a dataset stage), or `STAGE.OUTPUT`.',
    }),
    expansions: input({
      accepts: 'generations',
      output: 'generations',
      optional: true,
      description: 'A generate stage whose generations expand the queries (formulated by `formulation`), or `STAGE.OUTPUT`.',
      hint: '; expansions come from a generate stage',
    }),
  },
  settings: {
    k1: uses(BM25_K1),
    b: uses(BM25_B),
    hits: uses(HITS),
    formulation: uses(FORMULATION, { merge: true, when: (d) => d.expansions !== undefined }),
  },
  properties: {
    run_tag: Type.Optional(Type.String({ description: 'Last column of the run (default: the stage name).', pattern: '^\\S+$' })),
    tie_adjust: Type.Optional(
      StringEnum(['none', 'anserini'], {
        description:
          "Scores as written: `none` (as searched) or `anserini` (Anserini's ScoreTiesAdjusterReranker: rounded to 4 decimals, each tie in a row 1e-6 lower, so that trec_eval keeps the engine's order of ties; what Anserini's published figures are computed from).",
        default: 'none',
      }),
    ),
    rm3: Type.Optional(
      Type.Union(
        [
          Type.Boolean(),
          Type.Object(
            {
              fb_docs: Type.Optional(Type.Integer({ description: 'Feedback documents.', minimum: 1 })),
              fb_terms: Type.Optional(Type.Integer({ description: 'Expansion terms.', minimum: 1 })),
              original_query_weight: Type.Optional(
                Type.Number({ description: 'Weight of the original query in the interpolation.', minimum: 0, maximum: 1 }),
              ),
            },
            { additionalProperties: false },
          ),
        ],
        {
          description:
            "RM3 pseudo-relevance feedback: true for Anserini's defaults (10 feedback documents, 10 terms, original query weight 0.5), or the settings.",
        },
      ),
    ),
  },
  outputs: { run: 'run' },

  check(scope, decl) {
    // RM3 reads term vectors: an index stage declared without them cannot serve it
    const name = splitStageRef(decl.index, 'index').stage;
    const target = scope.doc.stages[name];
    if (decl.rm3 && target?.kind === 'index' && target.vectors === false)
      return [
        scope.at(
          'rm3',
          `RM3 reads the documents' term vectors, and index stage '${name}' is declared with \`vectors: false\`: drop one of the two`,
        ),
      ];
    return [];
  },

  resolve(scope, decl) {
    const rm3 = typeof decl.rm3 === 'object' ? decl.rm3 : {};
    return {
      own: {
        run_tag: decl.run_tag ?? scope.stageName,
        rm3: decl.rm3
          ? {
              fb_docs: rm3.fb_docs || RM3_DEFAULTS.fbDocs,
              fb_terms: rm3.fb_terms || RM3_DEFAULTS.fbTerms,
              original_query_weight: rm3.original_query_weight ?? RM3_DEFAULTS.originalQueryWeight,
            }
          : null,
        // only when set, so that the runs written before it keep their fingerprints
        ...(decl.tie_adjust && decl.tie_adjust !== 'none' ? { tie_adjust: decl.tie_adjust } : {}),
      },
      runtime: memoryBudgetRuntime(scope.doc),
    };
  },

  async run(ctx) {
    const { k1, b, hits, formulation } = ctx.settings;
    const rm3 = ctx.own.rm3
      ? { fbDocs: ctx.own.rm3.fb_docs, fbTerms: ctx.own.rm3.fb_terms, originalQueryWeight: ctx.own.rm3.original_query_weight }
      : undefined;
    const indexDir = ctx.input.index;
    const meta = readIndexMeta(indexDir);
    let topics = await readTopics(ctx.input.topics);
    if (ctx.input.expansions) {
      const from = ctx.ref.expansions as string;
      const byQid = new Map<string, { sample: number; text: string }[]>();
      for (const c of await readGenerations(ctx.input.expansions)) {
        const list = byQid.get(c.qid) ?? [];
        list.push(c);
        byQid.set(c.qid, list);
      }
      topics = topics.map((t) => {
        const list = byQid.get(t.qid);
        if (!list) throw new Error(`query ${t.qid} ("${t.text}") has no generation in ${from}`);
        const texts = list.sort((x, y) => x.sample - y.sample).map((c) => c.text);
        return { qid: t.qid, text: formulate(t.text, texts, formulation) };
      });
      ctx.log(`queries formulated with their expansions from ${from}: ${JSON.stringify(formulation)}`);
    }
    const tieAdjust: TieAdjust = (ctx.own as { tie_adjust?: TieAdjust }).tie_adjust ?? 'none';
    ctx.log(
      `bm25 k1=${k1} b=${b}${rm3 ? ` rm3 ${JSON.stringify(ctx.own.rm3)}` : ''} hits=${hits} analyzer=${meta.analyzer.name} docs=${meta.docCount} topics=${topics.length}${tieAdjust !== 'none' ? ` tie_adjust=${tieAdjust}` : ''}`,
    );
    const path = join(ctx.tmpDir, 'run.trec');
    ctx.progress(0, topics.length, 'queries');
    const hitsOf = await batchHits(
      { indexDir, params: { k1, b, hits }, rm3, memoryBudget: memoryBudgetOf(ctx) },
      topics,
      availableParallelism(),
      (done) => ctx.progress(done, topics.length, 'queries'),
    );
    if (ctx.signal.aborted) throw new Error('interrupted');
    await writeFile(path, topics.map((t, i) => runLines(t.qid, adjustTies(hitsOf[i] as Hit[], tieAdjust), ctx.own.run_tag)).join(''));
    return { run: { path, managed: true } };
  },
});
