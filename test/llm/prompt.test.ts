import { describe, expect, it } from 'vitest';
import {
  chooseExamples,
  type ExamplesDecl,
  type Exemplar,
  fill,
  type PromptDecl,
  postprocess,
  renderMessages,
  templateVersion,
} from '../../src/llm/prompt.js';

const pool: Exemplar[] = Array.from({ length: 30 }, (_, i) => ({ id: `t${i}`, query: `train query ${i}`, passage: `passage ${i}` }));
const decl: ExamplesDecl = { pool: 'pool.jsonl', k: 4, select: 'random', template: 'Q: {{query}}\nA: {{passage}}', separator: '\n\n' };

describe('few-shot exemplars', () => {
  it('draws k distinct entries, the same for the same (seed, query), others for other queries or seeds', () => {
    const a = chooseExamples(decl, pool, 7, 'q1', 'some query');
    expect(a).toHaveLength(4);
    expect(new Set(a.map((e) => e.id)).size).toBe(4);
    expect(chooseExamples(decl, pool, 7, 'q1', 'some query')).toEqual(a);
    expect(chooseExamples(decl, pool, 7, 'q2', 'another query')).not.toEqual(a);
    expect(chooseExamples(decl, pool, 8, 'q1', 'some query')).not.toEqual(a);
  });

  it('never uses the query being expanded, by id or by text', () => {
    const small = pool.slice(0, 5);
    for (let i = 0; i < 50; i++) {
      const picked = chooseExamples({ ...decl, k: 3 }, small, i, 't2', 'Train Query 3 ');
      expect(picked.map((e) => e.id).sort()).toEqual(['t0', 't1', 't4']);
    }
  });

  it('takes fixed ids in order, skipping the query itself, and names an unknown id', () => {
    const fixed: ExamplesDecl = { ...decl, select: 'fixed', k: 2, ids: ['t5', 't3', 't9'] };
    expect(chooseExamples(fixed, pool, 1, 'q', 'x').map((e) => e.id)).toEqual(['t5', 't3']);
    expect(chooseExamples(fixed, pool, 1, 't5', 'x').map((e) => e.id)).toEqual(['t3', 't9']);
    expect(() => chooseExamples({ ...fixed, ids: ['nope'] }, pool, 1, 'q', 'x')).toThrow(/few-shot pool has no entry 'nope'/);
  });

  it('writes exemplars into {{examples}} and the query into {{query}}, once', () => {
    const prompt: PromptDecl = {
      messages: [
        { role: 'system', content: 'Expand queries.' },
        { role: 'user', content: '{{examples}}\n\nQ: {{query}}\nA:' },
      ],
      examples: decl,
      postprocess: { strip_think: true, normalize_whitespace: true },
    };
    const msgs = renderMessages(prompt, 'what is {{examples}}?', pool.slice(0, 2));
    expect(msgs[1]?.content).toBe('Q: train query 0\nA: passage 0\n\nQ: train query 1\nA: passage 1\n\nQ: what is {{examples}}?\nA:');
    expect(fill('{{ query }} {{unknown}}', { query: 'x' })).toBe('x {{unknown}}');
  });

  it("versions the template, not the post-processing or the pool's place", () => {
    const p: PromptDecl = {
      messages: [{ role: 'user', content: '{{query}}' }],
      postprocess: { strip_think: true, normalize_whitespace: true },
    };
    const v = templateVersion(p);
    expect(templateVersion({ ...p, postprocess: { strip_think: false, normalize_whitespace: false, max_words: 5 } })).toBe(v);
    expect(templateVersion({ ...p, messages: [{ role: 'user', content: 'Q: {{query}}' }] })).not.toBe(v);
    const withEx = { ...p, examples: decl };
    expect(templateVersion({ ...withEx, examples: { ...decl, pool: 'elsewhere.jsonl' } })).toBe(templateVersion(withEx));
    expect(templateVersion({ ...withEx, examples: { ...decl, k: 5 } })).not.toBe(templateVersion(withEx));
  });
});

describe('post-processing', () => {
  const all = { strip_think: true, normalize_whitespace: true };
  it('removes <think> blocks, also an unclosed one at the end, and folds white space', () => {
    expect(postprocess('<think>\nhmm\n</think>\n\nThe  answer\tis 42.\n', all)).toBe('The answer is 42.');
    expect(postprocess('Part one <think>a</think> part <think>b</think>two', all)).toBe('Part one part two');
    expect(postprocess('Answer first.<think>ran out of tokens', all)).toBe('Answer first.');
    expect(postprocess(' keep <think>x</think> ', { strip_think: false, normalize_whitespace: false })).toBe(' keep <think>x</think> ');
  });
  it('caps the words', () => {
    expect(postprocess('one two  three four', { ...all, max_words: 3 })).toBe('one two three');
    expect(postprocess('one two', { ...all, max_words: 3 })).toBe('one two');
  });
});

describe('pool size', () => {
  it('says when the pool is too small for k', () => {
    expect(() => chooseExamples({ ...decl, k: 4 }, pool.slice(0, 4), 1, 't0', 'x')).toThrow(
      /few-shot pool has 3 usable entries for query t0; examples.k is 4/,
    );
  });
});
