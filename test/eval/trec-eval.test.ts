// Note: execa strips the final newline of captured output.
import { afterAll, describe, expect, it } from 'vitest';
import { formatFixed } from '../../src/eval/format-fixed.js';
import { Workspace } from '../helpers/workspace.js';

/*
 * Hand-built judgments and run; every expected value below is derived in the comments from
 * trec_eval 9.0.x's definitions (form_res_rels.c, m_map.c, m_bpref.c, m_ndcg*.c, ...), not taken
 * from qexp's output.
 *
 * q1 judged: d1:2 d2:0 d3:1 d4:1 d5:0 d9:3  → relevant at level 1: d1 d3 d4 d9 (R = 4), 2 non-relevant
 * q2 judged: e1:1, absent from the run      → counts only with -c
 * q3 judged: f1:0 (no relevant document)
 * q4 only in the run                         → always ignored
 *
 * q1 ranking: scores 10, 9, 9, 8, 7, 6. d2 and d3 tie at 9: trec_eval breaks ties by docno
 * descending, so d3 ranks before d2. The rank column is deliberately wrong and must be ignored.
 *   rank 1 d1 (2) · 2 d3 (1) · 3 d2 (0) · 4 d6 (unjudged) · 5 d4 (1) · 6 d5 (0)
 */
const QRELS = `q1 0 d1 2
q1 0 d2 0
q1 0 d3 1
q1 0 d4 1
q1 0 d5 0
q1 0 d9 3
q2 0 e1 1
q3 0 f1 0
`;
const RUN = `q1 Q0 d1 6 10 tag1
q1 Q0 d2 1 9 tag1
q1 Q0 d3 2 9 tag1
q1 Q0 d6 3 8 tag1
q1 Q0 d4 4 7 tag1
q1 Q0 d5 5 6 tag1
q3 Q0 f1 1 5 tag1
q3 Q0 f2 2 4 tag1
q4 Q0 g1 1 1 tag1
`;

const ws = new Workspace();
afterAll(() => ws.remove());
ws.write('qrels.txt', QRELS);
ws.write('run.txt', RUN);

async function evaluate(args: string[]) {
  const r = await ws.qexp(['eval', 'qrels.txt', 'run.txt', ...args]);
  expect(r.exitCode, r.stderr).toBe(0);
  const values = new Map<string, string>();
  for (const l of r.stdout.trim().split('\n')) {
    const [name, qid, value] = l.split('\t');
    values.set(`${name?.trim()} ${qid}`, value as string);
  }
  return { text: r.stdout, values };
}

const f4 = (x: number) => formatFixed(x, 4);
const log2 = Math.log2;

