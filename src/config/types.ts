import type { AnalyzerName } from '../retrieval/analysis/analyzers.js';
import type { Family } from './families.js';
import type { SourceMap } from './source-map.js';

/** How a query and its expansions become the text BM25 searches (see `retrieval/formulation.ts`). */
export interface Formulation {
  mode: 'query2doc' | 'none';
  repeat_query: number;
  separator: string;
  concat: number;
}

/** BM25 defaults and query formulation shared by retrieval stages (filled from the schema's defaults). */
export interface RetrievalConfig {
  analyzer: AnalyzerName;
  bm25: { k1: number; b: number };
  hits: number;
  formulation: Formulation;
  /** Memory an index may take when searched (`2G`, or bytes): postings read on demand past it. */
  memory_budget?: string | number;
}

export interface DatasetDecl {
  description?: string;
  /** Built-in registry id. */
  id?: string;
  queries?: string;
  qrels?: string;
  corpus?: string;
}

/** Fields every stage declaration has; each kind reads the rest through its own type. */
export interface StageDecl {
  kind: string;
  description?: string;
  from?: string | string[];
  [key: string]: unknown;
}

export interface AblationsDecl {
  mode: 'cartesian' | 'zip';
  axes: Record<string, unknown[]>;
}

/** An experiment after composition, interpolation, validation and defaults. */
export interface ExperimentDoc {
  name: string;
  description?: string;
  seed: number;
  store?: string;
  datasets?: Record<string, DatasetDecl>;
  models?: Record<string, Record<string, unknown>>;
  prompts?: Record<string, Record<string, unknown>>;
  hooks?: Record<string, { python?: string; file?: string; function: string; timeout_ms: number }>;
  retrieval: RetrievalConfig;
  stages: Record<string, StageDecl>;
  ablations?: AblationsDecl;
  report?: Record<string, unknown>;
  gates?: Record<string, unknown>;
}

/** One point of the ablation grid: the experiment with its overrides applied. */
export interface Variant {
  /** `base` without ablations, else `axis=value,...` in axis order. */
  name: string;
  overrides: { axis: string; paths: string[][]; value: unknown }[];
  doc: ExperimentDoc;
  map: SourceMap;
}

export interface Experiment {
  /** Stage families and the members each made (empty when the experiment declares none). */
  families: Family[];
  /** The `-S path=value` settings given on the command line, as written. */
  settings: string[];
  /** Absolute path of the experiment file. */
  file: string;
  /** Folder that relative paths in fingerprints are written against (see `findProjectRoot`). */
  root: string;
  doc: ExperimentDoc;
  map: SourceMap;
  variants: Variant[];
}
