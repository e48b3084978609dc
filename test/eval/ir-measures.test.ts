import { afterAll, describe, expect, it } from 'vitest';
import { readQrels } from '../../src/data/qrels.js';
import { readRun } from '../../src/data/runs.js';
import { evaluateRun, measureRanking } from '../../src/eval/evaluate-run.js';
import { MeasureError, parseIrMeasure } from '../../src/eval/measure-spec.js';
import { Workspace } from '../helpers/workspace.js';

/*
 * Measures named the ir_measures way, computed as ir_measures' default pipeline computes them
 * (pytrec_eval = trec_eval 9: scores as floats, ties by docid descending; the MS MARCO provider
 * for RR@k and the judged provider for Judged@k: scores as doubles, ties by docid ascending).
 * Values below are derived by hand in the comments.
 *
 * q1 judged: d1:2 d2:1 d3:0 d4:2 (R = 3 at rel 1, 2 at rel 2); d5 is not judged
 * q1 run: d5 3.0, d2 2.0, d3 2.0, d1 1.5, d4 1.0
 *   trec_eval order (ties docid descending): d5 d3 d2 d1 d4 → grades - 0 1 2 2
 *   ir_measures' python order (ties ascending): d5 d2 d3 d1 d4 → grades - 1 0 2 2
 * q2 judged: a:1 b:0; run: a 16.000002, b 16.000001 — one C float, two doubles
 *   trec_eval order: b a (tie, docid descending); python order: a b
 */
const ws = new Workspace();
afterAll(() => ws.remove());
ws.write('qrels.txt', 'q1 0 d1 2\nq1 0 d2 1\nq1 0 d3 0\nq1 0 d4 2\nq2 0 a 1\nq2 0 b 0\nq3 0 z 1\n');
ws.write(
  'run.txt',
  'q1 Q0 d5 1 3.0 r\nq1 Q0 d2 2 2.0 r\nq1 Q0 d3 3 2.0 r\nq1 Q0 d1 4 1.5 r\nq1 Q0 d4 5 1.0 r\nq2 Q0 a 1 16.000002 r\nq2 Q0 b 2 16.000001 r\n',
);

async function values(measures: string[], opts = {}) {
  const [qrels, run] = await Promise.all([readQrels(ws.path('qrels.txt')), readRun(ws.path('run.txt'))]);
  const r = evaluateRun(qrels, run, measures.map(parseIrMeasure), opts);
  const at = (qid: string, m: string) => r.perQuery[r.qids.indexOf(qid)]?.[measures.indexOf(m)];
  return { r, at, all: (m: string) => r.all[measures.indexOf(m)] };
}

const log2 = Math.log2;

