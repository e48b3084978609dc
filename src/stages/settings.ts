import { type TSchema, Type } from '@sinclair/typebox';
import type { ExperimentDoc, Formulation } from '../config/types.js';
import { analyzerNames } from '../retrieval/analysis/analyzers.js';
import { byteSize } from '../util/byte-size.js';
import { StringEnum } from './schema-parts.js';
import type { Json, RunContext } from './stage-types.js';

/**
 * An experiment-level setting that stages read (and may override per stage). A kind names these
 * constants in its `settings`; the setting's path is what the fingerprint records, so a value
 * changed in `retrieval:` re-runs exactly the stages that read it.
 */
export interface ExperimentSetting<T> {
  /** Dotted path in the experiment, e.g. `retrieval.bm25.k1`. */
  path: string;
  /** What the setting is, for the stage key's description (`BM25 k1`). */
  stageDescription: string;
  /** Schema of a stage's own value. */
  schema: TSchema;
  /** Schema of a stage's partial value, merged over the experiment's (settings used with `merge`). */
  partialSchema: TSchema;
  read(doc: ExperimentDoc): T;
}

function setting<T>(
  path: string,
  stageDescription: string,
  schema: TSchema,
  read: (doc: ExperimentDoc) => T,
  partialSchema = schema,
): ExperimentSetting<T> {
  return { path, stageDescription, schema, partialSchema, read };
}

const FORMULATION_PROPS = {
  mode: {
    description: '`query2doc`: the query repeated `repeat_query` times, then the expansion(s); `none`: the query alone (plain BM25).',
    schema: StringEnum(['query2doc', 'none']),
    default: 'query2doc',
  },
  repeat_query: { description: 'Times the query is repeated before the expansion(s).', schema: Type.Integer({ minimum: 0 }), default: 5 },
  separator: { description: 'Text placed between the parts.', schema: Type.String(), default: ' ' },
  concat: {
    description:
      'Expansions of one query joined after the repeated query (the first N samples; MuGI uses several). The feedback stage scores each candidate alone.',
    schema: Type.Integer({ minimum: 1 }),
    default: 1,
  },
} as const;

/** `retrieval.formulation` with its defaults, or (for a stage's partial override) without them. */
function formulationSchema(withDefaults: boolean): TSchema {
  const props: Record<string, TSchema> = {};
  for (const [k, p] of Object.entries(FORMULATION_PROPS))
    props[k] = Type.Optional({ ...p.schema, description: p.description, ...(withDefaults ? { default: p.default } : {}) } as TSchema);
  return Type.Object(props, {
    additionalProperties: false,
    description:
      "How a query and its expansion(s) are combined into the text BM25 searches: query2doc's sparse formulation (the query repeated, then the expansion), several expansions concatenated (as MuGI does), or the query alone (`mode: none`).",
  });
}

const ANALYZER_SCHEMA = StringEnum(analyzerNames());

/** The `retrieval:` section: defaults for every stage that searches. */
export const RETRIEVAL_SECTION = Type.Object(
  {
    analyzer: Type.Optional({
      ...ANALYZER_SCHEMA,
      description:
        "Text analysis: `english` (Lucene/Anserini default), `cjk` (bigrams), `zh-words`, `whitespace`, `simple`; `english-lucene8` and `cjk-lucene8` tokenize with Lucene 8's Unicode 9.0 rules instead of Lucene 9/10's Unicode 12.1 (docs/analysis.md).",
      default: 'english',
    } as TSchema),
    bm25: Type.Optional(
      Type.Object(
        {
          k1: Type.Optional(Type.Number({ description: 'Term-frequency saturation.', minimum: 0, default: 0.9 })),
          b: Type.Optional(Type.Number({ description: 'Length normalization.', minimum: 0, maximum: 1, default: 0.4 })),
        },
        { description: 'BM25 parameters (Anserini defaults).', additionalProperties: false, default: {} },
      ),
    ),
    hits: Type.Optional(Type.Integer({ description: 'Documents retrieved per query.', minimum: 1, default: 1000 })),
    formulation: Type.Optional({ ...formulationSchema(true), default: {} } as TSchema),
    memory_budget: Type.Optional(
      Type.Union([Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*[kKmMgGtT]?([iI]?[bB])?\\s*$' }), Type.Integer({ minimum: 1 })], {
        description:
          'Memory an index may take when retrieve and feedback stages search it, e.g. `2G` (binary units) or bytes: past it, postings and term vectors are read from disk on demand. The results are the same; not fingerprinted. Default: no limit (the whole index in memory).',
      }),
    ),
  },
  { description: 'Default BM25 retrieval settings for retrieval stages.', additionalProperties: false },
);

export const BM25_K1 = setting<number>('retrieval.bm25.k1', 'BM25 k1', Type.Number({ minimum: 0 }), (d) => d.retrieval.bm25.k1);
export const BM25_B = setting<number>('retrieval.bm25.b', 'BM25 b', Type.Number({ minimum: 0, maximum: 1 }), (d) => d.retrieval.bm25.b);
export const HITS = setting<number>('retrieval.hits', 'Documents per query', Type.Integer({ minimum: 1 }), (d) => d.retrieval.hits);
export const ANALYZER = setting<string>('retrieval.analyzer', 'Text analysis', ANALYZER_SCHEMA, (d) => d.retrieval.analyzer);
export const FORMULATION = setting<Formulation>(
  'retrieval.formulation',
  'How the query and its expansion(s) are combined',
  formulationSchema(true),
  (d) => d.retrieval.formulation,
  formulationSchema(false),
);

/** `retrieval.memory_budget` for a stage's `runtime`: not fingerprinted, since the results are the same under any budget. */
export const memoryBudgetRuntime = (doc: ExperimentDoc): Json => ({ memory_budget: byteSize(doc.retrieval.memory_budget) ?? null });

/** The memory budget a stage's `runtime` carries, in bytes (undefined: no limit). */
export const memoryBudgetOf = (ctx: RunContext): number | undefined =>
  (ctx.resolved.runtime as { memory_budget?: number | null } | undefined)?.memory_budget ?? undefined;
