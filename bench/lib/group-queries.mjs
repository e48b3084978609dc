// One group of the bench's queries as `groupTopK` takes them, for the group scoring tools
// (group-tuning.mjs, group-calls.mjs): an index of the bench corpus and its searcher, and the
// queries' weighted terms.
import { getAnalyzer } from '../../dist/retrieval/analysis/analyzers.js';
import { formulate } from '../../dist/retrieval/formulation.js';
import { IndexReader } from '../../dist/retrieval/index/read-index.js';
import { Bm25Searcher, queryTerms } from '../../dist/retrieval/search/search.js';
import { feedbackTexts, querySets } from './synthetic.mjs';

/**
 * `group` queries of the kind `which` (`expanded`: the bench's expanded queries; `feedback`:
 * feedback-speed.mjs's candidates, formulated) over the whitespace-analyzed index at dir, top-k.
 */
export function groupQueries(dir, k, group, which) {
  if (which !== 'expanded' && which !== 'feedback') throw new Error(`QUERIES must be expanded or feedback, not ${which}`);
  const reader = new IndexReader(IndexReader.load(dir, false));
  const searcher = new Bm25Searcher(reader, { k1: 0.9, b: 0.4, hits: k });
  const analyzer = getAnalyzer('whitespace');
  const texts = which === 'feedback' ? feedbackTexts(group, formulate) : querySets(group).expanded;
  const queries = texts.map((text) => searcher.weighted(queryTerms(analyzer, text)));
  return { reader, searcher, queries, exact: reader.meta.norms === 'exact' };
}
