import type { Topic } from '../data/topics.js';
import type { Analyzer } from './analysis/analyzers.js';
import type { IndexReader } from './index/read-index.js';
import { rm3Query } from './search/rm3.js';
import { Bm25Searcher, type Hit, queryTerms, type SearchParams } from './search/search.js';

/** A classical expansion written as text, so that it can stand where an LLM's expansion stands. */
export interface PrfOptions {
  method: 'rm3-terms' | 'doc-sentences';
  /** Feedback documents for rm3-terms. */
  fbDocs: number;
  /** Expansion terms for rm3-terms. */
  fbTerms: number;
  /** Sentences taken for doc-sentences. */
  sentences: number;
  /** Expansions per query: sample s reads the documents ranked from s + 1 on. */
  samples: number;
}

export interface PrfExpansion {
  qid: string;
  sample: number;
  text: string;
}

const words = new Intl.Segmenter('en', { granularity: 'word' });
const sentencesOf = new Intl.Segmenter('en', { granularity: 'sentence' });

/** The first n sentences of a text (cut into sentences, which also keeps the segmenter off very long strings). */
export function firstSentences(text: string, n: number): string {
  const out: string[] = [];
  for (const s of sentencesOf.segment(text.slice(0, 20_000))) {
    const t = s.segment.replace(/\s+/g, ' ').trim();
    if (t) out.push(t);
    if (out.length >= n) break;
  }
  return out.join(' ');
}

/** For each analyzed term of the texts, its most frequent surface word (lower-cased), so that analysis maps it back to the term. */
function surfaceWords(analyzer: Analyzer, texts: string[], termOf: Map<string, string | null>): Map<string, string> {
  const counts = new Map<string, Map<string, number>>();
  for (const text of texts) {
    for (const w of words.segment(text)) {
      if (!w.isWordLike) continue;
      const word = w.segment.toLowerCase();
      let term = termOf.get(word);
      if (term === undefined) {
        const terms = analyzer.analyze(word);
        term = terms.length === 1 ? (terms[0] as string) : null;
        termOf.set(word, term);
      }
      if (term === null) continue;
      const c = counts.get(term) ?? new Map<string, number>();
      counts.set(term, c);
      c.set(word, (c.get(word) ?? 0) + 1);
    }
  }
  const out = new Map<string, string>();
  for (const [term, c] of counts) {
    const best = [...c].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0];
    if (best) out.set(term, best[0]);
  }
  return out;
}

/**
 * Pseudo-relevance-feedback expansions: BM25 for each query, then either RM3's expansion terms
 * (Anserini's RM3 on the feedback documents, written as the documents' own words in weight
 * order, the query's terms left out) or the first sentences of a top document. `textOf` fetches
 * the raw text of the documents asked for (all at once, so a corpus is read once).
 */
export async function prfExpansions(
  index: IndexReader,
  analyzer: Analyzer,
  params: Omit<SearchParams, 'hits'>,
  topics: Topic[],
  opts: PrfOptions,
  textOf: (docids: Set<string>) => Promise<Map<string, string>>,
): Promise<PrfExpansion[]> {
  const depth = (opts.method === 'rm3-terms' ? opts.fbDocs : 1) + opts.samples - 1;
  const searcher = new Bm25Searcher(index, { ...params, hits: depth });
  const ranked: { topic: Topic; query: Map<string, number>; hits: Hit[] }[] = [];
  const wanted = new Set<string>();
  for (const topic of topics) {
    const query = queryTerms(analyzer, topic.text);
    const hits = query.size ? searcher.search(query) : [];
    ranked.push({ topic, query, hits });
    for (const h of hits) wanted.add(h.docid);
  }
  const texts = await textOf(wanted);
  // each word's analyzed term (or null), shared by all queries: words repeat, and stemming is the costly part
  const termOf = new Map<string, string | null>();
  const out: PrfExpansion[] = [];
  for (const { topic, query, hits } of ranked) {
    for (let s = 0; s < opts.samples; s++) {
      let text = '';
      if (opts.method === 'doc-sentences') {
        const hit = hits[s];
        text = hit ? firstSentences(texts.get(hit.docid) ?? '', opts.sentences) : '';
      } else {
        const window = hits.slice(s, s + opts.fbDocs);
        if (window.length) {
          const model = rm3Query(index, window, query, { fbDocs: opts.fbDocs, fbTerms: opts.fbTerms, originalQueryWeight: 0 });
          const surface = surfaceWords(
            analyzer,
            window.map((h) => texts.get(h.docid) ?? ''),
            termOf,
          );
          text = [...model]
            .filter(([t, w]) => w > 0 && !query.has(t) && surface.has(t) && !/^[0-9]+$/.test(t))
            .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
            .map(([t]) => surface.get(t) as string)
            .join(' ');
        }
      }
      out.push({ qid: topic.qid, sample: s, text });
    }
  }
  return out;
}
