import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { termScore } from '../../src/retrieval/search/bm25.js';
import { GroupKernel } from '../../src/retrieval/search/group-kernel.js';

const kernel = new GroupKernel();

/** Runs the kernel's scan over `sums` (a multiple of 8 long) with cut and k; returns what it wrote and what it left in the accumulator. */
function scan(sums: number[], cut: number, k: number) {
  kernel.reset({ inv: new Float32Array(8), bytes: null, cache: null });
  const width = sums.length;
  const accAt = kernel.alloc(8 * width);
  const slotsAt = kernel.alloc(4 * width);
  const outAt = kernel.alloc(8 * width);
  const heapAt = kernel.alloc(8 * Math.max(1, k));
  new Float64Array(kernel.buffer, accAt, width).set(sums);
  const n = kernel.run.scan(accAt, width, cut, k, heapAt, slotsAt, outAt);
  return {
    slots: [...new Int32Array(kernel.buffer, slotsAt, n)],
    sums: [...new Float64Array(kernel.buffer, outAt, n)],
    left: [...new Float64Array(kernel.buffer, accAt, width)],
  };
}

/** Writes pairs as `scorePacked` lays them out: blocks of four slots (u16) and four scores (f32), the last padded with (0, +0). Returns the bytes written. */
function writeBlocks(at: number, slots: number[], scores: number[]): number {
  const view = new DataView(kernel.buffer);
  const blocks = Math.ceil(slots.length / 4);
  for (let b = 0; b < blocks; b++)
    for (let lane = 0; lane < 4; lane++) {
      const i = 4 * b + lane;
      view.setUint16(at + 24 * b + 2 * lane, i < slots.length ? (slots[i] as number) : 0, true);
      view.setFloat32(at + 24 * b + 8 + 4 * lane, i < slots.length ? (scores[i] as number) : 0, true);
    }
  return 24 * blocks;
}

// sums from a few values (many tie as floats, some only as doubles) and zeros, as a window's accumulator holds them
const value = fc.oneof(
  { weight: 3, arbitrary: fc.constant(0) },
  { weight: 3, arbitrary: fc.constantFrom(1.5, 2.25, 7, 7 + 2 ** -30, 7 - 2 ** -30) },
  { weight: 4, arbitrary: fc.double({ min: 0.001, max: 100, noNaN: true }) },
);
const accumulator = fc.integer({ min: 1, max: 64 }).chain((blocks) => fc.array(value, { minLength: 8 * blocks, maxLength: 8 * blocks }));

describe("group kernel's scoring", () => {
  it('gives each posting the float termScore gives it, beside its slot, and returns the largest', () => {
    // lengths from 0 past several groups of four, so that the four-at-a-time loop and the one-at-a-time tail both run
    const posting = fc.record({ slot: fc.nat(63), tf: fc.integer({ min: 1, max: 300 }) });
    fc.assert(
      fc.property(
        fc.array(posting, { maxLength: 23 }),
        fc.float({ min: Math.fround(0.01), max: 40, noNaN: true }),
        fc.array(fc.float({ min: Math.fround(0.05), max: 3, noNaN: true }), { minLength: 64, maxLength: 64 }),
        (postings, weight, inv) => {
          kernel.reset({ inv: new Float32Array(8), bytes: null, cache: null });
          const n = postings.length;
          const slotsAt = kernel.alloc(4 * n + 4);
          const tfsAt = kernel.alloc(4 * n + 4);
          const normsAt = kernel.alloc(4 * 64);
          const pairsAt = kernel.alloc(8 * n + 8);
          new Int32Array(kernel.buffer, slotsAt, n).set(postings.map((p) => p.slot));
          new Int32Array(kernel.buffer, tfsAt, n).set(postings.map((p) => p.tf));
          new Float32Array(kernel.buffer, normsAt, 64).set(inv);
          const most = kernel.run.score(slotsAt, tfsAt, n, weight, normsAt, pairsAt);
          const want = postings.map((p) => termScore(weight, p.tf, inv[p.slot] as number));
          const slots = new Int32Array(kernel.buffer, pairsAt, 2 * n);
          const scores = new Float32Array(kernel.buffer, pairsAt, 2 * n);
          postings.forEach((p, i) => {
            expect(slots[2 * i]).toBe(p.slot);
            expect(scores[2 * i + 1]).toBe(want[i]);
          });
          expect(most).toBe(Math.max(0, ...want));
        },
      ),
    );
  });
});

