import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { Workspace } from '../helpers/workspace.js';

// Documents of several sentences about a few topics, so that feedback has words to find.
const DOCS = [
  ['d1', 'Solar panels convert sunlight into electricity. Photovoltaic cells use silicon wafers. Inverters feed the grid.'],
  ['d2', 'Solar power plants concentrate sunlight with mirrors. Molten salt stores the heat. Turbines make electricity.'],
  ['d3', 'Wind turbines convert wind into electricity. Offshore farms use tall towers. Blades are made of fibreglass.'],
  ['d4', 'Bread is baked from flour, water and yeast. Sourdough uses a starter. Ovens must be hot.'],
  ['d5', 'Photovoltaic panels on roofs reduce electricity bills. Silicon prices fell in 2010. Installers quote per watt.'],
  ['d6', 'Yeast ferments sugar into gas. Dough rises in a warm kitchen. Bakers shape loaves by hand.'],
];

const ws = new Workspace();
afterAll(() => ws.remove());

describe('prf models: classical expansions written as text', () => {
  let gens: Map<string, { qid: string; sample: number; text: string }[]>;
  beforeAll(async () => {
    // RM3 keeps terms in at most 10% of the documents: unrelated documents make the topics' words rare
    const filler = Array.from({ length: 60 }, (_, i) => `f${i}\tNote number ${i} about item${i} and thing${i}.`);
    ws.write('data/corpus.tsv', `${[...DOCS.map((d) => d.join('\t')), ...filler].join('\n')}\n`);
    ws.write('data/queries.tsv', 'q1\tsolar electricity\nq2\tbaking bread yeast\n');
    ws.write(
      'exp.yaml',
      `
name: prf
datasets:
  toy: {queries: data/queries.tsv, corpus: data/corpus.tsv}
models:
  terms: {provider: prf, method: rm3-terms, index: idx, corpus: data, fb_docs: 2, fb_terms: 6}
  sentences: {provider: prf, method: doc-sentences, index: idx, corpus: data, sentences: 2}
prompts:
  p: {messages: [{role: user, content: "{{query}}"}]}
stages:
  data: {kind: dataset, dataset: toy}
  idx: {kind: index, corpus: data}
  bm25: {kind: retrieve, index: idx, topics: data, hits: 10}
  terms: {kind: generate, model: terms, prompt: p, queries: data, samples: 2}
  sentences: {kind: generate, model: sentences, prompt: p, queries: data, samples: 2}
`,
    );
    const r = await ws.qexp(['run', 'exp.yaml', '--json']);
    expect(r.exitCode, r.all).toBe(0);
    const run = JSON.parse(r.stdout) as { executed: { stage: string; fingerprint: string }[] };
    gens = new Map();
    for (const e of run.executed) {
      if (e.stage !== 'terms' && e.stage !== 'sentences' && e.stage !== 'bm25') continue;
      const file = e.stage === 'bm25' ? 'run.trec' : 'generations.jsonl';
      const text = readFileSync(ws.path(`results/artifacts/${e.fingerprint}/${file}`), 'utf8');
      if (e.stage === 'bm25') ws.write('bm25.run', text);
      else
        gens.set(
          e.stage,
          text
            .trim()
            .split('\n')
            .map((l) => JSON.parse(l)),
        );
    }
  });

  it('doc-sentences: sample s is the first sentences of the document BM25 ranks s + 1', () => {
    const ranked = new Map<string, string[]>();
    for (const line of readFileSync(ws.path('bm25.run'), 'utf8').trim().split('\n')) {
      const [qid, , docid] = line.split(/\s+/);
      ranked.set(qid as string, [...(ranked.get(qid as string) ?? []), docid as string]);
    }
    const text = new Map(DOCS.map(([id, t]) => [id as string, t as string]));
    for (const g of gens.get('sentences') ?? []) {
      const doc = ranked.get(g.qid)?.[g.sample] as string;
      const firstTwo = (text.get(doc) as string).split('. ').slice(0, 2).join('. ');
      expect(g.text).toBe(`${firstTwo}.`);
    }
    expect(gens.get('sentences')).toHaveLength(4);
  });

  it("rm3-terms: the feedback documents' own words, which analyze to new terms, none of the query's", () => {
    const english = getAnalyzer('english');
    const all = gens.get('terms') ?? [];
    expect(all).toHaveLength(4);
    for (const g of all) {
      expect(g.text).not.toBe('');
      const words = g.text.split(' ');
      expect(words.length).toBeLessThanOrEqual(6);
      const query = g.qid === 'q1' ? 'solar electricity' : 'baking bread yeast';
      const queryTerms = new Set(english.analyze(query));
      for (const w of words) {
        const terms = english.analyze(w);
        expect(terms).toHaveLength(1);
        expect(queryTerms.has(terms[0] as string)).toBe(false);
        // a word of the corpus, as written there (lower-cased)
        expect(DOCS.some(([, t]) => (t as string).toLowerCase().includes(w))).toBe(true);
      }
    }
    // the solar query's feedback documents are about energy: every word comes from them, none from the bread ones
    const energy = DOCS.filter(([id]) => ['d1', 'd2', 'd3', 'd5'].includes(id as string)).map(([, t]) => (t as string).toLowerCase());
    for (const w of (all.find((g) => g.qid === 'q1' && g.sample === 0)?.text ?? '').split(' '))
      expect(energy.some((t) => t.includes(w))).toBe(true);
  });
});
