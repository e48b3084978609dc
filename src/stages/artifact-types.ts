/**
 * What a stage output holds. An input accepts some of these, so that a reference to the wrong
 * output (a metrics file where a run is needed) is an error at its line, not a crash at run time.
 * A shell stage's outputs are `file`: qexp cannot know what they hold, and accepts them anywhere.
 */
export const ARTIFACT_TYPES = {
  queries: 'topics',
  qrels: 'relevance judgments',
  corpus: 'a corpus',
  index: 'a BM25 index',
  run: 'a TREC run',
  metrics: 'evaluation metrics',
  generations: 'generations (expansions)',
  'generation-stats': 'generation statistics',
  feedback: 'retrieval feedback',
  pairs: 'preference pairs',
  'pair-summary': 'a pair summary',
  'sft-examples': 'SFT examples',
  'dpo-examples': 'DPO examples',
  manifest: 'a data manifest',
  checkpoint: 'a model checkpoint',
  'train-metrics': 'training metrics',
  file: 'a file',
} as const;

export type ArtifactType = keyof typeof ARTIFACT_TYPES;

export function artifactTypeName(t: ArtifactType): string {
  return ARTIFACT_TYPES[t];
}
