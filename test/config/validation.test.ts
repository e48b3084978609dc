import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/diagnostics.js';
import { loadExperiment } from '../../src/dag/load-experiment.js';
import { Workspace } from '../helpers/workspace.js';

const ws = new Workspace();
afterAll(() => ws.remove());
ws.write('q.tsv', '1\thello\n');
ws.write('c.tsv', 'd1\thello\n');
ws.write('qrels.txt', '1 0 d1 1\n');

function problems(text: string): string[] {
  try {
    loadExperiment(ws.write(`v-${Math.random().toString(36).slice(2)}.yaml`, text));
  } catch (err) {
    if (err instanceof ConfigError) return err.diagnostics.map((d) => `${d.pos.line}:${d.pos.col} ${d.message}`);
    throw err;
  }
  return [];
}

describe('validation catches what would otherwise come out wrong or empty', () => {
  it('a report measure a row’s evaluate stage does not compute is an error at the row (the paper’s MIRACL bug)', () => {
    const base = `name: m
datasets:
  dl: {queries: q.tsv, corpus: c.tsv, qrels: qrels.txt}
  zh: {queries: q.tsv, corpus: c.tsv, qrels: qrels.txt}
stages:
  dl: {kind: dataset, dataset: dl}
  zh: {kind: dataset, dataset: zh}
  idx: {kind: index, corpus: dl}
  r-dl: {kind: retrieve, index: idx, topics: dl}
  r-zh: {kind: retrieve, index: idx, topics: zh}
  ev-dl: {kind: evaluate, run: r-dl, qrels: dl, measures: [nDCG@10, AP(rel=2)@1000]}
  ev-zh: {kind: evaluate, run: r-zh, qrels: zh, measures: [nDCG@10, AP@1000]}
report:
  rows:
    BM25: [ev-dl, ev-zh]
  measures: [nDCG@10, AP(rel=2)@1000]
`;
    expect(problems(base)).toEqual([
      "15:19 stage 'ev-zh' (dataset zh) does not compute AP(rel=2)@1000, which the report shows for zh (it computes nDCG@10, AP@1000): add it to its measures, or give the report's measures for zh in report.dataset_measures",
    ]);
    expect(problems(`${base}  dataset_measures: {zh: [nDCG@10, AP@1000]}\n`)).toEqual([]);
  });

  it('ablation-axis errors come once each, together with the other errors', () => {
    const msgs = problems(`name: a
retrieval: {hits: 0}
stages:
  s: {kind: shell, command: x}
ablations:
  axes:
    retrieval.bm25.b: [0.4, 7]
    retrieval.bm25.k1: [0.9, 1.2, 1.5]
`);
    expect(msgs).toEqual(['2:19 retrieval.hits must be >= 1', '7:29 variant retrieval.bm25.b=7: retrieval.bm25.b must be <= 1']);
  });

  it('an unknown dataset id is one error, not one per stage that reads the dataset', () => {
    const msgs = problems(`name: d
datasets:
  dl19: {id: msmarco-passage/trec-dl-2091}
stages:
  dl19: {kind: dataset, dataset: dl19}
  ev: {kind: evaluate, run: r, qrels: dl19, measures: [nDCG@10]}
  r: {kind: shell, command: x, outs: {run: null}}
  g: {kind: shell, command: "cat {{inputs.dl19.queries}}", from: dl19}
`);
    expect(msgs).toEqual([
      expect.stringMatching(/^3:14 unknown dataset id 'msmarco-passage\/trec-dl-2091'; did you mean 'msmarco-passage\/trec-dl-2019'\?/),
    ]);
  });

  it('names the right key for trainer settings written the way peft or TrainingArguments spell them', () => {
    const msgs = problems(`name: t
stages:
  d: {kind: shell, command: x, outs: {train: null, validation: null}}
  sft:
    kind: train
    method: sft
    base: Qwen/Qwen3-0.6B
    data: d
    learning_rate: 1.0e-4
    trainer:
      lora: {r: 8, lora_alpha: 16}
      lr_scheduler_type: cosine
`);
    expect(msgs).toEqual([
      "9:5 unknown key 'learning_rate' in stages.sft; 'learning_rate' is a trainer setting: put it under trainer (or trainer.extra)",
      "11:20 unknown key 'lora_alpha' in stages.sft.trainer.lora; did you mean 'alpha'? (peft's lora_alpha)",
      "12:7 unknown key 'lr_scheduler_type' in stages.sft.trainer; 'lr_scheduler_type' is a TrainingArguments key qexp does not set itself: put it under trainer.extra",
    ]);
  });

  it('an index stage declared without term vectors cannot serve RM3: the retrieve stage and the prf model are told where', () => {
    const exp = (idx: string, extra = '') => `name: v
datasets:
  dl: {queries: q.tsv, corpus: c.tsv, qrels: qrels.txt}
models:
  fb: {provider: prf, index: idx, corpus: dl${extra}}
prompts:
  p: {messages: [{role: user, content: "{{query}}"}]}
stages:
  dl: {kind: dataset, dataset: dl}
  idx: {kind: index, corpus: dl${idx}}
  plain: {kind: retrieve, index: idx, topics: dl}
  rm3: {kind: retrieve, index: idx, topics: dl, rm3: true}
  gen: {kind: generate, model: fb, prompt: p, queries: dl}
`;
    expect(problems(exp(', vectors: false'))).toEqual([
      "5:30 this 'prf' model reads the documents' term vectors, and index stage 'idx' is declared with `vectors: false`",
      "12:54 RM3 reads the documents' term vectors, and index stage 'idx' is declared with `vectors: false`: drop one of the two",
    ]);
    expect(problems(exp(''))).toEqual([]);
    expect(problems(exp(', vectors: true'))).toEqual([]);
    // doc-sentences reads the corpus's text, not term vectors
    expect(problems(exp(', vectors: false', ', method: doc-sentences'))).toEqual([
      "12:54 RM3 reads the documents' term vectors, and index stage 'idx' is declared with `vectors: false`: drop one of the two",
    ]);
  });
});
