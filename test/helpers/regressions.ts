import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** A regression file of experiments/regressions/: published figures beside what produces them. */
export interface Regression {
  corpus: string;
  collection: string;
  topics: string;
  qrels: string;
  analyzer: string;
  index_stats: { documents: number; unique_terms: number; total_terms: number };
  search: { k1: number; b: number; hits: number; tie_adjust: string };
  measures: string[];
  models: { name: string; params: string[]; results: Record<string, number> }[];
}

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export function regression(name: string): Regression {
  return parse(readFileSync(join(repo, 'experiments', 'regressions', `${name}.yaml`), 'utf8')) as Regression;
}