describe('qexp eval (trec_eval semantics)', () => {
  it('computes every measure per query as trec_eval defines it', async () => {
    const { values } = await evaluate([
      '-q',
      '-m',
      'official',
      '-m',
      'recall.5',
      '-m',
      'ndcg',
      '-m',
      'ndcg_cut.3',
      '-m',
      'success.1,5',
      '-m',
      'map_cut.2',
    ]);
    const q1 = (m: string) => values.get(`${m} q1`);
    expect(q1('num_ret')).toBe('6');
    expect(q1('num_rel')).toBe('4');
    expect(q1('num_rel_ret')).toBe('3'); // d1 d3 d4
    // AP: relevant at ranks 1, 2, 5 → (1/1 + 2/2 + 3/5) / R=4 = 0.65
    expect(q1('map')).toBe('0.6500');
    // map_cut.2: only ranks 1 and 2 → (1 + 1) / 4
    expect(q1('map_cut_2')).toBe('0.5000');
    // R-precision: 2 relevant (d1, d3) in the top R = 4
    expect(q1('Rprec')).toBe('0.5000');
    // bpref: N = 2 judged non-relevant; d1, d3 before any → 1 each; d4 after d2 → 1 − min(1,4)/min(2,4) = 0.5; (2.5)/4
    expect(q1('bpref')).toBe('0.6250');
    expect(q1('recip_rank')).toBe('1.0000');
    expect(q1('P_5')).toBe('0.6000'); // 3 of 5
    expect(q1('P_10')).toBe('0.3000'); // k stays 10 although 6 were retrieved
    expect(q1('recall_5')).toBe('0.7500'); // 3 of 4
    expect(q1('success_1')).toBe('1.0000');
    // nDCG: gain = grade, discount log2(rank + 1); ideal = all judged grades sorted (3, 2, 1, 1)
    const dcg = 2 / log2(2) + 1 / log2(3) + 1 / log2(6);
    const idcg = 3 / log2(2) + 2 / log2(3) + 1 / log2(4) + 1 / log2(5);
    expect(q1('ndcg')).toBe(f4(dcg / idcg));
    // nDCG@3: both cut at 3
    expect(q1('ndcg_cut_3')).toBe(f4((2 + 1 / log2(3)) / (3 + 2 / log2(3) + 1 / log2(4))));
    // q3 has no relevant document: every rate is 0, ndcg too (ideal DCG is 0)
    expect(values.get('map q3')).toBe('0.0000');
    expect(values.get('ndcg q3')).toBe('0.0000');
    expect(values.get('num_ret q3')).toBe('2');
    // q2 (not in the run) and q4 (not judged) are not evaluated without -c
    expect([...values.keys()].some((k) => k.endsWith(' q2') || k.endsWith(' q4'))).toBe(false);
    // summary: means over the 2 evaluated queries; counts are sums
    expect(values.get('num_q all')).toBe('2');
    expect(values.get('num_ret all')).toBe('8');
    expect(values.get('num_rel all')).toBe('4');
    expect(values.get('map all')).toBe('0.3250');
    expect(values.get('runid all')).toBe('tag1');
    // gm_map: exp(mean(log(max(AP, 1e-5)))) over 0.65 and 0
    expect(values.get('gm_map all')).toBe(f4(Math.exp((Math.log(0.65) + Math.log(0.00001)) / 2)));
  });

  it('-c averages over every judged query, counting a missing one as 0', async () => {
    const { values } = await evaluate(['-c', '-m', 'map', '-m', 'num_q', '-m', 'num_rel', '-m', 'num_ret']);
    expect(values.get('num_q all')).toBe('3');
    expect(values.get('map all')).toBe(f4(0.65 / 3)); // 0.2167
    expect(values.get('num_rel all')).toBe('5'); // q2's judged relevant document counts
    expect(values.get('num_ret all')).toBe('8');
  });

  it('-l sets the grade that counts as relevant for binary measures, not for nDCG', async () => {
    const { values } = await evaluate(['-q', '-l', '2', '-m', 'map', '-m', 'bpref', '-m', 'num_rel', '-m', 'ndcg_cut.3']);
    // relevant at level 2: d1 (2), d9 (3); d1 at rank 1 → AP = (1/1) / 2
    expect(values.get('num_rel q1')).toBe('2');
    expect(values.get('map q1')).toBe('0.5000');
    // bpref: non-relevant are grades 0 and 1 (N = 4); d1 comes first → 1/2
    expect(values.get('bpref q1')).toBe('0.5000');
    expect(values.get('ndcg_cut_3 q1')).toBe(f4((2 + 1 / log2(3)) / (3 + 2 / log2(3) + 1 / log2(4))));
  });

  it('-M keeps only the first documents of each ranking (after sorting)', async () => {
    const { values } = await evaluate(['-q', '-M', '2', '-m', 'map', '-m', 'num_ret']);
    expect(values.get('num_ret q1')).toBe('2');
    expect(values.get('map q1')).toBe('0.5000'); // d1, d3 → (1 + 1) / 4
  });

  it("accepts trec_eval's glued spellings with the same result", async () => {
    const a = await evaluate(['-q', '-mmap', '-mP.5', '-l2', '-M3']);
    const b = await evaluate(['-q', '-m', 'map', '-m', 'P.5', '-l', '2', '-M', '3']);
    expect(a.text).toBe(b.text);
    expect(a.text).toContain('map                   \tq1\t');
  });

  it('prints in trec_eval order and format, whatever order -m names the measures', async () => {
    const { text } = await evaluate(['-m', 'P.10,5', '-m', 'map', '-m', 'num_q']);
    expect(text).toBe(
      [
        'num_q                 \tall\t2',
        'map                   \tall\t0.3250',
        'P_5                   \tall\t0.3000',
        'P_10                  \tall\t0.1500',
      ].join('\n'),
    );
  });

  it('rounds as C printf does: exact ties go to even (1/32 = 0.03125 prints 0.0312)', async () => {
    expect(formatFixed(1 / 32, 4)).toBe('0.0312');
    expect(formatFixed(3 / 32, 4)).toBe('0.0938');
    expect(formatFixed(0.65, 4)).toBe('0.6500');
    expect(formatFixed(2 / 3, 4)).toBe('0.6667');
    const docs = Array.from({ length: 32 }, (_, i) => `t1 Q0 n${String(i + 1).padStart(2, '0')} ${i + 1} ${100 - i} r`).join('\n');
    ws.write('r32.txt', `${docs}\n`);
    ws.write('q32.txt', 't1 0 n32 1\n');
    const r = await ws.qexp(['eval', 'q32.txt', 'r32.txt', '-m', 'recip_rank']);
    expect(r.stdout).toBe('recip_rank            \tall\t0.0312');
  });

  it('rejects a document repeated in one ranking, naming the line', async () => {
    ws.write('dup.txt', 'q1 Q0 d1 1 3 t\nq1 Q0 d2 2 2 t\nq1 Q0 d1 3 1 t\n');
    const r = await ws.qexp(['eval', 'qrels.txt', 'dup.txt']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('dup.txt:3: document d1 appears twice in the ranking of query q1 (first at line 1)');
  });

  it('reports malformed qrels and run lines with file:line and exit 2', async () => {
    ws.write('badq.txt', 'q1 0 d1 1\nq1 0 d2\n');
    const q = await ws.qexp(['eval', 'badq.txt', 'run.txt']);
    expect(q.exitCode).toBe(2);
    expect(q.stderr).toBe("badq.txt:2: expected 4 columns 'qid iter docid grade', got 3");
    ws.write('badg.txt', 'q1 0 d1 high\n');
    expect((await ws.qexp(['eval', 'badg.txt', 'run.txt'])).stderr).toBe(
      "badg.txt:1: grade must be an integer, got 'high' (trec_eval's atol would read a prefix of it)",
    );
    ws.write('badr.txt', 'q1 Q0 d1 1 notanumber t\n');
    const r = await ws.qexp(['eval', 'qrels.txt', 'badr.txt']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe(
      "badr.txt:1: score 'notanumber' is not a number as C's strtod reads it (trec_eval's atof would silently read a prefix of it)",
    );
    ws.write('short.txt', 'q1 Q0 d1 1 3\n');
    expect((await ws.qexp(['eval', 'qrels.txt', 'short.txt'])).stderr).toBe(
      "short.txt:1: expected 6 columns 'qid Q0 docid rank score tag', got 5",
    );
    const m = await ws.qexp(['eval', 'qrels.txt', 'run.txt', '-m', 'mapp']);
    expect(m.exitCode).toBe(2);
    expect(m.stderr).toMatch(/illegal measure 'mapp'/);
  });
});
