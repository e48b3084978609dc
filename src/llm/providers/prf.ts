import { readCorpus } from '../../data/corpus.js';
import type { Topic } from '../../data/topics.js';
import { getAnalyzer } from '../../retrieval/analysis/analyzers.js';
import { IndexReader } from '../../retrieval/index/read-index.js';
import { prfExpansions } from '../../retrieval/prf-expansion.js';
import type { Json } from '../types.js';
import { defineProvider, type Problem } from './provider.js';

/** A classical pseudo-relevance-feedback expander written as text: no LLM, deterministic (the quickstart's pools). */
export interface PrfModelDecl {
  provider: 'prf';
  description?: string;
  method: 'rm3-terms' | 'doc-sentences';
  /** An index stage (searched with the retrieval: settings). */
  index: string;
  /** A dataset stage whose corpus gives the documents' text. */
  corpus: string;
  fb_docs: number;
  fb_terms: number;
  sentences: number;
}

/** Its settings (stage references as STAGE.OUTPUT) and the BM25 parameters it searches with. */
interface PrfIdentity {
  [k: string]: Json;
  provider: 'prf';
  method: 'rm3-terms' | 'doc-sentences';
  index: string;
  corpus: string;
  fb_docs: number;
  fb_terms: number;
  sentences: number;
  bm25: { k1: number; b: number };
}

const NEEDS = { index: 'the index stage it searches', corpus: 'the dataset stage whose corpus gives the text' };

/**
 * `prf`: BM25 pseudo-relevance feedback from an index, written as text (RM3's expansion terms, or
 * the first sentences of a top document; see `retrieval/prf-expansion.ts`). The documents' text
 * comes from the corpus, read once.
 */
export const prfProvider = defineProvider<PrfModelDecl, PrfIdentity, null>({
  name: 'prf',
  noun: 'a classical pseudo-relevance-feedback expander that writes its expansion as text (`prf`: no LLM, deterministic)',
  summary:
    "BM25 pseudo-relevance feedback written as text (RM3's expansion terms, or the first sentences of a top document), for offline pipelines and classical baselines",
  schema: {
    method: {
      description:
        "For `prf`: `rm3-terms` (RM3's expansion terms over the top `fb_docs` documents, as the documents' own words, by weight) or `doc-sentences` (the first `sentences` sentences of the top document). Sample s of a generate stage reads the documents ranked from s + 1 on.",
      enum: ['rm3-terms', 'doc-sentences'],
      default: 'rm3-terms',
    },
    index: {
      description: 'For `prf`: the index stage searched (with the `retrieval:` BM25 settings).',
      type: 'string',
      minLength: 1,
    },
    corpus: {
      description: "For `prf`: the dataset stage whose corpus gives the documents' text.",
      type: 'string',
      minLength: 1,
    },
    fb_docs: {
      description: "For `prf` rm3-terms: feedback documents (Anserini's default 10).",
      type: 'integer',
      minimum: 1,
      default: 10,
    },
    fb_terms: {
      description: "For `prf` rm3-terms: expansion terms (Anserini's default 10).",
      type: 'integer',
      minimum: 1,
      default: 10,
    },
    sentences: {
      description: 'For `prf` doc-sentences: sentences taken from the document.',
      type: 'integer',
      minimum: 1,
      default: 3,
    },
  },
  fewShot: false,

  refs(m) {
    const out = [];
    if (typeof m.index === 'string')
      out.push({
        key: 'index',
        ref: m.index,
        output: 'index',
        kind: 'index',
        what: 'the index it searches',
        // rm3-terms, the default, reads the feedback documents' term vectors
        vectors: m.method !== 'doc-sentences',
      });
    if (typeof m.corpus === 'string')
      out.push({ key: 'corpus', ref: m.corpus, output: 'corpus', kind: 'dataset', what: "the documents' text" });
    return out;
  },

  check(m) {
    const out: Problem[] = [];
    for (const key of ['index', 'corpus'] as const)
      if (typeof m[key] !== 'string') out.push({ key: [], message: `a 'prf' model needs '${key}': ${NEEDS[key]}` });
    return out;
  },

  resolve: (m, scope) => ({
    identity: {
      provider: 'prf',
      method: m.method,
      index: scope.ref('index'),
      corpus: scope.ref('corpus'),
      fb_docs: m.fb_docs,
      fb_terms: m.fb_terms,
      sentences: m.sentences,
      bm25: scope.bm25,
    },
    runtime: null,
    files: [],
  }),

  async *answer(requests, { identity: m }, ctx) {
    const topics: Topic[] = [];
    const seen = new Set<string>();
    for (const r of requests) if (!seen.has(r.qid) && seen.add(r.qid)) topics.push({ qid: r.qid, text: r.query });
    const samples = requests.reduce((n, r) => Math.max(n, r.sample + 1), 0);
    const index = new IndexReader(IndexReader.load(ctx.input(m.index), m.method === 'rm3-terms'));
    const corpus = ctx.input(m.corpus);
    const textOf = async (ids: Set<string>) => {
      const out = new Map<string, string>();
      for await (const d of readCorpus(corpus)) {
        if (ids.has(d.id)) out.set(d.id, d.text);
        if (out.size === ids.size) break;
      }
      return out;
    };
    const t0 = Date.now();
    const found = await prfExpansions(
      index,
      getAnalyzer(index.meta.analyzer.name),
      m.bm25,
      topics,
      { method: m.method, fbDocs: m.fb_docs, fbTerms: m.fb_terms, sentences: m.sentences, samples },
      textOf,
    );
    const textOfRequest = new Map(found.map((e) => [`${e.qid}\u0000${e.sample}`, e.text]));
    const empty = found.filter((e) => e.text === '').length;
    if (empty) ctx.log(`warning: ${empty} of ${found.length} expansions are empty (a query with no hit, or fewer hits than samples)`);
    ctx.log(`${found.length} ${m.method} expansions for ${topics.length} queries in ${Date.now() - t0} ms`);
    for (const request of requests)
      yield {
        kind: 'answer',
        request,
        completion: {
          texts: [textOfRequest.get(`${request.qid}\u0000${request.sample}`) ?? ''],
          finishReasons: [null],
          promptTokens: 0,
          completionTokens: 0,
          estimated: false,
          latencyMs: 0,
          endpoint: m.index,
        },
        costUsd: 0,
      };
    yield { kind: 'done', about: { method: m.method } };
  },
});