describe('ir_measures names', () => {
  it('RR@k as the MS MARCO provider (doubles, docid ascending), RR as pytrec_eval (floats, descending)', async () => {
    const { at } = await values(['RR@10', 'RR', 'MRR', 'MRR@10', 'RR(rel=2)@10', 'RR(rel=2)@3', 'RR@1']);
    expect(at('q1', 'RR@10')).toBe(1 / 2); // python order: d2 (grade 1) at rank 2
    expect(at('q1', 'RR')).toBe(1 / 3); // trec order: d2 at rank 3
    expect(at('q1', 'MRR')).toBe(1 / 3);
    expect(at('q1', 'MRR@10')).toBe(1 / 2);
    expect(at('q1', 'RR(rel=2)@10')).toBe(1 / 4); // d1 at rank 4
    expect(at('q1', 'RR(rel=2)@3')).toBe(0);
    expect(at('q1', 'RR@1')).toBe(0); // d5 is not judged
    expect(at('q2', 'RR@10')).toBe(1); // doubles: a (16.000002) first
    expect(at('q2', 'RR')).toBe(1 / 2); // floats tie: b before a
  });

  it('NumRet(rel=2) is num_rel_ret at level 2; NumRet, NumRelRet, NumRel, NumQ sum over queries', async () => {
    const { at, all } = await values(['NumRet(rel=2)', 'NumRet', 'NumRelRet', 'NumRel', 'NumQ']);
    expect(at('q1', 'NumRet(rel=2)')).toBe(2); // d1, d4
    expect(at('q1', 'NumRet')).toBe(5);
    expect(at('q1', 'NumRelRet')).toBe(3); // d2, d1, d4
    expect(at('q1', 'NumRel')).toBe(3);
    expect(all('NumRet')).toBe(7); // 5 + 2, summed
    expect(all('NumQ')).toBe(2); // q3 has no run: not evaluated without complete
  });

  it('Judged@k: judged share of the top k (of the ranking when shorter), python order', async () => {
    const { at } = await values(['Judged@10', 'Judged@2', 'Judged@1', 'Judged']);
    expect(at('q1', 'Judged@10')).toBe(4 / 5); // 5 retrieved: divide by 5
    expect(at('q1', 'Judged@2')).toBe(1 / 2); // d5, d2
    expect(at('q1', 'Judged@1')).toBe(0);
    expect(at('q1', 'Judged')).toBe(4 / 5);
  });

  it('the aliases and the trec_eval-computed measures, at rel 1 or 2', async () => {
    const ms = [
      'MAP',
      'AP',
      'AP(rel=2)',
      'AP@4',
      'NDCG@3',
      'nDCG@3',
      'R@2',
      'Recall@4',
      'P@4',
      'Precision@4',
      'Success@3',
      'SetRelP',
      'SetF(beta=0.5)',
      'SetP',
      'SetR',
      'SetAP',
      'Rprec',
      'RPrec',
      'Bpref',
      'BPref',
      'IPrec@0.5',
      'infAP',
    ];
    const { at } = await values(ms);
    const q = (m: string) => at('q1', m) as number;
    // trec order grades - 0 1 2 2: relevant at ranks 3, 4, 5 → (1/3 + 2/4 + 3/5) / 3
    expect(q('MAP')).toBeCloseTo((1 / 3 + 2 / 4 + 3 / 5) / 3, 14);
    expect(q('AP')).toBe(q('MAP'));
    expect(q('AP(rel=2)')).toBeCloseTo((1 / 4 + 2 / 5) / 2, 14);
    expect(q('AP@4')).toBeCloseTo((1 / 3 + 2 / 4) / 3, 14);
    // DCG@3 = 1/log2(4); ideal grades 2 2 1 → 2 + 2/log2(3) + 1/log2(4)
    const ndcg3 = 1 / log2(4) / (2 + 2 / log2(3) + 1 / log2(4));
    expect(q('NDCG@3')).toBeCloseTo(ndcg3, 14);
    expect(q('nDCG@3')).toBe(q('NDCG@3'));
    expect(q('R@2')).toBe(0);
    expect(q('Recall@4')).toBeCloseTo(2 / 3, 14);
    expect(q('P@4')).toBe(0.5);
    expect(q('Precision@4')).toBe(0.5);
    expect(q('Success@3')).toBe(1);
    expect(q('SetRelP')).toBe(1); // 3 / min(5, 3)
    expect(q('SetP')).toBe(3 / 5);
    expect(q('SetR')).toBe(1);
    expect(q('SetAP')).toBeCloseTo((3 * 3) / (5 * 3), 14);
    expect(q('SetF(beta=0.5)')).toBeCloseTo((1.5 * 0.6 * 1) / (0.5 * 0.6 + 1), 14);
    expect(q('Rprec')).toBeCloseTo(1 / 3, 14); // top 3: d2 only
    expect(q('RPrec')).toBe(q('Rprec'));
    // bpref: d3 (nonrel) before d2, d1, d4; N = 1, R = 3: each rel gets 1 - min(1,3)/min(1,3) = 0
    expect(q('Bpref')).toBe(0);
    expect(q('BPref')).toBe(0);
    // iprec at 0.5: (long)(0.5·3 + 0.9) = 2nd relevant (rank 4): max precision from there = 3/5
    expect(q('IPrec@0.5')).toBeCloseTo(3 / 5, 14);
  });

  it('nDCG(gains=...) relabels grades before measuring, as ir_measures does for pytrec_eval', async () => {
    const { at } = await values(['nDCG(gains={0:0,1:1,2:10})@3']);
    // grades 1 → 1, 2 → 10: DCG@3 = 1/log2(4); ideal 10, 10, 1
    expect(at('q1', 'nDCG(gains={0:0,1:1,2:10})@3')).toBeCloseTo(1 / log2(4) / (10 + 10 / log2(3) + 1 / log2(4)), 14);
  });

  it('complete: every judged query counts, a missing one scoring 0 (ir_measures averages so)', async () => {
    const { r, all } = await values(['P@1', 'NumQ'], { complete: true });
    expect(r.qids).toEqual(['q1', 'q2', 'q3']);
    expect(all('P@1')).toBeCloseTo((0 + 0) / 3, 14);
    expect(all('NumQ')).toBe(2); // q3 contributes 0, as ir_measures' DEFAULT
  });

  it('refuses what ir_measures does not have, or qexp does not implement', () => {
    const err = (m: string) => {
      try {
        parseIrMeasure(m);
      } catch (e) {
        expect(e).toBeInstanceOf(MeasureError);
        return (e as Error).message;
      }
      throw new Error(`${m} was accepted`);
    };
    expect(err('RBP')).toBe("ir_measures' RBP is not implemented in qexp; see docs/evaluation.md for the measures it computes");
    expect(err('nDCG(dcg="exp-log2")@10')).toMatch(/gdeval provider, which qexp does not implement/);
    expect(err('RR(judged_only=True)@10')).toMatch(/no ir_measures provider computes RR with a cutoff and judged_only=True/);
    expect(err('NumRel(rel=2)')).toMatch(/NumRel only with rel=1/);
    expect(err('SetF(beta=1)')).toMatch(/beta must be a float \(write 1\.0, not 1\)/);
    expect(err('IPrec@1')).toMatch(/recall must be a float/);
    expect(err('P')).toBe("'P' needs a cutoff, e.g. P@10");
    expect(err('P@0')).toMatch(/cutoff must be positive/);
    expect(err('P(cutoff=5)@10')).toMatch(/cutoff is given twice/);
    expect(err('FooBar@10')).toMatch(/^unknown measure 'FooBar' in 'FooBar@10'/);
    expect(err('AP(2)')).toMatch(/^cannot read measure 'AP\(2\)'/);
    expect(err('Judged(rel=2)@10')).toMatch(/Judged has no parameter 'rel'/);
  });

  it('scores a ranking (feedback) as the run qexp search writes would be evaluated', async () => {
    const qrels = await readQrels(ws.path('qrels.txt'));
    const hits = [
      { docid: 'd5', score: 3 },
      { docid: 'd2', score: 2 },
      { docid: 'd3', score: 2 },
      { docid: 'd1', score: 1.5 },
      { docid: 'd4', score: 1 },
    ];
    for (const m of ['RR@10', 'RR', 'AP', 'nDCG@3', 'Judged@2'])
      expect(measureRanking(hits, qrels.get('q1'), parseIrMeasure(m))).toBe((await values([m])).at('q1', m));
  });
});
