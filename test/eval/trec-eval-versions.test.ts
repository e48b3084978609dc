import { afterAll, describe, expect, it } from 'vitest';
import { Workspace } from '../helpers/workspace.js';

/*
 * trec_eval 9.0.x (the default) and 10.0 (--trec-eval-version 10) on hand-built files; each
 * expected value is derived in the comments from trec_eval's source (get_trec_results.c,
 * form_res_rels.c, trec_eval.c, m_iprec_at_recall.c), and was checked against both C programs.
 */
const ws = new Workspace();
afterAll(() => ws.remove());

async function evalText(args: string[]) {
  const r = await ws.qexp(['eval', ...args]);
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

const v10 = ['--trec-eval-version', '10'];

describe('trec_eval 9.0.x and 10.0 semantics', () => {
  it('9 compares scores as C floats (a tie, broken by docno descending); 10 as doubles', async () => {
    // 16.000002 and 16.000001 are one float (spacing 2^-19 above 16): b ranks first in 9, a in 10
    expect(Math.fround(16.000002)).toBe(Math.fround(16.000001));
    ws.write('ft.q', 't1 0 a 1\nt1 0 b 0\n');
    ws.write('ft.r', 't1 Q0 a 1 16.000002 r\nt1 Q0 b 2 16.000001 r\n');
    expect((await evalText(['-m', 'recip_rank', 'ft.q', 'ft.r'])).out).toBe('recip_rank            \tall\t0.5000');
    expect((await evalText([...v10, '-m', 'recip_rank', 'ft.q', 'ft.r'])).out).toBe('recip_rank            \tall\t1.0000');
  });

  it("prints the last line's tag as runid, ignores columns after the sixth, and keeps the first -m P.k", async () => {
    ws.write('tag.q', 'q 0 a 1\n');
    ws.write('tag.r', 'q Q0 a 1 2 first extra columns here\nq Q0 b 2 1 last\n');
    const r = await evalText(['-m', 'runid', '-m', 'P.1', '-m', 'P.2', 'tag.q', 'tag.r']);
    expect(r.out).toBe(['runid                 \tall\tlast', 'P_1                   \tall\t1.0000'].join('\n'));
  });

  it('checks repeated documents only among the first -M of a ranking, as trec_eval does', async () => {
    ws.write('dm.q', 'q 0 d1 1\n');
    ws.write('dm.r', 'q Q0 d1 1 3 t\nq Q0 d2 2 2 t\nq Q0 d1 3 1 t\n');
    expect((await evalText(['-M', '2', '-m', 'num_ret', 'dm.q', 'dm.r'])).out).toBe('num_ret               \tall\t2');
    const bad = await evalText(['-m', 'num_ret', 'dm.q', 'dm.r']);
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('dm.r:3: document d1 appears twice in the ranking of query q (first at line 1)');
    // a query without judgments is never ranked, so its repeats pass (trec_eval never looks at it)
    ws.write('dm2.r', 'q Q0 d1 1 3 t\nz Q0 x 1 1 t\nz Q0 x 2 1 t\n');
    expect((await evalText(['-m', 'num_ret', 'dm.q', 'dm2.r'])).out).toBe('num_ret               \tall\t1');
  });

  it('-q -c: 9 prints only queries in the run; 10 also the missing one, measured as no retrieval', async () => {
    ws.write('qc.q', 'q1 0 a 1\nq2 0 b 1\n');
    ws.write('qc.r', 'q1 Q0 a 1 1 t\n');
    const args = ['-q', '-c', '-m', 'num_ret', '-m', 'num_rel', '-m', 'map', 'qc.q', 'qc.r'];
    // map: q1 = 1, q2 = 0, averaged over both judged queries with -c
    const tail = ['num_ret               \tall\t1', 'num_rel               \tall\t2', 'map                   \tall\t0.5000'];
    const q1 = ['num_ret               \tq1\t1', 'num_rel               \tq1\t1', 'map                   \tq1\t1.0000'];
    const q2 = ['num_ret               \tq2\t0', 'num_rel               \tq2\t1', 'map                   \tq2\t0.0000'];
    expect((await evalText(args)).out).toBe([...q1, ...tail].join('\n'));
    expect((await evalText([...v10, ...args])).out).toBe([...q1, ...q2, ...tail].join('\n'));
    // without -c, 10.0 stops at a judged query missing from the run; 9 skips it
    const stop = await evalText([...v10, '-m', 'map', 'qc.q', 'qc.r']);
    expect(stop.code).toBe(2);
    expect(stop.err).toBe(
      'qexp eval: query q2 is judged but not in the run: trec_eval 10.0 stops here (add -c to score it 0, or use --trec-eval-version 9, which skips it)',
    );
    expect((await evalText(['-m', 'map', 'qc.q', 'qc.r'])).out).toBe('map                   \tall\t1.0000');
  });

  it('9 turns recall levels into ranks as (long)(x·R + 0.9), 10 with lround', async () => {
    // R = 4; relevant at ranks 1, 2, 4, 8. iprec_at_recall_0.60: 9 → (long)(2.4 + 0.9) = 3rd relevant
    // (rank 4): max precision from there = 3/4; 10 → lround(2.4) = 2nd (rank 2): 2/2 = 1
    ws.write('ip.q', 'q 0 r1 1\nq 0 r2 1\nq 0 r3 0\nq 0 r4 1\nq 0 r5 0\nq 0 r6 0\nq 0 r7 0\nq 0 r8 1\n');
    ws.write('ip.r', Array.from({ length: 8 }, (_, i) => `q Q0 r${i + 1} ${i + 1} ${8 - i} t\n`).join(''));
    expect((await evalText(['-m', 'iprec_at_recall.0.6', 'ip.q', 'ip.r'])).out).toBe('iprec_at_recall_0.60  \tall\t0.7500');
    expect((await evalText([...v10, '-m', 'iprec_at_recall.0.6', 'ip.q', 'ip.r'])).out).toBe('iprec_at_recall_0.60  \tall\t1.0000');
  });

  it('reads cutoffs with atol (ndcg_cut.23.4 is ndcg_cut_23) and gains as grade=gain pairs', async () => {
    ws.write('g.q', 'x 0 a 1\nx 0 b 2\nx 0 c 0\n');
    ws.write('g.r', 'x Q0 a 1 3 t\nx Q0 b 2 2 t\nx Q0 c 3 1 t\n');
    const cut = await evalText(['-m', 'ndcg_cut.23.4', 'g.q', 'g.r']);
    expect(cut.out).toMatch(/^ndcg_cut_23 {11}\tall\t/);
    expect(cut.err).toBe("qexp eval: warning: cutoff '23.4' in '-m ndcg_cut.23.4' is read as 23 (C's atol, as trec_eval reads it)");
    // grade 1 → gain 0, grade 2 → gain 1: the only gain is b's at rank 2 → DCG 1/log2(3); ideal 1/log2(2)
    expect((await evalText(['-m', 'ndcg.1=0,2=1', 'g.q', 'g.r'])).out).toBe(
      `ndcg_1=0,2=1          \tall\t${(1 / Math.log2(3)).toFixed(4)}`,
    );
    const bad = await evalText(['-m', 'ndcg.1=0,2', 'g.q', 'g.r']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/malformed parameters '1=0,2' of '-m ndcg'/);
  });

  it('stops, as trec_eval does, at a first measured query whose grades are all negative', async () => {
    // form_res_rels asks for 0 grade counters; trec_eval gets NULL and exits 4 — unless an earlier
    // query made it allocate them
    ws.write('neg.q', 'a 0 x 1\nb 0 y -1\n');
    ws.write('neg2.q', 'b 0 y -1\n');
    ws.write('neg.r', 'a Q0 x 1 1 t\nb Q0 y 1 1 t\n');
    const ok = await evalText(['-q', '-m', 'num_rel_ret', '-m', 'infAP', 'neg.q', 'neg.r']);
    expect(ok.out).toBe(
      [
        'num_rel_ret           \ta\t1',
        'infAP                 \ta\t1.0000',
        'num_rel_ret           \tb\t0',
        'infAP                 \tb\t0.0000',
        'num_rel_ret           \tall\t1',
        'infAP                 \tall\t0.5000',
      ].join('\n'),
    );
    const stop = await evalText(['-m', 'num_ret', 'neg2.q', 'neg.r']);
    expect(stop.code).toBe(2);
    expect(stop.err).toMatch(
      /^qexp eval: every judgment of query b has a negative grade, and no query measured before it had one of grade 0 or more: trec_eval stops here/,
    );
  });

  it('accepts -m all_trec with every measure of the version, in trec_eval order', async () => {
    const names = (out: string) => [...new Set(out.split('\n').map((l) => (l.split('\t')[0] as string).trim().replace(/_[\d.]+$/, '')))];
    const nine = await evalText(['-m', 'all_trec', 'g.q', 'g.r']);
    expect(names(nine.out)).toEqual(
      'runid num_q num_ret num_rel num_rel_ret map gm_map Rprec bpref recip_rank iprec_at_recall P recall infAP gm_bpref Rprec_mult utility 11pt_avg binG G ndcg ndcg_rel Rndcg ndcg_cut map_cut relative_P success set_P set_relative_P set_recall set_map set_F num_nonrel_judged_ret'.split(
        ' ',
      ),
    );
    const ten = await evalText([...v10, '-m', 'all_trec', 'g.q', 'g.r']);
    expect(names(ten.out).slice(-3)).toEqual(['rbp', 'rbp_resid', 'unj']);
  });
});

describe('run scores: exactly what C strtod reads (trec_eval reads them with atof)', () => {
  it('accepts inf, Infinity, 1e999, nan, hexadecimal and signed forms, ranking by their values', async () => {
    ws.write('s.q', 'q 0 a 1\nq 0 b 1\nq 0 c 1\nq 0 d 1\nq 0 e 1\nq 0 f 1\nq 0 g 1\nq 0 h 1\n');
    ws.write('s2.q', 'q 0 c 1\n');
    // values: a = +inf, b = 1e999 = +inf, c = 16 (0x10), d = 15.5, e = -8 (-0x1p3), f = 0.5, g = 5
    const lines = [
      'q Q0 a 1 inf t',
      'q Q0 b 2 1e999 t',
      'q Q0 c 3 0x10 t',
      'q Q0 d 4 15.5 t',
      'q Q0 e 5 -0x1p3 t',
      'q Q0 f 6 +.5 t',
      'q Q0 g 7 5. t',
    ];
    ws.write('s.r', `${lines.join('\n')}\n`);
    // c (16) ranks below the two infinities and above 15.5: rank 3
    expect((await evalText(['-m', 'recip_rank', 's2.q', 's.r'])).out).toBe('recip_rank            \tall\t0.3333');
    ws.write('s3.q', 'q 0 e 1\n');
    expect((await evalText(['-m', 'recip_rank', 's3.q', 's.r'])).out).toBe('recip_rank            \tall\t0.1429'); // -8: last of 7
    // 1e308 is a double but overflows a float: trec_eval 9 sees a tie with Infinity (docno x first)
    ws.write('inf.r', 'q Q0 c 1 Infinity t\nq Q0 x 2 1e308 t\n');
    expect((await evalText(['-m', 'recip_rank', 's2.q', 'inf.r'])).out).toBe('recip_rank            \tall\t0.5000');
    expect((await evalText([...v10, '-m', 'recip_rank', 's2.q', 'inf.r'])).out).toBe('recip_rank            \tall\t1.0000');
    // a NaN is neither above nor below any score: trec_eval's merge sort (glibc qsort) then puts c
    // 4th, after h; qexp sorts the same way (both C programs print 0.2500 here)
    ws.write('nan.r', `${[...lines, 'q Q0 h 8 nan t'].join('\n')}\n`);
    expect((await evalText(['-m', 'recip_rank', 's2.q', 'nan.r'])).out).toBe('recip_rank            \tall\t0.2500');
    expect((await evalText([...v10, '-m', 'recip_rank', 's2.q', 'nan.r'])).out).toBe('recip_rank            \tall\t0.2500');
  });

  it('refuses what strtod does not read whole, with the file and line', async () => {
    for (const bad of ['1.5abc', 'abc', '0x', '1e', '--1', '0x1p', '1,5', '']) {
      ws.write('bad.r', `q Q0 a 1 1 t\nq Q0 b 2 ${bad === '' ? '"' : bad} t\n`);
      const r = await evalText(['-m', 'map', 's.q', 'bad.r']);
      expect(r.code).toBe(2);
      expect(r.err).toBe(
        `bad.r:2: score '${bad === '' ? '"' : bad}' is not a number as C's strtod reads it (trec_eval's atof would silently read a prefix of it)`,
      );
    }
  });
});

describe('comment lines and empty files', () => {
  it("10 skips '#' lines in runs and in judgments; 9 reads them as data and says so", async () => {
    ws.write('c.q', '# judgments for q\nq 0 a 1\n');
    ws.write('c.r', '# a run\n   # indented\nq Q0 a 1 1 t\n');
    expect((await evalText([...v10, '-m', 'num_rel', 'c.q', 'c.r'])).out).toBe('num_rel               \tall\t1');
    const nine = await evalText(['-m', 'num_rel', 'c.q', 'c.r']);
    expect(nine.code).toBe(2);
    expect(nine.err).toMatch(
      /^c\.(q|r):1: expected \d columns .*; trec_eval 9 has no comment lines \(trec_eval 10 skips lines starting with '#'\)$/,
    );
    // 10.0's judgment readers take the line after a comment as data: two comment lines in a row are refused
    ws.write('cc.q', '# one\n# two\nq 0 a 1\n');
    const two = await evalText([...v10, '-m', 'num_rel', 'cc.q', 'c.r']);
    expect(two.code).toBe(2);
    expect(two.err).toBe(
      'cc.q:1: trec_eval 10.0 reads the line after a comment as a judgment even when it is a comment; merge these comment lines',
    );
  });

  it('warns about an empty qrels file', async () => {
    ws.write('empty.q', '\n');
    ws.write('one.r', 'q Q0 a 1 1 t\n');
    const r = await evalText(['-m', 'map', 'empty.q', 'one.r']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')).toEqual([
      'qexp: warning: empty.q: the qrels file has no judgments',
      'qexp eval: no query has both results and judgments: check that the qids of the run and the judgments match',
    ]);
  });
});
