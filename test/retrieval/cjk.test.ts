import { describe, expect, it } from 'vitest';
import { readTopics } from '../../src/data/topics.js';
import { getAnalyzer } from '../../src/retrieval/analysis/analyzers.js';
import { analyzeCjk, foldWidth } from '../../src/retrieval/analysis/cjk.js';
import { MIRROR } from '../helpers/mirror.js';

describe('cjk analyzer (Lucene CJKAnalyzer)', () => {
  it('makes overlapping bigrams over runs of Han characters; a lone character stays a unigram', () => {
    // from the MIRACL-zh dev topics (qid 1719936#0 and 6530715#0)
    expect(analyzeCjk('二战是什么时候开始的？')).toEqual(['二战', '战是', '是什', '什么', '么时', '时候', '候开', '开始', '始的']);
    expect(analyzeCjk('复旦大学在哪个城市？')).toEqual(['复旦', '旦大', '大学', '学在', '在哪', '哪个', '个城', '城市']);
    // runs are broken by anything that is not adjacent CJK text; other tokens pass through lower-cased; stop words go
    expect(analyzeCjk('Java编程 and the www 我 爱')).toEqual(['java', '编程', '我', '爱']);
  });

  it('bigrams katakana and hangul runs too, and folds full- and half-width forms first', () => {
    expect(analyzeCjk('テレビ')).toEqual(['テレ', 'レビ']);
    expect(analyzeCjk('한국어 사전')).toEqual(['한국', '국어', '사전']);
    expect(foldWidth('ＡＢＣ１２３')).toBe('ABC123');
    expect(foldWidth('ﾃﾚﾋﾞ')).toBe('テレビ');
    expect(analyzeCjk('ＡＢＣ１２３ ﾃﾚﾋﾞ')).toEqual(['abc123', 'テレ', 'レビ']);
  });

  it('zh-words segments with a dictionary', () => {
    expect(getAnalyzer('zh-words').analyze('复旦大学在哪个城市？')).toEqual(['复旦大学', '在', '哪个', '城市']);
  });

  it.skipIf(!MIRROR)('analyzes every MIRACL-zh dev topic into bigrams of its Han text', async () => {
    const topics = await readTopics(`${MIRROR}/miracl-zh/topics.miracl-v1.0-zh-dev.tsv`);
    for (const t of topics) {
      const out = analyzeCjk(t.text);
      expect(out.length, t.qid).toBeGreaterThan(0);
      // every Han bigram is two adjacent characters of the topic
      for (const term of out) if (/^\p{Script=Han}{2}$/u.test(term)) expect(t.text.includes(term), `${t.qid}: ${term}`).toBe(true);
    }
  });
});