describe("group kernel's packed scoring", () => {
  it('writes blocks of four slots less the offset (u16) and four scores, the same floats as `score`, padded with (0, +0)', () => {
    // spans of up to 3 windows of 2^15 documents: the window's slots fill 16 bits
    const posting = fc.record({ slot: fc.nat((1 << 15) - 1), tf: fc.integer({ min: 1, max: 300 }) });
    fc.assert(
      fc.property(
        fc.array(posting, { maxLength: 23 }),
        fc.nat(2),
        fc.float({ min: Math.fround(0.01), max: 40, noNaN: true }),
        fc.array(fc.float({ min: Math.fround(0.05), max: 3, noNaN: true }), { minLength: 64, maxLength: 64 }),
        (postings, w, weight, inv) => {
          kernel.reset({ inv: new Float32Array(8), bytes: null, cache: null });
          const n = postings.length;
          const offset = w << 15;
          const span = 3 << 15;
          const slotsAt = kernel.alloc(4 * n + 4);
          const tfsAt = kernel.alloc(4 * n + 4);
          const normsAt = kernel.alloc(4 * span);
          const pairsAt = kernel.alloc(8 * n + 8);
          const outAt = kernel.alloc(24 * Math.ceil(n / 4) + 24);
          // norms repeat every 64 documents of the span
          const norms = new Float32Array(kernel.buffer, normsAt, span);
          for (let d = 0; d < span; d++) norms[d] = inv[d % 64] as number;
          new Int32Array(kernel.buffer, slotsAt, n).set(postings.map((p) => offset + p.slot));
          new Int32Array(kernel.buffer, tfsAt, n).set(postings.map((p) => p.tf));
          // whatever the buffer held before: the padding must be written, not left
          new Uint8Array(kernel.buffer, outAt, 24 * Math.ceil(n / 4) + 24).fill(0xab);
          const most = kernel.run.scorePacked(slotsAt, tfsAt, n, weight, normsAt, offset, outAt);
          expect(most).toBe(kernel.run.score(slotsAt, tfsAt, n, weight, normsAt, pairsAt));
          const want = new Uint8Array(24 * Math.ceil(n / 4));
          const plain = new Float32Array(kernel.buffer, pairsAt, 2 * n);
          const view = new DataView(want.buffer);
          postings.forEach((p, i) => {
            view.setUint16(24 * (i >> 2) + 2 * (i & 3), p.slot, true);
            view.setFloat32(24 * (i >> 2) + 8 + 4 * (i & 3), plain[2 * i + 1] as number, true);
          });
          expect([...new Uint8Array(kernel.buffer, outAt, want.length)]).toEqual([...want]);
        },
      ),
    );
  });
});

