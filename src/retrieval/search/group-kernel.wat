;; Group scoring's inner loops (group-search.ts), in WebAssembly: the JavaScript versions of these
;; loops ran at about a third of this speed in a microbenchmark (V8 checks the bounds of each
;; typed-array access), and V8 does not vectorise the scan. Compiled to group-kernel.wasm by
;; scripts/build-wasm.mjs.
;; Addresses are byte offsets into the exported memory, which group-kernel.ts lays out.
(module
  (memory (export "memory") 1)

  ;; Decodes the postings blocks in [words, end) (byte addresses; format: index-format.ts, with a
  ;; header of four words if exact, else three) into docs (document − base, i32) and tfs (i32),
  ;; leaving out the documents below base (the first block may have been decoded for the span
  ;; before); prev is the document before the first block's (its first gap counts from it).
  ;; Returns how many it wrote. Packed values are read with 64-bit loads, which may read up to 4
  ;; bytes past end: the caller leaves them readable.
  (func $decode (export "decode") (param $words i32) (param $end i32) (param $exact i32) (param $prev i32) (param $base i32)
    (param $docs i32) (param $tfs i32) (result i32)
    (local $h i32) (local $count i32) (local $bits i32) (local $mask i64) (local $body i32) (local $i i32)
    (local $bit i32) (local $total i32) (local $out i32) (local $drop i32)
    (block $done
      (loop $block
        (br_if $done (i32.ge_u (local.get $words) (local.get $end)))
        (local.set $h (i32.load (local.get $words)))
        (local.set $count (i32.and (local.get $h) (i32.const 0xff)))
        (local.set $body (i32.add (local.get $words) (select (i32.const 16) (i32.const 12) (local.get $exact))))
        ;; document gaps minus one, docBits each
        (local.set $bits (i32.and (i32.shr_u (local.get $h) (i32.const 8)) (i32.const 0xff)))
        (local.set $mask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $bits))) (i64.const 1)))
        (local.set $out (i32.add (local.get $docs) (i32.shl (local.get $total) (i32.const 2))))
        (local.set $i (i32.const 0))
        (local.set $bit (i32.const 0))
        (local.set $drop (i32.const 0))
        (block $gapsDone
          (loop $gap
            (br_if $gapsDone (i32.ge_u (local.get $i) (local.get $count)))
            (local.set $prev
              (i32.add (local.get $prev)
                (i32.add (i32.const 1)
                  (i32.wrap_i64
                    (i64.and (local.get $mask)
                      (i64.shr_u
                        (i64.load (i32.add (local.get $body) (i32.shl (i32.shr_u (local.get $bit) (i32.const 5)) (i32.const 2))))
                        (i64.extend_i32_u (i32.and (local.get $bit) (i32.const 31)))))))))
            (i32.store (local.get $out) (i32.sub (local.get $prev) (local.get $base)))
            ;; a document below base is overwritten by the next
            (if (i32.lt_s (local.get $prev) (local.get $base))
              (then (local.set $drop (i32.add (local.get $drop) (i32.const 1))))
              (else (local.set $out (i32.add (local.get $out) (i32.const 4)))))
            (local.set $bit (i32.add (local.get $bit) (local.get $bits)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $gap)))
        ;; frequencies minus one, tfBits each, after the gaps' words
        (local.set $body
          (i32.add (local.get $body)
            (i32.shl (i32.shr_u (i32.add (i32.mul (local.get $count) (local.get $bits)) (i32.const 31)) (i32.const 5)) (i32.const 2))))
        (local.set $bits (i32.and (i32.shr_u (local.get $h) (i32.const 16)) (i32.const 0xff)))
        (local.set $mask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $bits))) (i64.const 1)))
        (local.set $out (i32.add (local.get $tfs) (i32.shl (local.get $total) (i32.const 2))))
        (local.set $i (i32.const 0))
        (local.set $bit (i32.const 0))
        (block $tfsDone
          (loop $tf
            (br_if $tfsDone (i32.ge_u (local.get $i) (local.get $count)))
            ;; the frequencies of the documents left out come first: they are overwritten likewise
            (i32.store (local.get $out)
              (i32.add (i32.const 1)
                (i32.wrap_i64
                  (i64.and (local.get $mask)
                    (i64.shr_u
                      (i64.load (i32.add (local.get $body) (i32.shl (i32.shr_u (local.get $bit) (i32.const 5)) (i32.const 2))))
                      (i64.extend_i32_u (i32.and (local.get $bit) (i32.const 31))))))))
            (if (i32.ge_u (local.get $i) (local.get $drop))
              (then (local.set $out (i32.add (local.get $out) (i32.const 4)))))
            (local.set $bit (i32.add (local.get $bit) (local.get $bits)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $tf)))
        (local.set $words
          (i32.add (local.get $body)
            (i32.shl (i32.shr_u (i32.add (i32.mul (local.get $count) (local.get $bits)) (i32.const 31)) (i32.const 5)) (i32.const 2))))
        (local.set $total (i32.add (local.get $total) (i32.sub (local.get $count) (local.get $drop))))
        (br $block)))
    (local.get $total))