describe("group kernel's additions", () => {
  it("adds each pair's score, widened to double, to its slot in turn, slots repeated or not", () => {
    // up to several groups of four and a tail; few slots, so that one repeats within a group of four
    const pair = fc.record({ slot: fc.nat(5), score: fc.float({ min: 0, max: 50, noNaN: true }) });
    fc.assert(
      fc.property(
        fc.array(pair, { maxLength: 19 }),
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 8, maxLength: 8 }),
        (pairs, start) => {
          kernel.reset({ inv: new Float32Array(8), bytes: null, cache: null });
          const accAt = kernel.alloc(64);
          const pairsAt = kernel.alloc(8 * pairs.length + 8);
          new Float64Array(kernel.buffer, accAt, 8).set(start);
          const slots = new Int32Array(kernel.buffer, pairsAt, 2 * pairs.length);
          const scores = new Float32Array(kernel.buffer, pairsAt, 2 * pairs.length);
          pairs.forEach((p, i) => {
            slots[2 * i] = p.slot;
            scores[2 * i + 1] = p.score;
          });
          kernel.run.add(accAt, pairsAt, pairs.length);
          const want = [...start];
          for (const p of pairs) want[p.slot] = (want[p.slot] as number) + p.score;
          expect([...new Float64Array(kernel.buffer, accAt, 8)]).toEqual(want);
        },
      ),
    );
  });

  it("adds a query's listed segments' blocks, then its sparse pairs, in that order, padding adding nothing", () => {
    // segments of distinct slots over 16 documents (a window), some listed, and sparse pairs that may repeat slots
    const segment = fc
      .uniqueArray(fc.nat(15), { maxLength: 11 })
      .map((slots) => slots.sort((a, b) => a - b))
      .chain((slots) =>
        fc
          .array(fc.float({ min: 0, max: 50, noNaN: true }), { minLength: slots.length, maxLength: slots.length })
          .map((scores) => ({ slots, scores })),
      );
    const pair = fc.record({ slot: fc.nat(15), score: fc.float({ min: 0, max: 50, noNaN: true }) });
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(5), { maxLength: 6 }),
        fc.array(pair, { maxLength: 9 }),
        fc.array(fc.double({ min: 0, max: 10, noNaN: true }), { minLength: 16, maxLength: 16 }),
        (segments, picks, pairs, start) => {
          kernel.reset({ inv: new Float32Array(8), bytes: null, cache: null });
          const listed = picks.filter((c) => c < segments.length);
          const accAt = kernel.alloc(8 * 16);
          const tableAt = kernel.alloc(12 * segments.length);
          const segsAt = kernel.alloc(4 * listed.length);
          const blocksAt = segments.map((sg) => kernel.alloc(24 * Math.ceil(sg.slots.length / 4)));
          const pairsAt = kernel.alloc(8 * pairs.length + 8);
          const i32 = new Int32Array(kernel.buffer);
          segments.forEach((sg, c) => {
            writeBlocks(blocksAt[c] as number, sg.slots, sg.scores);
            i32[(tableAt + 12 * c) / 4] = blocksAt[c] as number;
            i32[(tableAt + 12 * c) / 4 + 1] = sg.slots.length;
          });
          new Int32Array(kernel.buffer, segsAt, listed.length).set(listed);
          pairs.forEach((p, i) => {
            i32[pairsAt / 4 + 2 * i] = p.slot;
            new Float32Array(kernel.buffer)[pairsAt / 4 + 2 * i + 1] = p.score;
          });
          new Float64Array(kernel.buffer, accAt, 16).set(start);
          kernel.run.addSegments(accAt, segsAt, listed.length, tableAt, pairsAt, pairs.length);
          const want = [...start];
          for (const c of listed) {
            const sg = segments[c] as { slots: number[]; scores: number[] };
            sg.slots.forEach((slot, j) => {
              want[slot] = (want[slot] as number) + (sg.scores[j] as number);
            });
          }
          for (const p of pairs) want[p.slot] = (want[p.slot] as number) + p.score;
          expect([...new Float64Array(kernel.buffer, accAt, 16)]).toEqual(want);
        },
      ),
    );
  });
});

describe("group kernel's scan", () => {
  it('with k, writes every sum above the cut that could make the top-k (ties as floats included), in slot order, and zeroes the accumulator', () => {
    fc.assert(
      fc.property(accumulator, fc.integer({ min: 1, max: 40 }), fc.constantFrom(0, 1, 7), (sums, k, cut) => {
        const out = scan(sums, cut, k);
        expect(out.left.every((v) => v === 0)).toBe(true);
        // written: (slot, sum) pairs of the accumulator, above the cut, slots ascending
        out.slots.forEach((slot, i) => {
          expect(out.sums[i]).toBe(sums[slot]);
          expect(out.sums[i] as number).toBeGreaterThan(cut);
          if (i > 0) expect(slot).toBeGreaterThan(out.slots[i - 1] as number);
        });
        // the k-th largest score (a sum rounded to float) above the cut; every sum rounding to it or above is written
        const above = sums.filter((v) => v > cut).map(Math.fround);
        const kth = [...above].sort((a, b) => b - a)[k - 1] ?? 0;
        const written = new Set(out.slots);
        sums.forEach((v, slot) => {
          if (v > cut && Math.fround(v) >= kth) expect(written.has(slot)).toBe(true);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('without k writes every sum above the cut', () => {
    fc.assert(
      fc.property(accumulator, fc.constantFrom(0, 1, 7), (sums, cut) => {
        const out = scan(sums, cut, 0);
        expect(out.slots).toEqual(sums.flatMap((v, slot) => (v > cut ? [slot] : [])));
      }),
      { numRuns: 100 },
    );
  });

  it('with k, writes few of a window of random sums: its cut rises as the top-k fills', () => {
    // 16,384 distinct sums in a random order (a fixed permutation): a top-10 not yet full
    const width = 1 << 14;
    const sums = Array.from({ length: width }, (_, i) => 1 + ((i * 7919) % width) / width);
    const plain = scan(sums, 0, 0).slots.length;
    const rising = scan(sums, 0, 10).slots.length;
    expect(plain).toBe(width);
    // about k (1 + ln(n / k)) ≈ 84 for a random order; the top 10 are among them
    expect(rising).toBeLessThan(400);
    expect(rising).toBeGreaterThanOrEqual(10);
  });
});

describe("group kernel's completion of MaxScore's candidates", () => {
  it('keeps, in order, exactly the candidates whose sums with their non-essential scores pass the cut, those sums beside them', () => {
    // a window of 256 slots (4 head words); up to 4 non-essential segments, each a sorted set of
    // slots with float scores, found through its head column as the window loop finds them
    const width = 256;
    const words = 4;
    const segment = fc
      .uniqueArray(fc.nat(width - 1), { maxLength: 60 })
      .map((slots) => slots.sort((a, b) => a - b))
      .chain((slots) =>
        fc
          .array(fc.float({ min: Math.fround(0.01), max: 8, noNaN: true }), { minLength: slots.length, maxLength: slots.length })
          .map((scores) => ({
            slots,
            scores,
          })),
      );
    const candidate = fc.record({ slot: fc.nat(width - 1), partial: fc.double({ min: 0, max: 20, noNaN: true }) });
    fc.assert(
      fc.property(
        fc.array(segment, { minLength: 1, maxLength: 4 }),
        fc.array(candidate, { maxLength: 40 }),
        fc.double({ min: 0, max: 30, noNaN: true }),
        (segments, candidates, cut) => {
          kernel.reset({ inv: new Float32Array(8), bytes: null, cache: null });
          const m = segments.length;
          const rowAt = kernel.alloc(12 * m);
          const headsAt = kernel.alloc(10 * words * m);
          const segsAt = kernel.alloc(8 * m);
          const scratchAt = kernel.alloc(16 * m + 4);
          const docsAt = kernel.alloc(4 * width);
          const pairsAt = segments.map((s) => kernel.alloc(24 * Math.ceil(s.slots.length / 4)));
          const slotsAt = kernel.alloc(4 * candidates.length + 4);
          const sumsAt = kernel.alloc(8 * candidates.length + 8);
          const i32 = new Int32Array(kernel.buffer);
          const f32 = new Float32Array(kernel.buffer);
          new Uint8Array(kernel.buffer, headsAt, 10 * words * m).fill(0);
          segments.forEach((s, c) => {
            const at = pairsAt[c] as number;
            writeBlocks(at, s.slots, s.scores);
            i32[(rowAt + 12 * c) / 4] = at;
            i32[(rowAt + 12 * c) / 4 + 1] = s.slots.length;
            f32[(rowAt + 12 * c) / 4 + 2] = Math.max(0, ...s.scores);
            new Int32Array(kernel.buffer, docsAt, s.slots.length).set(s.slots);
            const bits = headsAt + 10 * words * c;
            kernel.run.mark(docsAt, s.slots.length, 0, bits, bits + 8 * words, words);
            // head column c for table column c
            i32[segsAt / 4 + 2 * c] = c;
            i32[segsAt / 4 + 2 * c + 1] = c;
          });
          const rest = kernel.run.nonEssential(segsAt, m, rowAt, headsAt, words, scratchAt);
          let most = 0;
          for (const s of segments) most += Math.fround(Math.max(0, ...s.scores));
          expect(rest).toBe(most);
          expect(i32[scratchAt / 4 + 4 * m]).toBe(segments.reduce((n, s) => n + s.slots.length, 0));
          new Int32Array(kernel.buffer, slotsAt, candidates.length).set(candidates.map((c) => c.slot));
          new Float64Array(kernel.buffer, sumsAt, candidates.length).set(candidates.map((c) => c.partial));
          const found = kernel.run.complete(slotsAt, sumsAt, candidates.length, cut, scratchAt, m, rest);
          // each candidate's whole sum, the segments added last listed first as the kernel adds them
          const want = candidates.flatMap(({ slot, partial }) => {
            let v = partial;
            for (const { slots, scores } of [...segments].reverse()) {
              const j = slots.indexOf(slot);
              if (j >= 0) v += scores[j] as number;
            }
            return v > cut ? [{ slot, v }] : [];
          });
          expect([...new Int32Array(kernel.buffer, slotsAt, found)]).toEqual(want.map((w) => w.slot));
          expect([...new Float64Array(kernel.buffer, sumsAt, found)]).toEqual(want.map((w) => w.v));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("group kernel's sort of sparse pairs by window", () => {
  it('lays out every pair by window, then by query, in the order read, with where each window and query starts', () => {
    // queries of a few segments each, pairs (document, score) over 4 windows of 8 documents
    const pair = fc.record({ doc: fc.nat(31), score: fc.float({ min: 0, max: 9, noNaN: true }) });
    const query = fc.array(fc.array(pair, { maxLength: 9 }), { maxLength: 3 });
    fc.assert(
      fc.property(fc.array(query, { minLength: 1, maxLength: 5 }), (queries) => {
        kernel.reset({ inv: new Float32Array(8), bytes: null, cache: null });
        const shift = 3;
        const windows = 4;
        const nq = queries.length;
        const segs = queries.flat();
        const total = segs.reduce((n, s) => n + s.length, 0);
        const listAt = kernel.alloc(8 * segs.length + 8);
        const endsAt = kernel.alloc(4 * nq);
        const segAt = segs.map((s) => kernel.alloc(8 * s.length + 8));
        const outAt = kernel.alloc(8 * total + 8);
        const atAt = kernel.alloc(4 * (windows * nq + 1));
        const cursorsAt = kernel.alloc(4 * windows * nq);
        const i32 = new Int32Array(kernel.buffer);
        const f32 = new Float32Array(kernel.buffer);
        segs.forEach((s, i) => {
          i32[listAt / 4 + 2 * i] = segAt[i] as number;
          i32[listAt / 4 + 2 * i + 1] = s.length;
          s.forEach((p, j) => {
            i32[(segAt[i] as number) / 4 + 2 * j] = p.doc;
            f32[(segAt[i] as number) / 4 + 2 * j + 1] = p.score;
          });
        });
        let end = 0;
        queries.forEach((q, i) => {
          end += q.length;
          i32[endsAt / 4 + i] = end;
        });
        // the at array and the scratch start dirty: the kernel clears them
        new Int32Array(kernel.buffer, atAt, windows * nq + 1).fill(7);
        new Int32Array(kernel.buffer, cursorsAt, windows * nq).fill(7);
        kernel.run.byWindow(listAt, endsAt, nq, shift, atAt, windows, outAt, cursorsAt);
        const want: { slot: number; score: number }[] = [];
        const starts: number[] = [];
        for (let w = 0; w < windows; w++)
          queries.forEach((q) => {
            starts.push(want.length);
            for (const s of q) for (const p of s) if (p.doc >> shift === w) want.push({ slot: p.doc & 7, score: p.score });
          });
        starts.push(want.length);
        expect([...new Int32Array(kernel.buffer, atAt, windows * nq + 1)]).toEqual(starts);
        const out = Array.from({ length: total }, (_, j) => ({ slot: i32[outAt / 4 + 2 * j], score: f32[outAt / 4 + 2 * j + 1] }));
        expect(out).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});