;; `decode` of n terms' whole postings (every document), one term after another: list holds
  ;; each term's blocks as (words, end) byte addresses, and each entry's end is overwritten by how
  ;; many postings the term has. Returns how many in all.
  (func (export "decodeAll") (param $list i32) (param $n i32) (param $exact i32) (param $docs i32) (param $tfs i32)
    (result i32)
    (local $end i32) (local $used i32) (local $count i32)
    (local.set $end (i32.add (local.get $list) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $list) (local.get $end)))
        (local.set $count
          (call $decode (i32.load (local.get $list)) (i32.load offset=4 (local.get $list)) (local.get $exact)
            (i32.const -1) (i32.const 0)
            (i32.add (local.get $docs) (i32.shl (local.get $used) (i32.const 2)))
            (i32.add (local.get $tfs) (i32.shl (local.get $used) (i32.const 2)))))
        (i32.store offset=4 (local.get $list) (local.get $count))
        (local.set $used (i32.add (local.get $used) (local.get $count)))
        (local.set $list (i32.add (local.get $list) (i32.const 8)))
        (br $next)))
    (local.get $used))

  ;; Lucene's BM25 term score of one posting, weight − weight / (1 + tf · normInv): its slot in
  ;; the span (normInv from norms, f32 by slot) and its tf (i32) at tfs. The tails of `score` and
  ;; `scorePacked` call it; their four-at-a-time loops keep the same arithmetic inline, since V8
  ;; does not inline a call there.
  (func $score1 (param $slot i32) (param $tfs i32) (param $weight f32) (param $norms i32) (result f32)
    (f32.sub (local.get $weight)
      (f32.div (local.get $weight)
        (f32.add (f32.const 1)
          (f32.mul (f32.convert_i32_s (i32.load (local.get $tfs)))
            (f32.load (i32.add (local.get $norms) (i32.shl (local.get $slot) (i32.const 2)))))))))

  ;; pairs[j] = (slots[j], Lucene's BM25 term score of the posting) for j < n, an i32 and an f32:
  ;; the score is weight − weight / (1 + tf · normInv), slots[j] (i32) being the posting's
  ;; document within the window's span, tfs[j] (i32) its frequency, norms (f32) the normInverse
  ;; per document from the span's start. In float (f32) arithmetic, which gives the same floats
  ;; as bm25.ts's termScore: each step there is computed in double and rounded to float, and
  ;; double has enough precision that this rounds as a float operation would. Slot and score side
  ;; by side: the additions then read one stream per segment, not two. Returns the largest score
  ;; (0 for none).
  (func $score (export "score") (param $slots i32) (param $tfs i32) (param $n i32) (param $weight f32) (param $norms i32) (param $pairs i32)
    (result f32)
    (local $end i32) (local $slot i32) (local $v f32) (local $max f32)
    (local $s v128) (local $x v128) (local $w v128) (local $most v128)
    (local.set $end (i32.add (local.get $slots) (i32.shl (local.get $n) (i32.const 2))))
    ;; four postings at a time: f32x4 arithmetic rounds lane by lane as `$score1`'s f32 operations do
    (local.set $w (f32x4.splat (local.get $weight)))
    (block $fours
      (loop $four
        (br_if $fours (i32.gt_u (i32.add (local.get $slots) (i32.const 16)) (local.get $end)))
        (local.set $s (v128.load (local.get $slots)))
        (local.set $x
          (f32x4.replace_lane 3
            (f32x4.replace_lane 2
              (f32x4.replace_lane 1
                (f32x4.splat (f32.load (i32.add (local.get $norms) (i32.shl (i32.load (local.get $slots)) (i32.const 2)))))
                (f32.load (i32.add (local.get $norms) (i32.shl (i32.load offset=4 (local.get $slots)) (i32.const 2)))))
              (f32.load (i32.add (local.get $norms) (i32.shl (i32.load offset=8 (local.get $slots)) (i32.const 2)))))
            (f32.load (i32.add (local.get $norms) (i32.shl (i32.load offset=12 (local.get $slots)) (i32.const 2))))))
        (local.set $x
          (f32x4.sub (local.get $w)
            (f32x4.div (local.get $w)
              (f32x4.add (f32x4.splat (f32.const 1))
                (f32x4.mul (f32x4.convert_i32x4_s (v128.load (local.get $tfs))) (local.get $x))))))
        (local.set $most (f32x4.pmax (local.get $most) (local.get $x)))
        ;; (slot, score) pairs: lanes 0 and 1, then 2 and 3
        (v128.store (local.get $pairs)
          (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $s) (local.get $x)))
        (v128.store offset=16 (local.get $pairs)
          (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $s) (local.get $x)))
        (local.set $slots (i32.add (local.get $slots) (i32.const 16)))
        (local.set $tfs (i32.add (local.get $tfs) (i32.const 16)))
        (local.set $pairs (i32.add (local.get $pairs) (i32.const 32)))
        (br $four)))
    (local.set $most (f32x4.pmax (local.get $most) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $most) (local.get $most))))
    (local.set $max (f32.max (f32x4.extract_lane 0 (local.get $most)) (f32x4.extract_lane 1 (local.get $most))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $slots) (local.get $end)))
        (local.set $slot (i32.load (local.get $slots)))
        (i32.store (local.get $pairs) (local.get $slot))
        (local.set $v (call $score1 (local.get $slot) (local.get $tfs) (local.get $weight) (local.get $norms)))
        (f32.store offset=4 (local.get $pairs) (local.get $v))
        (local.set $max (f32.max (local.get $max) (local.get $v)))
        (local.set $slots (i32.add (local.get $slots) (i32.const 4)))
        (local.set $tfs (i32.add (local.get $tfs) (i32.const 4)))
        (local.set $pairs (i32.add (local.get $pairs) (i32.const 8)))
        (br $next)))
    (local.get $max))

  ;; `score` into blocks of four postings, 24 bytes each: their slots in the window (u16: slots[j]
  ;; less offset) and then their scores (f32), the last block padded with (0, +0), which adds
  ;; nothing. A dense segment's pairs of a window take 6 bytes a posting instead of 8: the
  ;; queries' additions read a window's pairs, several MB, from beyond the core's cache.
  ;; Returns the largest score (0 for none).
  (func $scorePacked (export "scorePacked") (param $slots i32) (param $tfs i32) (param $n i32) (param $weight f32) (param $norms i32)
    (param $offset i32) (param $out i32) (result f32)
    (local $end i32) (local $slot i32) (local $v f32) (local $max f32) (local $lane i32)
    (local $s v128) (local $x v128) (local $w v128) (local $most v128) (local $off v128)
    (local.set $end (i32.add (local.get $slots) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $w (f32x4.splat (local.get $weight)))
    (local.set $off (i32x4.splat (local.get $offset)))
    (block $fours
      (loop $four
        (br_if $fours (i32.gt_u (i32.add (local.get $slots) (i32.const 16)) (local.get $end)))
        (local.set $s (v128.load (local.get $slots)))
        (local.set $x
          (f32x4.replace_lane 3
            (f32x4.replace_lane 2
              (f32x4.replace_lane 1
                (f32x4.splat (f32.load (i32.add (local.get $norms) (i32.shl (i32.load (local.get $slots)) (i32.const 2)))))
                (f32.load (i32.add (local.get $norms) (i32.shl (i32.load offset=4 (local.get $slots)) (i32.const 2)))))
              (f32.load (i32.add (local.get $norms) (i32.shl (i32.load offset=8 (local.get $slots)) (i32.const 2)))))
            (f32.load (i32.add (local.get $norms) (i32.shl (i32.load offset=12 (local.get $slots)) (i32.const 2))))))
        (local.set $x
          (f32x4.sub (local.get $w)
            (f32x4.div (local.get $w)
              (f32x4.add (f32x4.splat (f32.const 1))
                (f32x4.mul (f32x4.convert_i32x4_s (v128.load (local.get $tfs))) (local.get $x))))))
        (local.set $most (f32x4.pmax (local.get $most) (local.get $x)))
        ;; the slots in the window fit 16 bits (windows of at most 2^16 documents)
        (local.set $s (i32x4.sub (local.get $s) (local.get $off)))
        (v128.store64_lane 0 (local.get $out) (i16x8.narrow_i32x4_u (local.get $s) (local.get $s)))
        (v128.store offset=8 (local.get $out) (local.get $x))
        (local.set $slots (i32.add (local.get $slots) (i32.const 16)))
        (local.set $tfs (i32.add (local.get $tfs) (i32.const 16)))
        (local.set $out (i32.add (local.get $out) (i32.const 24)))
        (br $four)))
    (local.set $most (f32x4.pmax (local.get $most) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $most) (local.get $most))))
    (local.set $max (f32.max (f32x4.extract_lane 0 (local.get $most)) (f32x4.extract_lane 1 (local.get $most))))
    (if (i32.lt_u (local.get $slots) (local.get $end))
      (then
        ;; one to three left: a block of padding, then each pair in its lane
        (i64.store (local.get $out) (i64.const 0))
        (v128.store offset=8 (local.get $out) (v128.const i64x2 0 0))
        (loop $next
          (local.set $slot (i32.load (local.get $slots)))
          (i32.store16 (i32.add (local.get $out) (i32.shl (local.get $lane) (i32.const 1))) (i32.sub (local.get $slot) (local.get $offset)))
          (local.set $v (call $score1 (local.get $slot) (local.get $tfs) (local.get $weight) (local.get $norms)))
          (f32.store offset=8 (i32.add (local.get $out) (i32.shl (local.get $lane) (i32.const 2))) (local.get $v))
          (local.set $max (f32.max (local.get $max) (local.get $v)))
          (local.set $lane (i32.add (local.get $lane) (i32.const 1)))
          (local.set $slots (i32.add (local.get $slots) (i32.const 4)))
          (local.set $tfs (i32.add (local.get $tfs) (i32.const 4)))
          (br_if $next (i32.lt_u (local.get $slots) (local.get $end))))))
    (local.get $max))

  ;; One window's pairs of every dense segment, segment after segment, scored just before the
  ;; group's queries add them (the window's pairs, a few MB, are then still in the cache): segs
  ;; holds n entries of 8 bytes, each segment's runs (the address of its term's `regroup` entries:
  ;; where its postings of each window of the span start and end in the slots and tfs arrays, two
  ;; i32 a window) and its weight (f32). The pairs go to out one segment after the other, in
  ;; `scorePacked`'s blocks (slots less offset: the window's first document in the span), up to
  ;; outEnd (past it: a trap); table + 12 i receives segment i's address, count of pairs (two i32)
  ;; and largest score (f32): the bound group scoring prunes by.
  (func (export "scoreWindow") (param $segs i32) (param $n i32) (param $slots i32) (param $tfs i32) (param $norms i32)
    (param $w i32) (param $offset i32) (param $out i32) (param $table i32) (param $outEnd i32)
    (local $end i32) (local $b i32) (local $from i32) (local $count i32) (local $bytes i32)
    (local.set $end (i32.add (local.get $segs) (i32.shl (local.get $n) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $segs) (local.get $end)))
        (local.set $b (i32.add (i32.load (local.get $segs)) (i32.shl (local.get $w) (i32.const 3))))
        (local.set $from (i32.load (local.get $b)))
        (local.set $count (i32.sub (i32.load offset=4 (local.get $b)) (local.get $from)))
        ;; a buffer sized too small for the window would be written past: trap instead
        (local.set $bytes (i32.mul (i32.shr_u (i32.add (local.get $count) (i32.const 3)) (i32.const 2)) (i32.const 24)))
        (if (i32.gt_u (i32.add (local.get $out) (local.get $bytes)) (local.get $outEnd))
          (then unreachable))
        (i32.store (local.get $table) (local.get $out))
        (i32.store offset=4 (local.get $table) (local.get $count))
        (f32.store offset=8 (local.get $table)
          (call $scorePacked
            (i32.add (local.get $slots) (i32.shl (local.get $from) (i32.const 2)))
            (i32.add (local.get $tfs) (i32.shl (local.get $from) (i32.const 2)))
            (local.get $count) (f32.load offset=4 (local.get $segs)) (local.get $norms) (local.get $offset) (local.get $out)))
        (local.set $out (i32.add (local.get $out) (local.get $bytes)))
        (local.set $segs (i32.add (local.get $segs) (i32.const 8)))
        (local.set $table (i32.add (local.get $table) (i32.const 12)))
        (br $next))))

  ;; Dense postings of a span decoded term after term, those of terms [first, end) (term t's entries
  ;; from bounds + 4 t (span + 1): where its postings of each of the span's count windows start in
  ;; (docs, tfs), then where they end), copied window after window, term after term within a window,
  ;; to (outDocs, outTfs) from entry out on: `scoreWindow` then reads a window's postings from a few
  ;; regions, not from a place per term (a cache miss and, with 4 KiB pages, a TLB miss each).
  ;; runs + 8 (t · span + w) receives where term t's postings of window w start and end there;
  ;; cursors (count i32) is scratch. Copies 16 bytes at a time, reading and writing up to 12 bytes
  ;; past a run: each window's region ends 4 entries past its postings, and the caller leaves 12
  ;; bytes readable past the input. Returns the entry past the output.
  (func (export "regroup") (param $bounds i32) (param $first i32) (param $end i32) (param $span i32) (param $count i32) (param $docs i32)
    (param $tfs i32) (param $outDocs i32) (param $outTfs i32) (param $out i32) (param $runs i32) (param $cursors i32) (result i32)
    (local $t i32) (local $w i32) (local $b i32) (local $c i32) (local $from i32) (local $len i32) (local $i i32)
    (local $sum i32) (local $x i32) (local $r i32)
    (memory.fill (local.get $cursors) (i32.const 0) (i32.shl (local.get $count) (i32.const 2)))
    ;; each window's postings, then where its region starts
    (local.set $t (local.get $first))
    (block $counted
      (loop $term
        (br_if $counted (i32.ge_u (local.get $t) (local.get $end)))
        (local.set $b (i32.add (local.get $bounds) (i32.shl (i32.mul (local.get $t) (i32.add (local.get $span) (i32.const 1))) (i32.const 2))))
        (local.set $w (i32.const 0))
        (block $windows
          (loop $window
            (br_if $windows (i32.ge_u (local.get $w) (local.get $count)))
            (local.set $c (i32.add (local.get $cursors) (i32.shl (local.get $w) (i32.const 2))))
            (i32.store (local.get $c) (i32.add (i32.load (local.get $c))
              (i32.sub (i32.load offset=4 (local.get $b)) (i32.load (local.get $b)))))
            (local.set $b (i32.add (local.get $b) (i32.const 4)))
            (local.set $w (i32.add (local.get $w) (i32.const 1)))
            (br $window)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $term)))
    (local.set $w (i32.const 0))
    (local.set $sum (local.get $out))
    (block $placed
      (loop $window
        (br_if $placed (i32.ge_u (local.get $w) (local.get $count)))
        (local.set $c (i32.add (local.get $cursors) (i32.shl (local.get $w) (i32.const 2))))
        (local.set $x (i32.load (local.get $c)))
        (i32.store (local.get $c) (local.get $sum))
        (local.set $sum (i32.add (local.get $sum) (i32.add (local.get $x) (i32.const 4))))
        (local.set $w (i32.add (local.get $w) (i32.const 1)))
        (br $window)))
    ;; term after term: each term's postings read in order, written to the windows' regions
    (local.set $t (local.get $first))
    (block $copied
      (loop $term
        (br_if $copied (i32.ge_u (local.get $t) (local.get $end)))
        (local.set $b (i32.add (local.get $bounds) (i32.shl (i32.mul (local.get $t) (i32.add (local.get $span) (i32.const 1))) (i32.const 2))))
        (local.set $r (i32.add (local.get $runs) (i32.shl (i32.mul (local.get $t) (local.get $span)) (i32.const 3))))
        (local.set $w (i32.const 0))
        (block $windows
          (loop $window
            (br_if $windows (i32.ge_u (local.get $w) (local.get $count)))
            (local.set $c (i32.add (local.get $cursors) (i32.shl (local.get $w) (i32.const 2))))
            (local.set $x (i32.load (local.get $c)))
            (local.set $from (i32.load (local.get $b)))
            (local.set $len (i32.sub (i32.load offset=4 (local.get $b)) (local.get $from)))
            (local.set $i (i32.const 0))
            (block $done
              (loop $four
                (br_if $done (i32.ge_s (local.get $i) (local.get $len)))
                (v128.store (i32.add (local.get $outDocs) (i32.shl (i32.add (local.get $x) (local.get $i)) (i32.const 2)))
                  (v128.load (i32.add (local.get $docs) (i32.shl (i32.add (local.get $from) (local.get $i)) (i32.const 2)))))
                (v128.store (i32.add (local.get $outTfs) (i32.shl (i32.add (local.get $x) (local.get $i)) (i32.const 2)))
                  (v128.load (i32.add (local.get $tfs) (i32.shl (i32.add (local.get $from) (local.get $i)) (i32.const 2)))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $four)))
            (i32.store (local.get $r) (local.get $x))
            (i32.store offset=4 (local.get $r) (i32.add (local.get $x) (local.get $len)))
            (i32.store (local.get $c) (i32.add (local.get $x) (local.get $len)))
            (local.set $r (i32.add (local.get $r) (i32.const 8)))
            (local.set $b (i32.add (local.get $b) (i32.const 4)))
            (local.set $w (i32.add (local.get $w) (i32.const 1)))
            (br $window)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $term)))
    (local.get $sum))

  ;; `score` for each of the n entries of list (20 bytes: slots, tfs, count, weight f32, pairs).
  (func (export "scoreAll") (param $list i32) (param $n i32) (param $norms i32)
    (local $end i32)
    (local.set $end (i32.add (local.get $list) (i32.mul (local.get $n) (i32.const 20))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $list) (local.get $end)))
        (drop (call $score (i32.load (local.get $list)) (i32.load offset=4 (local.get $list)) (i32.load offset=8 (local.get $list))
          (f32.load offset=12 (local.get $list)) (local.get $norms) (i32.load offset=16 (local.get $list))))
        (local.set $list (i32.add (local.get $list) (i32.const 20)))
        (br $next))))

  ;; acc[slot] += score for each of the n (slot i32, score f32) pairs: acc f64, the score widened.
  ;; A document's score is the double sum of its terms' float scores, as in Bm25Searcher.
  (func (export "add") (param $acc i32) (param $pairs i32) (param $n i32)
    (call $addRuns (local.get $acc) (i32.const 0) (i32.const 0) (i32.const 0) (local.get $pairs) (local.get $n)))

  ;; A query's additions in a window: the pairs of each table column in segs[0..count) (i32; its
  ;; entry, 12 bytes from table + 12 column as `scoreWindow` writes them, holds the address of its
  ;; blocks and how many pairs they hold), then `add` of the n (slot, score) pairs at `pairs` (the
  ;; query's sparse pairs), all into acc. One call for every run: a call a run cost ~10% of the
  ;; additions.
  (func $addRuns (export "addSegments") (param $acc i32) (param $segs i32) (param $count i32) (param $table i32)
    (param $pairs i32) (param $n i32)
    (local $segsEnd i32) (local $p i32) (local $end i32) (local $e i32)
    (local $a i32)
    (local.set $segsEnd (i32.add (local.get $segs) (i32.shl (local.get $count) (i32.const 2))))
    (block $dense
      (loop $run
        (br_if $dense (i32.ge_u (local.get $segs) (local.get $segsEnd)))
        (local.set $e (i32.add (local.get $table) (i32.mul (i32.load (local.get $segs)) (i32.const 12))))
        (local.set $p (i32.load (local.get $e)))
        (local.set $end (i32.add (local.get $p)
          (i32.mul (i32.shr_u (i32.add (i32.load offset=4 (local.get $e)) (i32.const 3)) (i32.const 2)) (i32.const 24))))
        ;; a block a step, pair by pair with scalar loads (exact: f32 to f64): SIMD loads need each
        ;; lane extracted on the shuffle port, which bounded the loop. A segment's slots are
        ;; distinct, but padding repeats slot 0
        (block $blocks
          (loop $block
            (br_if $blocks (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (i32.load16_u (local.get $p)) (i32.const 3))))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.load offset=8 (local.get $p)))))
            (local.set $a (i32.add (local.get $acc) (i32.shl (i32.load16_u offset=2 (local.get $p)) (i32.const 3))))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.load offset=12 (local.get $p)))))
            (local.set $a (i32.add (local.get $acc) (i32.shl (i32.load16_u offset=4 (local.get $p)) (i32.const 3))))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.load offset=16 (local.get $p)))))
            (local.set $a (i32.add (local.get $acc) (i32.shl (i32.load16_u offset=6 (local.get $p)) (i32.const 3))))
            (f64.store (local.get $a) (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.load offset=20 (local.get $p)))))
            (local.set $p (i32.add (local.get $p) (i32.const 24)))
            (br $block)))
        (local.set $segs (i32.add (local.get $segs) (i32.const 4)))
        (br $run)))
    (local.set $p (local.get $pairs))
    (local.set $end (i32.add (local.get $pairs) (i32.shl (local.get $n) (i32.const 3))))
    ;; pair by pair (a query's sparse pairs may repeat a slot)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $a (i32.add (local.get $acc) (i32.shl (i32.load (local.get $p)) (i32.const 3))))
        (f64.store (local.get $a)
          (f64.add (f64.load (local.get $a)) (f64.promote_f32 (f32.load offset=4 (local.get $p)))))
        (local.set $p (i32.add (local.get $p) (i32.const 8)))
        (br $next))))

  ;; The group's sparse pairs sorted by window, and by query within a window (a counting sort), so
  ;; that the window loop, which visits the queries in turn, reads them in order: the pairs
  ;; (document i32, score f32) of the segments listed in segs (each an address and a number of
  ;; pairs, two i32), query after query, ends[q] (i32) being where query q's entries end, go to out
  ;; as (slot within the window, score), in the order read within a window and query. Windows are
  ;; 2^shift documents; at (windows · queries + 1 i32) receives where the pairs of window w and
  ;; query q start in out (in pairs), at[w · queries + q], and how many there are in all last.
  ;; The counts and cursors (cursors: windows · queries i32 of scratch) are kept query by query,
  ;; a query's cells side by side: laid out window by window, a query's cells were a window's
  ;; stride apart, all in one set of the first-level cache.
  (func (export "byWindow") (param $segs i32) (param $ends i32) (param $queries i32) (param $shift i32) (param $at i32)
    (param $windows i32) (param $out i32) (param $cursors i32)
    (local $s i32) (local $end i32) (local $p i32) (local $pEnd i32) (local $c i32) (local $sum i32) (local $x i32)
    (local $mask i32) (local $d i32) (local $q i32) (local $cells i32) (local $pass i32) (local $w i32) (local $own i32)
    (local $pair i64) (local $keep i64)
    (local.set $mask (i32.sub (i32.shl (i32.const 1) (local.get $shift)) (i32.const 1)))
    ;; a pair's score (high word) and its document's slot in the window (low)
    (local.set $keep (i64.or (i64.const 0xffffffff00000000) (i64.extend_i32_u (local.get $mask))))
    (local.set $cells (i32.mul (local.get $windows) (local.get $queries)))
    (memory.fill (local.get $cursors) (i32.const 0) (i32.shl (local.get $cells) (i32.const 2)))
    ;; pass 0 counts each cell's pairs; pass 1, after the counts became starts, places them, each
    ;; cell's cursor moved on past its pairs
    (loop $passes
      (local.set $s (local.get $segs))
      (local.set $q (i32.const 0))
      (block $queriesDone
        (loop $query
          (br_if $queriesDone (i32.ge_u (local.get $q) (local.get $queries)))
          (local.set $end (i32.add (local.get $segs) (i32.shl (i32.load (i32.add (local.get $ends) (i32.shl (local.get $q) (i32.const 2)))) (i32.const 3))))
          (local.set $own (i32.add (local.get $cursors) (i32.shl (i32.mul (local.get $q) (local.get $windows)) (i32.const 2))))
          (block $segsDone
            (loop $seg
              (br_if $segsDone (i32.ge_u (local.get $s) (local.get $end)))
              (local.set $p (i32.load (local.get $s)))
              (local.set $pEnd (i32.add (local.get $p) (i32.shl (i32.load offset=4 (local.get $s)) (i32.const 3))))
              (block $done
                (loop $pair
                  (br_if $done (i32.ge_u (local.get $p) (local.get $pEnd)))
                  ;; the pair in one load, its document in the low word
                  (local.set $pair (i64.load (local.get $p)))
                  (local.set $c (i32.add (local.get $own)
                    (i32.shl (i32.shr_u (i32.wrap_i64 (local.get $pair)) (local.get $shift)) (i32.const 2))))
                  (local.set $x (i32.load (local.get $c)))
                  (i32.store (local.get $c) (i32.add (local.get $x) (i32.const 1)))
                  (if (local.get $pass)
                    (then
                      (i64.store (i32.add (local.get $out) (i32.shl (local.get $x) (i32.const 3)))
                        (i64.and (local.get $pair) (local.get $keep)))))
                  (local.set $p (i32.add (local.get $p) (i32.const 8)))
                  (br $pair)))
              (local.set $s (i32.add (local.get $s) (i32.const 8)))
              (br $seg)))
          (local.set $q (i32.add (local.get $q) (i32.const 1)))
          (br $query)))
      (if (i32.eqz (local.get $pass))
        (then
          ;; each cell's first place, window by window and query by query within a window: to at,
          ;; and as the cell's cursor
          (local.set $w (i32.const 0))
          (local.set $x (local.get $at))
          (block $summed
            (loop $window
              (br_if $summed (i32.ge_u (local.get $w) (local.get $windows)))
              (local.set $c (i32.add (local.get $cursors) (i32.shl (local.get $w) (i32.const 2))))
              (local.set $q (i32.const 0))
              (block $queriesSummed
                (loop $each
                  (br_if $queriesSummed (i32.ge_u (local.get $q) (local.get $queries)))
                  (local.set $d (i32.load (local.get $c)))
                  (i32.store (local.get $c) (local.get $sum))
                  (i32.store (local.get $x) (local.get $sum))
                  (local.set $sum (i32.add (local.get $sum) (local.get $d)))
                  (local.set $c (i32.add (local.get $c) (i32.shl (local.get $windows) (i32.const 2))))
                  (local.set $x (i32.add (local.get $x) (i32.const 4)))
                  (local.set $q (i32.add (local.get $q) (i32.const 1)))
                  (br $each)))
              (local.set $w (i32.add (local.get $w) (i32.const 1)))
              (br $window)))
          (i32.store (local.get $x) (local.get $sum))
          (local.set $pass (i32.const 1))
          (br $passes)))))

  ;; A window's head index for one head term: the n documents docs[0..n) (i32, counted from base)
  ;; of its postings in the window set their bits (slot by slot) in bits (words i64, zeroed), and
  ;; ranks (u16 per word) receives how many are set before each word. A document's rank among
  ;; them is its posting's position among the term's in the window, so in each segment of the term
  ;; its pair's position.
  (func (export "mark") (param $docs i32) (param $n i32) (param $base i32) (param $bits i32) (param $ranks i32) (param $words i32)
    (local $end i32) (local $s i32) (local $a i32) (local $i i32) (local $total i32)
    (local.set $end (i32.add (local.get $docs) (i32.shl (local.get $n) (i32.const 2))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $docs) (local.get $end)))
        (local.set $s (i32.sub (i32.load (local.get $docs)) (local.get $base)))
        (local.set $a (i32.add (local.get $bits) (i32.shl (i32.shr_u (local.get $s) (i32.const 6)) (i32.const 3))))
        (i64.store (local.get $a)
          (i64.or (i64.load (local.get $a)) (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $s)))))
        (local.set $docs (i32.add (local.get $docs) (i32.const 4)))
        (br $next)))
    (block $counted
      (loop $word
        (br_if $counted (i32.ge_u (local.get $i) (local.get $words)))
        (i32.store16 (i32.add (local.get $ranks) (i32.shl (local.get $i) (i32.const 1))) (local.get $total))
        (local.set $total (i32.add (local.get $total)
          (i32.wrap_i64 (i64.popcnt (i64.load (i32.add (local.get $bits) (i32.shl (local.get $i) (i32.const 3))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $word))))

  ;; MaxScore's non-essential segments of a query in a window: segs[0..count) holds each one's
  ;; table column and head column (two i32). Writes to scratch (16 bytes each) the address of its
  ;; pairs in the window (from the window's table row), of its head column's bits (a column is
  ;; 10 · words bytes from heads) and ranks, and its largest score there (f32), then (one i32
  ;; after them) how many pairs they have there, the additions left out; returns the sum of
  ;; their largest scores there.
  (func (export "nonEssential") (param $segs i32) (param $count i32) (param $row i32) (param $heads i32) (param $words i32)
    (param $scratch i32) (result f64)
    (local $i i32) (local $e i32) (local $s i32) (local $col i32) (local $rest f64) (local $pairs i32)
    (block $listed
      (loop $seg
        (br_if $listed (i32.ge_u (local.get $i) (local.get $count)))
        (local.set $e (i32.add (local.get $row)
          (i32.mul (i32.load (i32.add (local.get $segs) (i32.shl (local.get $i) (i32.const 3)))) (i32.const 12))))
        (local.set $rest (f64.add (local.get $rest) (f64.promote_f32 (f32.load offset=8 (local.get $e)))))
        (local.set $pairs (i32.add (local.get $pairs) (i32.load offset=4 (local.get $e))))
        (local.set $s (i32.add (local.get $scratch) (i32.shl (local.get $i) (i32.const 4))))
        (local.set $col (i32.add (local.get $heads) (i32.mul (i32.mul (local.get $words) (i32.const 10))
          (i32.load offset=4 (i32.add (local.get $segs) (i32.shl (local.get $i) (i32.const 3)))))))
        (i32.store (local.get $s) (i32.load (local.get $e)))
        (i32.store offset=4 (local.get $s) (local.get $col))
        (i32.store offset=8 (local.get $s) (i32.add (local.get $col) (i32.shl (local.get $words) (i32.const 3))))
        (f32.store offset=12 (local.get $s) (f32.load offset=8 (local.get $e)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $seg)))
    (i32.store (i32.add (local.get $scratch) (i32.shl (local.get $count) (i32.const 4))) (local.get $pairs))
    (local.get $rest))

  ;; MaxScore's last step: the n candidates a `scan` found (slots i32, sums f64) take their scores
  ;; in the count non-essential segments that `nonEssential` listed in scratch: a candidate holds
  ;; one if its bit is set in the segment's head column, and its pair there is at its rank (the
  ;; word's rank plus the bits set below it in the word). Keeps, in place and in order, those whose
  ;; sum is then above cut; returns how many. The segments are taken last listed (largest bound)
  ;; first, and a candidate is dropped as soon as its sum plus the largest scores of the segments
  ;; left (rest at first: their sum) stays below cut less a margin for rounding.
  (func (export "complete") (param $slots i32) (param $sums i32) (param $n i32) (param $cut f64) (param $scratch i32) (param $count i32)
    (param $rest f64) (result i32)
    (local $i i32) (local $k i32) (local $slot i32) (local $v f64) (local $wo i32) (local $bit i64) (local $word i64)
    (local $s i32) (local $end i32) (local $j i32) (local $left f64) (local $low f64)
    (local.set $end (i32.add (local.get $scratch) (i32.shl (local.get $count) (i32.const 4))))
    (local.set $low (f64.sub (local.get $cut) (f64.mul (local.get $cut) (f64.const 0x1p-40))))
    (block $done
      (loop $candidate
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $slot (i32.load (i32.add (local.get $slots) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $v (f64.load (i32.add (local.get $sums) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $wo (i32.shr_u (local.get $slot) (i32.const 6)))
        (local.set $bit (i64.extend_i32_u (local.get $slot)))
        (local.set $s (local.get $end))
        (local.set $left (local.get $rest))
        (block $completed
          (loop $term
            (br_if $completed (i32.le_u (local.get $s) (local.get $scratch)))
            ;; past hope: even the largest scores of the segments left keep it below cut
            (br_if $completed (f64.lt (f64.add (local.get $v) (local.get $left)) (local.get $low)))
            (local.set $s (i32.sub (local.get $s) (i32.const 16)))
            (local.set $left (f64.sub (local.get $left) (f64.promote_f32 (f32.load offset=12 (local.get $s)))))
            (local.set $word (i64.load (i32.add (i32.load offset=4 (local.get $s)) (i32.shl (local.get $wo) (i32.const 3)))))
            (if (i32.wrap_i64 (i64.and (i64.shr_u (local.get $word) (local.get $bit)) (i64.const 1)))
              (then
                (local.set $j (i32.add
                  (i32.load16_u (i32.add (i32.load offset=8 (local.get $s)) (i32.shl (local.get $wo) (i32.const 1))))
                  (i32.wrap_i64 (i64.popcnt (i64.and (local.get $word)
                    (i64.sub (i64.shl (i64.const 1) (local.get $bit)) (i64.const 1)))))))
                ;; pair j: lane j mod 4 of block j / 4 (`scorePacked`)
                (local.set $v (f64.add (local.get $v) (f64.promote_f32
                  (f32.load offset=8 (i32.add (i32.add (i32.load (local.get $s)) (i32.mul (i32.shr_u (local.get $j) (i32.const 2)) (i32.const 24)))
                    (i32.shl (i32.and (local.get $j) (i32.const 3)) (i32.const 2)))))))))
            (br $term)))
        (if (f64.gt (local.get $v) (local.get $cut))
          (then
            (i32.store (i32.add (local.get $slots) (i32.shl (local.get $k) (i32.const 2))) (local.get $slot))
            (f64.store (i32.add (local.get $sums) (i32.shl (local.get $k) (i32.const 3))) (local.get $v))
            (local.set $k (i32.add (local.get $k) (i32.const 1)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $candidate)))
    (local.get $k))

  ;; Scans acc[0..width) (width a multiple of 8; acc 16-byte aligned) sixteen sums at a time, or
  ;; eight where one of the sixteen is above cut, with one SIMD test of their maximum (sums are
  ;; finite: pmax's NaN rule never applies):
  ;; writes the slots whose sum is above cut to outSlots (i32) and their sums to outSums (f64),
  ;; zeroes the accumulator behind it, and returns how many it wrote. With k > 0 (a top-k not
  ;; yet full) the cut rises as it goes, to just below the k-th largest sum written so far (a
  ;; min-heap of them at heap, 8 k bytes): a sum below it cannot reach the top-k, whose k-th
  ;; score can only be higher. Otherwise a first window would write nearly every sum.
  (func (export "scan") (param $acc i32) (param $width i32) (param $cut f64) (param $k i32) (param $heap i32)
    (param $outSlots i32) (param $outSums i32) (result i32)
    (local $c v128) (local $p i32) (local $end i32) (local $n i32) (local $i i32) (local $v f64) (local $size i32)
    (local $at i32) (local $child i32) (local $parent i32)
    (local.set $c (f64x2.splat (local.get $cut)))
    (local.set $p (local.get $acc))
    (local.set $end (i32.add (local.get $acc) (i32.shl (local.get $width) (i32.const 3))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        ;; sixteen sums none above cut (nearly all, once a top-k is full): zeroed at once
        (if (i32.le_u (i32.add (local.get $p) (i32.const 128)) (local.get $end))
          (then
            (if (i32.eqz (v128.any_true
                  (f64x2.gt
                    (f64x2.pmax
                      (f64x2.pmax
                        (f64x2.pmax (v128.load (local.get $p)) (v128.load offset=16 (local.get $p)))
                        (f64x2.pmax (v128.load offset=32 (local.get $p)) (v128.load offset=48 (local.get $p))))
                      (f64x2.pmax
                        (f64x2.pmax (v128.load offset=64 (local.get $p)) (v128.load offset=80 (local.get $p)))
                        (f64x2.pmax (v128.load offset=96 (local.get $p)) (v128.load offset=112 (local.get $p)))))
                    (local.get $c))))
              (then
                (v128.store (local.get $p) (v128.const i64x2 0 0))
                (v128.store offset=16 (local.get $p) (v128.const i64x2 0 0))
                (v128.store offset=32 (local.get $p) (v128.const i64x2 0 0))
                (v128.store offset=48 (local.get $p) (v128.const i64x2 0 0))
                (v128.store offset=64 (local.get $p) (v128.const i64x2 0 0))
                (v128.store offset=80 (local.get $p) (v128.const i64x2 0 0))
                (v128.store offset=96 (local.get $p) (v128.const i64x2 0 0))
                (v128.store offset=112 (local.get $p) (v128.const i64x2 0 0))
                (local.set $p (i32.add (local.get $p) (i32.const 128)))
                (br $next)))))
        ;; else eight, sum by sum where one is above cut
        (if (v128.any_true
              (f64x2.gt
                (f64x2.pmax
                  (f64x2.pmax (v128.load (local.get $p)) (v128.load offset=16 (local.get $p)))
                  (f64x2.pmax (v128.load offset=32 (local.get $p)) (v128.load offset=48 (local.get $p))))
                (local.get $c)))
          (then
            (local.set $i (i32.const 0))
            (loop $each
              (local.set $v (f64.load (i32.add (local.get $p) (i32.shl (local.get $i) (i32.const 3)))))
              (if (f64.gt (local.get $v) (local.get $cut))
                (then
                  (i32.store (i32.add (local.get $outSlots) (i32.shl (local.get $n) (i32.const 2)))
                    (i32.add (i32.shr_u (i32.sub (local.get $p) (local.get $acc)) (i32.const 3)) (local.get $i)))
                  (f64.store (i32.add (local.get $outSums) (i32.shl (local.get $n) (i32.const 3))) (local.get $v))
                  (local.set $n (i32.add (local.get $n) (i32.const 1)))
                  (if (local.get $k)
                    (then
                      (if (i32.lt_u (local.get $size) (local.get $k))
                        (then
                          ;; into the heap's last place, moved up past larger parents
                          (local.set $at (local.get $size))
                          (local.set $size (i32.add (local.get $size) (i32.const 1)))
                          (block $placed
                            (loop $up
                              (br_if $placed (i32.eqz (local.get $at)))
                              (local.set $parent (i32.shr_u (i32.sub (local.get $at) (i32.const 1)) (i32.const 1)))
                              (br_if $placed (f64.le
                                (f64.load (i32.add (local.get $heap) (i32.shl (local.get $parent) (i32.const 3)))) (local.get $v)))
                              (f64.store (i32.add (local.get $heap) (i32.shl (local.get $at) (i32.const 3)))
                                (f64.load (i32.add (local.get $heap) (i32.shl (local.get $parent) (i32.const 3)))))
                              (local.set $at (local.get $parent))
                              (br $up)))
                          (f64.store (i32.add (local.get $heap) (i32.shl (local.get $at) (i32.const 3))) (local.get $v)))
                        (else
                          (if (f64.gt (local.get $v) (f64.load (local.get $heap)))
                            (then
                              ;; in place of the smallest, moved down past smaller children
                              (local.set $at (i32.const 0))
                              (block $sunk
                                (loop $down
                                  (local.set $child (i32.add (i32.shl (local.get $at) (i32.const 1)) (i32.const 1)))
                                  (br_if $sunk (i32.ge_u (local.get $child) (local.get $k)))
                                  (if (i32.lt_u (i32.add (local.get $child) (i32.const 1)) (local.get $k))
                                    (then
                                      (if (f64.lt
                                            (f64.load offset=8 (i32.add (local.get $heap) (i32.shl (local.get $child) (i32.const 3))))
                                            (f64.load (i32.add (local.get $heap) (i32.shl (local.get $child) (i32.const 3)))))
                                        (then (local.set $child (i32.add (local.get $child) (i32.const 1)))))))
                                  (br_if $sunk (f64.ge
                                    (f64.load (i32.add (local.get $heap) (i32.shl (local.get $child) (i32.const 3)))) (local.get $v)))
                                  (f64.store (i32.add (local.get $heap) (i32.shl (local.get $at) (i32.const 3)))
                                    (f64.load (i32.add (local.get $heap) (i32.shl (local.get $child) (i32.const 3)))))
                                  (local.set $at (local.get $child))
                                  (br $down)))
                              (f64.store (i32.add (local.get $heap) (i32.shl (local.get $at) (i32.const 3))) (local.get $v))))))
                      ;; the same margin as the callers' cut: a sum below it rounds to a float below the k-th
                      (if (i32.eq (local.get $size) (local.get $k))
                        (then
                          (local.set $cut (f64.max (local.get $cut) (f64.mul (f64.load (local.get $heap)) (f64.const 0x1.ffffep-1))))
                          (local.set $c (f64x2.splat (local.get $cut)))))))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $each (i32.lt_u (local.get $i) (i32.const 8))))))
        (v128.store (local.get $p) (v128.const i64x2 0 0))
        (v128.store offset=16 (local.get $p) (v128.const i64x2 0 0))
        (v128.store offset=32 (local.get $p) (v128.const i64x2 0 0))
        (v128.store offset=48 (local.get $p) (v128.const i64x2 0 0))
        (local.set $p (i32.add (local.get $p) (i32.const 64)))
        (br $next)))
    (local.get $n))

  ;; Lucene's BM25 score of a posting (doc, tf) for a term of this weight: from the term's table of
  ;; tf = 1 scores by norm byte when it has one (table ≠ 0), else weight − weight / (1 + tf ·
  ;; normInverse), normInverse from the norm byte's cache entry or, with exact norms, from inv (f32
  ;; per document). The same floats as bm25.ts's termScore (see `score`).
  (func $termScore (param $doc i32) (param $tf i32) (param $w f32) (param $table i32) (param $exact i32) (param $bytes i32)
    (param $cache i32) (param $inv i32) (result f32)
    (if (result f32) (i32.and (i32.eq (local.get $tf) (i32.const 1)) (i32.ne (local.get $table) (i32.const 0)))
      (then (f32.load (i32.add (local.get $table) (i32.shl (i32.load8_u (i32.add (local.get $bytes) (local.get $doc))) (i32.const 2)))))
      (else
        (f32.sub (local.get $w)
          (f32.div (local.get $w)
            (f32.add (f32.const 1)
              (f32.mul (f32.convert_i32_s (local.get $tf))
                (if (result f32) (local.get $exact)
                  (then (f32.load (i32.add (local.get $inv) (i32.shl (local.get $doc) (i32.const 2)))))
                  (else (f32.load (i32.add (local.get $cache)
                    (i32.shl (i32.load8_u (i32.add (local.get $bytes) (local.get $doc))) (i32.const 2)))))))))))))

  ;; Each term's table of tf = 1 scores by norm byte: table[b] = weight − weight / (1 + cache[b]),
  ;; for the terms of states[0..n) that have one (see `accumulate`).
  (func (export "tables") (param $states i32) (param $n i32) (param $cache i32)
    (local $s i32) (local $end i32) (local $t i32) (local $b i32) (local $w f32)
    (local.set $s (local.get $states))
    (local.set $end (i32.add (local.get $states) (i32.shl (local.get $n) (i32.const 5))))
    (block $done
      (loop $term
        (br_if $done (i32.ge_u (local.get $s) (local.get $end)))
        (local.set $t (i32.load offset=24 (local.get $s)))
        (local.set $w (f32.load offset=20 (local.get $s)))
        (if (local.get $t)
          (then
            (local.set $b (i32.const 0))
            (loop $byte
              (f32.store (i32.add (local.get $t) (i32.shl (local.get $b) (i32.const 2)))
                (f32.sub (local.get $w)
                  (f32.div (local.get $w)
                    (f32.add (f32.const 1) (f32.load (i32.add (local.get $cache) (i32.shl (local.get $b) (i32.const 2))))))))
              (local.set $b (i32.add (local.get $b) (i32.const 1)))
              (br_if $byte (i32.lt_u (local.get $b) (i32.const 256))))))
        (local.set $s (i32.add (local.get $s) (i32.const 32)))
        (br $term))))

  ;; One query, exhaustively, window by window: adds the score of every posting of the terms of
  ;; states[0..n) with a document below limit to acc[doc − base] (f64), resuming where the last
  ;; call stopped. A term's state (32 bytes): the address of its next block, the address past its
  ;; last one, the document before that block, the next carried posting, how many are carried, its
  ;; weight (f32), its tf = 1 table (0 for none), and its carry (128 documents, then 128 tfs). A
  ;; block wholly below limit is decoded, scored and added in one pass; the block that runs past
  ;; it is decoded into the carry, whose postings below limit are added now and the others by the
  ;; next calls. Packed values are read with 64-bit loads (a word of slack after the postings).
  (func (export "accumulate") (param $states i32) (param $n i32) (param $base i32) (param $limit i32) (param $acc i32)
    (param $exact i32) (param $bytes i32) (param $cache i32) (param $inv i32)
    (local $s i32) (local $sEnd i32) (local $p i32) (local $end i32) (local $prev i32) (local $i i32) (local $cn i32)
    (local $carry i32) (local $w f32) (local $table i32) (local $doc i32) (local $tf i32) (local $h i32) (local $count i32)
    (local $db i32) (local $tb i32) (local $dmask i64) (local $tmask i64) (local $body i32) (local $tbody i32)
    (local $dbit i32) (local $tbit i32) (local $last i32) (local $a i32) (local $hdr i32)
    (local.set $hdr (select (i32.const 16) (i32.const 12) (local.get $exact)))
    (local.set $s (local.get $states))
    (local.set $sEnd (i32.add (local.get $states) (i32.shl (local.get $n) (i32.const 5))))
    (block $termsDone
      (loop $term
        (br_if $termsDone (i32.ge_u (local.get $s) (local.get $sEnd)))
        (local.set $w (f32.load offset=20 (local.get $s)))
        (local.set $table (i32.load offset=24 (local.get $s)))
        (local.set $carry (i32.load offset=28 (local.get $s)))
        ;; the postings carried from the last block decoded
        (local.set $i (i32.load offset=12 (local.get $s)))
        (local.set $cn (i32.load offset=16 (local.get $s)))
        (block $carried
          (loop $c
            (br_if $carried (i32.ge_u (local.get $i) (local.get $cn)))
            (local.set $doc (i32.load (i32.add (local.get $carry) (i32.shl (local.get $i) (i32.const 2)))))
            (br_if $carried (i32.ge_s (local.get $doc) (local.get $limit)))
            (local.set $a (i32.add (local.get $acc) (i32.shl (i32.sub (local.get $doc) (local.get $base)) (i32.const 3))))
            (f64.store (local.get $a)
              (f64.add (f64.load (local.get $a))
                (f64.promote_f32
                  (call $termScore (local.get $doc) (i32.load offset=512 (i32.add (local.get $carry) (i32.shl (local.get $i) (i32.const 2))))
                    (local.get $w) (local.get $table) (local.get $exact) (local.get $bytes) (local.get $cache) (local.get $inv)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $c)))
        (i32.store offset=12 (local.get $s) (local.get $i))
        (if (i32.ge_u (local.get $i) (local.get $cn))
          (then
            (local.set $p (i32.load (local.get $s)))
            (local.set $end (i32.load offset=4 (local.get $s)))
            (local.set $prev (i32.load offset=8 (local.get $s)))
            (block $blocks
              (loop $blk
                (br_if $blocks (i32.ge_u (local.get $p) (local.get $end)))
                (local.set $h (i32.load (local.get $p)))
                (local.set $last (i32.load offset=4 (local.get $p)))
                (local.set $count (i32.and (local.get $h) (i32.const 0xff)))
                (local.set $db (i32.and (i32.shr_u (local.get $h) (i32.const 8)) (i32.const 0xff)))
                (local.set $tb (i32.and (i32.shr_u (local.get $h) (i32.const 16)) (i32.const 0xff)))
                (local.set $dmask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $db))) (i64.const 1)))
                (local.set $tmask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $tb))) (i64.const 1)))
                (local.set $body (i32.add (local.get $p) (local.get $hdr)))
                (local.set $tbody (i32.add (local.get $body)
                  (i32.shl (i32.shr_u (i32.add (i32.mul (local.get $count) (local.get $db)) (i32.const 31)) (i32.const 5)) (i32.const 2))))
                (local.set $p (i32.add (local.get $tbody)
                  (i32.shl (i32.shr_u (i32.add (i32.mul (local.get $count) (local.get $tb)) (i32.const 31)) (i32.const 5)) (i32.const 2))))
                (local.set $dbit (i32.const 0))
                (local.set $tbit (i32.const 0))
                (local.set $i (i32.const 0))
                (if (i32.lt_s (local.get $last) (local.get $limit))
                  (then
                    ;; the whole block is in the window
                    (loop $post
                      (local.set $doc
                        (i32.add (local.get $prev)
                          (i32.add (i32.const 1)
                            (i32.wrap_i64 (i64.and (local.get $dmask)
                              (i64.shr_u (i64.load (i32.add (local.get $body) (i32.shl (i32.shr_u (local.get $dbit) (i32.const 5)) (i32.const 2))))
                                (i64.extend_i32_u (i32.and (local.get $dbit) (i32.const 31)))))))))
                      (local.set $tf
                        (i32.add (i32.const 1)
                          (i32.wrap_i64 (i64.and (local.get $tmask)
                            (i64.shr_u (i64.load (i32.add (local.get $tbody) (i32.shl (i32.shr_u (local.get $tbit) (i32.const 5)) (i32.const 2))))
                              (i64.extend_i32_u (i32.and (local.get $tbit) (i32.const 31))))))))
                      (local.set $a (i32.add (local.get $acc) (i32.shl (i32.sub (local.get $doc) (local.get $base)) (i32.const 3))))
                      (f64.store (local.get $a)
                        (f64.add (f64.load (local.get $a))
                          (f64.promote_f32
                            (if (result f32) (i32.and (i32.eq (local.get $tf) (i32.const 1)) (i32.ne (local.get $table) (i32.const 0)))
                              (then (f32.load (i32.add (local.get $table)
                                (i32.shl (i32.load8_u (i32.add (local.get $bytes) (local.get $doc))) (i32.const 2)))))
                              (else
                                (f32.sub (local.get $w)
                                  (f32.div (local.get $w)
                                    (f32.add (f32.const 1)
                                      (f32.mul (f32.convert_i32_s (local.get $tf))
                                        (if (result f32) (local.get $exact)
                                          (then (f32.load (i32.add (local.get $inv) (i32.shl (local.get $doc) (i32.const 2)))))
                                          (else (f32.load (i32.add (local.get $cache)
                                            (i32.shl (i32.load8_u (i32.add (local.get $bytes) (local.get $doc))) (i32.const 2)))))))))))))))
                      (local.set $prev (local.get $doc))
                      (local.set $dbit (i32.add (local.get $dbit) (local.get $db)))
                      (local.set $tbit (i32.add (local.get $tbit) (local.get $tb)))
                      (local.set $i (i32.add (local.get $i) (i32.const 1)))
                      (br_if $post (i32.lt_u (local.get $i) (local.get $count))))
                    (br $blk)))
                ;; the block runs past the window: into the carry, whose postings below limit are added
                (loop $dec
                  (local.set $prev
                    (i32.add (local.get $prev)
                      (i32.add (i32.const 1)
                        (i32.wrap_i64 (i64.and (local.get $dmask)
                          (i64.shr_u (i64.load (i32.add (local.get $body) (i32.shl (i32.shr_u (local.get $dbit) (i32.const 5)) (i32.const 2))))
                            (i64.extend_i32_u (i32.and (local.get $dbit) (i32.const 31)))))))))
                  (i32.store (i32.add (local.get $carry) (i32.shl (local.get $i) (i32.const 2))) (local.get $prev))
                  (i32.store offset=512 (i32.add (local.get $carry) (i32.shl (local.get $i) (i32.const 2)))
                    (i32.add (i32.const 1)
                      (i32.wrap_i64 (i64.and (local.get $tmask)
                        (i64.shr_u (i64.load (i32.add (local.get $tbody) (i32.shl (i32.shr_u (local.get $tbit) (i32.const 5)) (i32.const 2))))
                          (i64.extend_i32_u (i32.and (local.get $tbit) (i32.const 31))))))))
                  (local.set $dbit (i32.add (local.get $dbit) (local.get $db)))
                  (local.set $tbit (i32.add (local.get $tbit) (local.get $tb)))
                  (local.set $i (i32.add (local.get $i) (i32.const 1)))
                  (br_if $dec (i32.lt_u (local.get $i) (local.get $count))))
                (i32.store offset=16 (local.get $s) (local.get $count))
                (local.set $i (i32.const 0))
                (block $below
                  (loop $c2
                    (local.set $doc (i32.load (i32.add (local.get $carry) (i32.shl (local.get $i) (i32.const 2)))))
                    (br_if $below (i32.ge_s (local.get $doc) (local.get $limit)))
                    (local.set $a (i32.add (local.get $acc) (i32.shl (i32.sub (local.get $doc) (local.get $base)) (i32.const 3))))
                    (f64.store (local.get $a)
                      (f64.add (f64.load (local.get $a))
                        (f64.promote_f32
                          (call $termScore (local.get $doc)
                            (i32.load offset=512 (i32.add (local.get $carry) (i32.shl (local.get $i) (i32.const 2))))
                            (local.get $w) (local.get $table) (local.get $exact) (local.get $bytes) (local.get $cache) (local.get $inv)))))
                    (local.set $i (i32.add (local.get $i) (i32.const 1)))
                    (br $c2)))
                (i32.store offset=12 (local.get $s) (local.get $i))))
            (i32.store (local.get $s) (local.get $p))
            (i32.store offset=8 (local.get $s) (local.get $prev))))
        (local.set $s (i32.add (local.get $s) (i32.const 32)))
        (br $term))))

  ;; A short query, exhaustively: adds the score of every posting of the terms of states[0..n)
  ;; (`accumulate`'s states; only the block addresses, the weight and the table are read) into an
  ;; open-addressing table of 2^bits slots keyed by document: keys (i32, −1 for none, as the caller
  ;; leaves them) and sums (f64, 0). Each slot taken is listed in used (i32). Returns how many.
  (func (export "sparse") (param $states i32) (param $n i32) (param $exact i32) (param $bytes i32) (param $cache i32) (param $inv i32)
    (param $keys i32) (param $sums i32) (param $used i32) (param $bits i32) (result i32)
    (local $s i32) (local $sEnd i32) (local $p i32) (local $end i32) (local $prev i32) (local $w f32) (local $table i32)
    (local $h i32) (local $count i32) (local $db i32) (local $tb i32) (local $dmask i64) (local $tmask i64) (local $body i32)
    (local $tbody i32) (local $dbit i32) (local $tbit i32) (local $i i32) (local $doc i32) (local $tf i32) (local $slot i32)
    (local $shift i32) (local $mask i32) (local $key i32) (local $taken i32) (local $hdr i32) (local $a i32)
    (local.set $hdr (select (i32.const 16) (i32.const 12) (local.get $exact)))
    (local.set $shift (i32.sub (i32.const 32) (local.get $bits)))
    (local.set $mask (i32.sub (i32.shl (i32.const 1) (local.get $bits)) (i32.const 1)))
    (local.set $s (local.get $states))
    (local.set $sEnd (i32.add (local.get $states) (i32.shl (local.get $n) (i32.const 5))))
    (block $termsDone
      (loop $term
        (br_if $termsDone (i32.ge_u (local.get $s) (local.get $sEnd)))
        (local.set $p (i32.load (local.get $s)))
        (local.set $end (i32.load offset=4 (local.get $s)))
        (local.set $prev (i32.const -1))
        (local.set $w (f32.load offset=20 (local.get $s)))
        (local.set $table (i32.load offset=24 (local.get $s)))
        (block $blocks
          (loop $blk
            (br_if $blocks (i32.ge_u (local.get $p) (local.get $end)))
            (local.set $h (i32.load (local.get $p)))
            (local.set $count (i32.and (local.get $h) (i32.const 0xff)))
            (local.set $db (i32.and (i32.shr_u (local.get $h) (i32.const 8)) (i32.const 0xff)))
            (local.set $tb (i32.and (i32.shr_u (local.get $h) (i32.const 16)) (i32.const 0xff)))
            (local.set $dmask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $db))) (i64.const 1)))
            (local.set $tmask (i64.sub (i64.shl (i64.const 1) (i64.extend_i32_u (local.get $tb))) (i64.const 1)))
            (local.set $body (i32.add (local.get $p) (local.get $hdr)))
            (local.set $tbody (i32.add (local.get $body)
              (i32.shl (i32.shr_u (i32.add (i32.mul (local.get $count) (local.get $db)) (i32.const 31)) (i32.const 5)) (i32.const 2))))
            (local.set $p (i32.add (local.get $tbody)
              (i32.shl (i32.shr_u (i32.add (i32.mul (local.get $count) (local.get $tb)) (i32.const 31)) (i32.const 5)) (i32.const 2))))
            (local.set $dbit (i32.const 0))
            (local.set $tbit (i32.const 0))
            (local.set $i (i32.const 0))
            (loop $post
              (local.set $doc
                (i32.add (local.get $prev)
                  (i32.add (i32.const 1)
                    (i32.wrap_i64 (i64.and (local.get $dmask)
                      (i64.shr_u (i64.load (i32.add (local.get $body) (i32.shl (i32.shr_u (local.get $dbit) (i32.const 5)) (i32.const 2))))
                        (i64.extend_i32_u (i32.and (local.get $dbit) (i32.const 31)))))))))
              (local.set $tf
                (i32.add (i32.const 1)
                  (i32.wrap_i64 (i64.and (local.get $tmask)
                    (i64.shr_u (i64.load (i32.add (local.get $tbody) (i32.shl (i32.shr_u (local.get $tbit) (i32.const 5)) (i32.const 2))))
                      (i64.extend_i32_u (i32.and (local.get $tbit) (i32.const 31))))))))
              ;; the document's slot: Fibonacci hashing, then the next slots until its own or an empty one
              (local.set $slot (i32.shr_u (i32.mul (local.get $doc) (i32.const 0x9e3779b1)) (local.get $shift)))
              (block $found
                (loop $probe
                  (local.set $key (i32.load (i32.add (local.get $keys) (i32.shl (local.get $slot) (i32.const 2)))))
                  (br_if $found (i32.eq (local.get $key) (local.get $doc)))
                  (if (i32.eq (local.get $key) (i32.const -1))
                    (then
                      (i32.store (i32.add (local.get $keys) (i32.shl (local.get $slot) (i32.const 2))) (local.get $doc))
                      (i32.store (i32.add (local.get $used) (i32.shl (local.get $taken) (i32.const 2))) (local.get $slot))
                      (local.set $taken (i32.add (local.get $taken) (i32.const 1)))
                      (br $found)))
                  (local.set $slot (i32.and (i32.add (local.get $slot) (i32.const 1)) (local.get $mask)))
                  (br $probe)))
              (local.set $a (i32.add (local.get $sums) (i32.shl (local.get $slot) (i32.const 3))))
              (f64.store (local.get $a)
                (f64.add (f64.load (local.get $a))
                  (f64.promote_f32
                    (if (result f32) (i32.and (i32.eq (local.get $tf) (i32.const 1)) (i32.ne (local.get $table) (i32.const 0)))
                      (then (f32.load (i32.add (local.get $table)
                        (i32.shl (i32.load8_u (i32.add (local.get $bytes) (local.get $doc))) (i32.const 2)))))
                      (else
                        (f32.sub (local.get $w)
                          (f32.div (local.get $w)
                            (f32.add (f32.const 1)
                              (f32.mul (f32.convert_i32_s (local.get $tf))
                                (if (result f32) (local.get $exact)
                                  (then (f32.load (i32.add (local.get $inv) (i32.shl (local.get $doc) (i32.const 2)))))
                                  (else (f32.load (i32.add (local.get $cache)
                                    (i32.shl (i32.load8_u (i32.add (local.get $bytes) (local.get $doc))) (i32.const 2)))))))))))))))
              (local.set $prev (local.get $doc))
              (local.set $dbit (i32.add (local.get $dbit) (local.get $db)))
              (local.set $tbit (i32.add (local.get $tbit) (local.get $tb)))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $post (i32.lt_u (local.get $i) (local.get $count))))
            (br $blk)))
        (local.set $s (i32.add (local.get $s) (i32.const 32)))
        (br $term)))
    (local.get $taken))

  ;; One pass of an LSD radix sort: the n positions of from (i32) into to, stably ordered by byte
  ;; `shift / 8` of keys[position] (i32), with count (256 i32) as scratch. Returns 0 when every
  ;; key has the same byte there (nothing moved: the order in from stands), else 1.
  (func $radixPass (param $from i32) (param $to i32) (param $n i32) (param $keys i32) (param $shift i32) (param $count i32) (result i32)
    (local $i i32) (local $c i32) (local $sum i32) (local $x i32) (local $p i32)
    (memory.fill (local.get $count) (i32.const 0) (i32.const 1024))
    (block $counted
      (loop $each
        (br_if $counted (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $c (i32.add (local.get $count)
          (i32.shl
            (i32.and (i32.shr_u (i32.load (i32.add (local.get $keys)
              (i32.shl (i32.load (i32.add (local.get $from) (i32.shl (local.get $i) (i32.const 2)))) (i32.const 2))))
              (local.get $shift)) (i32.const 255))
            (i32.const 2))))
        (local.set $x (i32.add (i32.load (local.get $c)) (i32.const 1)))
        (i32.store (local.get $c) (local.get $x))
        (if (i32.eq (local.get $x) (local.get $n)) (then (return (i32.const 0))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    ;; each byte's first place
    (local.set $i (i32.const 0))
    (loop $prefix
      (local.set $c (i32.add (local.get $count) (i32.shl (local.get $i) (i32.const 2))))
      (local.set $x (i32.load (local.get $c)))
      (i32.store (local.get $c) (local.get $sum))
      (local.set $sum (i32.add (local.get $sum) (local.get $x)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $prefix (i32.lt_u (local.get $i) (i32.const 256))))
    (local.set $i (i32.const 0))
    (block $placed
      (loop $place
        (br_if $placed (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $p (i32.load (i32.add (local.get $from) (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $c (i32.add (local.get $count)
          (i32.shl
            (i32.and (i32.shr_u (i32.load (i32.add (local.get $keys) (i32.shl (local.get $p) (i32.const 2)))) (local.get $shift))
              (i32.const 255))
            (i32.const 2))))
        (local.set $x (i32.load (local.get $c)))
        (i32.store (i32.add (local.get $to) (i32.shl (local.get $x) (i32.const 2))) (local.get $p))
        (i32.store (local.get $c) (i32.add (local.get $x) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $place)))
    (i32.const 1))

  ;; The best k of n hits, best first: docs (i32), scores (f64 sums, rounded to float here: a
  ;; document's score is its double sum rounded to float) and ranks (i32, the external-id rank that
  ;; breaks ties), rewritten in place. An LSD radix sort, byte by byte, by rank and then by score
  ;; (descending: the float's bits, which order as positive floats do, subtracted from 2^31): no
  ;; branch on the data, where a heap's comparisons mispredict at every level. scratch: 16 n + 1024
  ;; bytes. Returns how many are kept (min(n, k)).
  (func (export "select") (param $docs i32) (param $scores i32) (param $ranks i32) (param $n i32) (param $k i32) (param $scratch i32)
    (result i32)
    (local $i i32) (local $a i32) (local $b i32) (local $keys i32) (local $bits i32) (local $count i32) (local $t i32) (local $shift i32)
    (local $m i32) (local $p i32)
    (local.set $a (local.get $scratch))
    (local.set $b (i32.add (local.get $a) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $keys (i32.add (local.get $b) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $bits (i32.add (local.get $keys) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $count (i32.add (local.get $bits) (i32.shl (local.get $n) (i32.const 2))))
    (block $keyed
      (loop $each
        (br_if $keyed (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2))) (local.get $i))
        (i32.store (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 2)))
          (i32.sub (i32.const 0x7fffffff)
            (i32.reinterpret_f32 (f32.demote_f64 (f64.load (i32.add (local.get $scores) (i32.shl (local.get $i) (i32.const 3))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    ;; by rank, then by score: stable passes, the last one deciding
    (local.set $shift (i32.const 0))
    (loop $byRank
      (if (call $radixPass (local.get $a) (local.get $b) (local.get $n) (local.get $ranks) (local.get $shift) (local.get $count))
        (then (local.set $t (local.get $a)) (local.set $a (local.get $b)) (local.set $b (local.get $t))))
      (local.set $shift (i32.add (local.get $shift) (i32.const 8)))
      (br_if $byRank (i32.lt_u (local.get $shift) (i32.const 32))))
    (local.set $shift (i32.const 0))
    (loop $byScore
      (if (call $radixPass (local.get $a) (local.get $b) (local.get $n) (local.get $keys) (local.get $shift) (local.get $count))
        (then (local.set $t (local.get $a)) (local.set $a (local.get $b)) (local.set $b (local.get $t))))
      (local.set $shift (i32.add (local.get $shift) (i32.const 8)))
      (br_if $byScore (i32.lt_u (local.get $shift) (i32.const 32))))
    ;; the first m, in order: their documents and scores into b (free now) and bits, then back
    (local.set $m (select (local.get $n) (local.get $k) (i32.lt_u (local.get $n) (local.get $k))))
    (local.set $i (i32.const 0))
    (block $copied
      (loop $copy
        (br_if $copied (i32.ge_u (local.get $i) (local.get $m)))
        (local.set $p (i32.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 2)))))
        (i32.store (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2)))
          (i32.load (i32.add (local.get $docs) (i32.shl (local.get $p) (i32.const 2)))))
        ;; the rounded score, from the key
        (i32.store (i32.add (local.get $bits) (i32.shl (local.get $i) (i32.const 2)))
          (i32.sub (i32.const 0x7fffffff) (i32.load (i32.add (local.get $keys) (i32.shl (local.get $p) (i32.const 2))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $copy)))
    (local.set $i (i32.const 0))
    (block $back
      (loop $each2
        (br_if $back (i32.ge_u (local.get $i) (local.get $m)))
        (i32.store (i32.add (local.get $docs) (i32.shl (local.get $i) (i32.const 2)))
          (i32.load (i32.add (local.get $b) (i32.shl (local.get $i) (i32.const 2)))))
        (f64.store (i32.add (local.get $scores) (i32.shl (local.get $i) (i32.const 3)))
          (f64.promote_f32 (f32.reinterpret_i32 (i32.load (i32.add (local.get $bits) (i32.shl (local.get $i) (i32.const 2)))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each2)))
    (local.get $m))

  ;; The table's documents and sums, slot by slot as used lists them, into docs (i32) and sums (f64).
  (func (export "gather") (param $keys i32) (param $sums i32) (param $used i32) (param $n i32) (param $docs i32) (param $out i32)
    (local $i i32) (local $slot i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $slot (i32.load (i32.add (local.get $used) (i32.shl (local.get $i) (i32.const 2)))))
        (i32.store (i32.add (local.get $docs) (i32.shl (local.get $i) (i32.const 2)))
          (i32.load (i32.add (local.get $keys) (i32.shl (local.get $slot) (i32.const 2)))))
        (f64.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 3)))
          (f64.load (i32.add (local.get $sums) (i32.shl (local.get $slot) (i32.const 3)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next))))
)
