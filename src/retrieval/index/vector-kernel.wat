;; The term-vector rewrite of an index build (term-vectors.ts), in WebAssembly: each document's
;; (thread-local term id, tf) pairs read from a thread's temporary file, the ids mapped to the
;; index's, sorted by id and written as docvectors' id gaps. In JavaScript the varint loops and
;; the small sorts took ~1.4 s a thread at 1M passages, most of the merge phase. Compiled to
;; vector-kernel.wasm by scripts/build-wasm.mjs. Addresses are byte offsets into the exported
;; memory, which term-vectors.ts lays out.
(module
  (memory (export "memory") 1)

  ;; Rewrites whole documents from [p, end) (each: a varint count n, then n pairs of varints: the
  ;; thread's term id and the tf) to q on, as docvectors holds them (the count, then each term's
  ;; id less the one before it and its tf, ids ascending), ids mapped through remap (i32, terms of
  ;; them). Takes documents while their pairs fit in keys (cap i64; tmp: as many, scratch), their
  ;; output (5 + 10 n bytes at most) below outEnd, up to maxDocs, and each ends by `end` (it may
  ;; read up to 10 bytes past end). Their ids are all mapped in one loop, whose cache misses (most
  ;; rare terms' entries) overlap, and then each document's keys are sorted and written. Each
  ;; document's byte length goes to sizes (i32). state (i32 × 4) receives where it stopped reading
  ;; and writing, why (0: input ended, or a limit above; 2: a first document of more than cap
  ;; terms, whose count is the fourth; 3: a term id past remap, the fourth, with nothing written)
  ;; and returns how many documents it wrote. counts: 4,097 i32 of scratch. The varints are read
  ;; and written inline: a call per varint (V8 did not inline it) took 1.23-1.27× the time.
  (func (export "rewrite") (param $p i32) (param $end i32) (param $remap i32) (param $terms i32) (param $q i32)
    (param $outEnd i32) (param $sizes i32) (param $maxDocs i32) (param $keys i32) (param $tmp i32) (param $cap i32)
    (param $counts i32) (param $state i32) (result i32)
    (local $docs i32) (local $start i32) (local $n i32) (local $v i32) (local $b i32) (local $shift i32)
    (local $i i32) (local $id i32) (local $k i64) (local $before i32) (local $prev i32) (local $reason i32)
    (local $min i32) (local $max i32) (local $used i32) (local $room i32) (local $first i32) (local $at i32)
    (local $d i32)
    (local.set $first (local.get $p))
    (local.set $room (i32.sub (local.get $outEnd) (local.get $q)))
    ;; the documents' pairs, as keys (thread id · 2^32 + tf), one after another; their counts in sizes
    (block $stop
      (loop $next
        (br_if $stop (i32.ge_u (local.get $docs) (local.get $maxDocs)))
        (br_if $stop (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $start (local.get $p))
        (local.set $n (i32.load8_u (local.get $p)))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (if (i32.ge_u (local.get $n) (i32.const 0x80))
          (then
            (local.set $n (i32.and (local.get $n) (i32.const 0x7f)))
            (local.set $shift (i32.const 7))
            (loop $more
              (local.set $b (i32.load8_u (local.get $p)))
              (local.set $p (i32.add (local.get $p) (i32.const 1)))
              (local.set $n (i32.or (local.get $n) (i32.shl (i32.and (local.get $b) (i32.const 0x7f)) (local.get $shift))))
              (local.set $shift (i32.add (local.get $shift) (i32.const 7)))
              (br_if $more (i32.and (i32.ge_u (local.get $b) (i32.const 0x80)) (i32.lt_u (local.get $shift) (i32.const 35)))))))
        ;; each pair takes two bytes at least: a document that cannot end by `end` is read again later
        (if (i32.or (i32.gt_u (local.get $p) (local.get $end))
              (i64.gt_u (i64.add (i64.extend_i32_u (local.get $p)) (i64.shl (i64.extend_i32_u (local.get $n)) (i64.const 1)))
                (i64.extend_i32_u (local.get $end))))
          (then
            (local.set $p (local.get $start))
            (br $stop)))
        (if (i32.gt_u (local.get $n) (i32.sub (local.get $cap) (local.get $used)))
          (then
            (local.set $p (local.get $start))
            (if (i32.eqz (local.get $docs))
              (then
                (local.set $reason (i32.const 2))
                (i32.store offset=12 (local.get $state) (local.get $n))))
            (br $stop)))
        (if (i64.gt_u (i64.add (i64.const 5) (i64.mul (i64.extend_i32_u (local.get $n)) (i64.const 10)))
              (i64.extend_i32_u (local.get $room)))
          (then
            (local.set $p (local.get $start))
            (br $stop)))
        (local.set $at (i32.add (local.get $keys) (i32.shl (local.get $used) (i32.const 3))))
        (local.set $i (i32.const 0))
        (block $pairs
          (loop $pair
            (br_if $pairs (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $id (i32.load8_u (local.get $p)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (if (i32.ge_u (local.get $id) (i32.const 0x80))
              (then
                (local.set $id (i32.and (local.get $id) (i32.const 0x7f)))
                (local.set $shift (i32.const 7))
                (loop $more
                  (local.set $b (i32.load8_u (local.get $p)))
                  (local.set $p (i32.add (local.get $p) (i32.const 1)))
                  (local.set $id (i32.or (local.get $id) (i32.shl (i32.and (local.get $b) (i32.const 0x7f)) (local.get $shift))))
                  (local.set $shift (i32.add (local.get $shift) (i32.const 7)))
                  (br_if $more (i32.and (i32.ge_u (local.get $b) (i32.const 0x80)) (i32.lt_u (local.get $shift) (i32.const 35)))))))
            (local.set $v (i32.load8_u (local.get $p)))
            (local.set $p (i32.add (local.get $p) (i32.const 1)))
            (if (i32.ge_u (local.get $v) (i32.const 0x80))
              (then
                (local.set $v (i32.and (local.get $v) (i32.const 0x7f)))
                (local.set $shift (i32.const 7))
                (loop $more
                  (local.set $b (i32.load8_u (local.get $p)))
                  (local.set $p (i32.add (local.get $p) (i32.const 1)))
                  (local.set $v (i32.or (local.get $v) (i32.shl (i32.and (local.get $b) (i32.const 0x7f)) (local.get $shift))))
                  (local.set $shift (i32.add (local.get $shift) (i32.const 7)))
                  (br_if $more (i32.and (i32.ge_u (local.get $b) (i32.const 0x80)) (i32.lt_u (local.get $shift) (i32.const 35)))))))
            (if (i32.gt_u (local.get $p) (local.get $end))
              (then
                (local.set $p (local.get $start))
                (br $stop)))
            (i64.store (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 3)))
              (i64.or (i64.shl (i64.extend_i32_u (local.get $id)) (i64.const 32)) (i64.extend_i32_u (local.get $v))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $pair)))
        (i32.store (i32.add (local.get $sizes) (i32.shl (local.get $docs) (i32.const 2))) (local.get $n))
        (local.set $used (i32.add (local.get $used) (local.get $n)))
        (local.set $room (i32.sub (local.get $room) (i32.add (i32.const 5) (i32.mul (local.get $n) (i32.const 10)))))
        (local.set $docs (i32.add (local.get $docs) (i32.const 1)))
        (br $next)))
    ;; every id mapped, in a loop without branches to wait on
    (local.set $i (i32.const 0))
    (block $mapped
      (loop $map
        (br_if $mapped (i32.ge_u (local.get $i) (local.get $used)))
        (local.set $at (i32.add (local.get $keys) (i32.shl (local.get $i) (i32.const 3))))
        (local.set $k (i64.load (local.get $at)))
        (local.set $id (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 32))))
        (if (i32.ge_u (local.get $id) (local.get $terms))
          (then
            (i32.store (local.get $state) (local.get $first))
            (i32.store offset=4 (local.get $state) (local.get $q))
            (i32.store offset=8 (local.get $state) (i32.const 3))
            (i32.store offset=12 (local.get $state) (local.get $id))
            (return (i32.const 0))))
        (i64.store (local.get $at)
          (i64.or (i64.shl (i64.extend_i32_u (i32.load (i32.add (local.get $remap) (i32.shl (local.get $id) (i32.const 2)))))
            (i64.const 32)) (i64.and (local.get $k) (i64.const 0xffffffff))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $map)))
    ;; each document's keys sorted and written: the count, then each term's id gap and tf
    (local.set $at (local.get $keys))
    (block $written
      (loop $each
        (br_if $written (i32.ge_u (local.get $d) (local.get $docs)))
        (local.set $n (i32.load (i32.add (local.get $sizes) (i32.shl (local.get $d) (i32.const 2)))))
        (local.set $min (i32.const -1))
        (local.set $max (i32.const 0))
        (local.set $i (i32.const 0))
        (block $ranged
          (loop $range
            (br_if $ranged (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $id (i32.wrap_i64 (i64.shr_u (i64.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 3)))) (i64.const 32))))
            (local.set $min (select (local.get $id) (local.get $min) (i32.lt_u (local.get $id) (local.get $min))))
            (local.set $max (select (local.get $id) (local.get $max) (i32.gt_u (local.get $id) (local.get $max))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $range)))
        (call $sort (local.get $at) (local.get $tmp) (local.get $n) (local.get $min) (local.get $max) (local.get $counts))
        (local.set $before (local.get $q))
        (local.set $v (local.get $n))
        (block $done
          (loop $byte
            (br_if $done (i32.lt_u (local.get $v) (i32.const 0x80)))
            (i32.store8 (local.get $q) (i32.or (i32.and (local.get $v) (i32.const 0x7f)) (i32.const 0x80)))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (local.set $v (i32.shr_u (local.get $v) (i32.const 7)))
            (br $byte)))
        (i32.store8 (local.get $q) (local.get $v))
        (local.set $q (i32.add (local.get $q) (i32.const 1)))
        (local.set $prev (i32.const 0))
        (local.set $i (i32.const 0))
        (block $terms
          (loop $term
            (br_if $terms (i32.ge_u (local.get $i) (local.get $n)))
            (local.set $k (i64.load (i32.add (local.get $at) (i32.shl (local.get $i) (i32.const 3)))))
            (local.set $id (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 32))))
            (local.set $v (i32.sub (local.get $id) (local.get $prev)))
            (block $done
              (loop $byte
                (br_if $done (i32.lt_u (local.get $v) (i32.const 0x80)))
                (i32.store8 (local.get $q) (i32.or (i32.and (local.get $v) (i32.const 0x7f)) (i32.const 0x80)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (local.set $v (i32.shr_u (local.get $v) (i32.const 7)))
                (br $byte)))
            (i32.store8 (local.get $q) (local.get $v))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (local.set $prev (local.get $id))
            (local.set $v (i32.wrap_i64 (local.get $k)))
            (block $done
              (loop $byte
                (br_if $done (i32.lt_u (local.get $v) (i32.const 0x80)))
                (i32.store8 (local.get $q) (i32.or (i32.and (local.get $v) (i32.const 0x7f)) (i32.const 0x80)))
                (local.set $q (i32.add (local.get $q) (i32.const 1)))
                (local.set $v (i32.shr_u (local.get $v) (i32.const 7)))
                (br $byte)))
            (i32.store8 (local.get $q) (local.get $v))
            (local.set $q (i32.add (local.get $q) (i32.const 1)))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $term)))
        (i32.store (i32.add (local.get $sizes) (i32.shl (local.get $d) (i32.const 2))) (i32.sub (local.get $q) (local.get $before)))
        (local.set $at (i32.add (local.get $at) (i32.shl (local.get $n) (i32.const 3))))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $each)))
    (i32.store (local.get $state) (local.get $p))
    (i32.store offset=4 (local.get $state) (local.get $q))
    (i32.store offset=8 (local.get $state) (local.get $reason))
    (local.get $docs))

  ;; Sorts the n keys (i64, distinct in their high words, which lie in [min, max]) ascending, in
  ;; place: by insertion up to 12 keys; else (most documents' terms) placed by bucket of their id
  ;; (as many buckets as keys, 64 at least, over [min, max]) into tmp and copied back sorted by
  ;; insertion, which finds them nearly in order; past 4,096 keys, a radix sort, linear whatever
  ;; the ids (insertion is quadratic where the ids crowd into a few buckets).
  (func $sort (param $keys i32) (param $tmp i32) (param $n i32) (param $min i32) (param $max i32) (param $counts i32)
    (local $buckets i32) (local $shift i32) (local $from i32) (local $to i32) (local $swap i32)
    (if (i32.le_u (local.get $n) (i32.const 12))
      (then
        (call $insertion (local.get $keys) (local.get $n))
        (return)))
    (if (i32.le_u (local.get $n) (i32.const 4096))
      (then
        (local.set $buckets (i32.const 64))
        (block $sized
          (loop $double
            (br_if $sized (i32.ge_u (local.get $buckets) (local.get $n)))
            (local.set $buckets (i32.shl (local.get $buckets) (i32.const 1)))
            (br $double)))
        ;; the bucket of id: (id − min) >> shift, below buckets
        (block $fits
          (loop $wider
            (br_if $fits (i32.lt_u (i32.shr_u (i32.sub (local.get $max) (local.get $min)) (local.get $shift)) (local.get $buckets)))
            (local.set $shift (i32.add (local.get $shift) (i32.const 1)))
            (br $wider)))
        (call $pass (local.get $keys) (local.get $tmp) (local.get $n) (local.get $min) (local.get $shift) (local.get $buckets)
          (local.get $counts))
        (call $insertion (local.get $tmp) (local.get $n))
        (memory.copy (local.get $keys) (local.get $tmp) (i32.shl (local.get $n) (i32.const 3)))
        (return)))
    ;; radix: a byte of id − min a pass, low byte first, between keys and tmp
    (local.set $from (local.get $keys))
    (local.set $to (local.get $tmp))
    (block $sorted
      (loop $byte
        (br_if $sorted (i32.and (i32.gt_u (local.get $shift) (i32.const 0))
          (i32.eqz (i32.shr_u (i32.sub (local.get $max) (local.get $min)) (local.get $shift)))))
        (br_if $sorted (i32.ge_u (local.get $shift) (i32.const 32)))
        (call $pass (local.get $from) (local.get $to) (local.get $n) (local.get $min) (local.get $shift) (i32.const 256)
          (local.get $counts))
        (local.set $swap (local.get $from))
        (local.set $from (local.get $to))
        (local.set $to (local.get $swap))
        (local.set $shift (i32.add (local.get $shift) (i32.const 8)))
        (br $byte)))
    (if (i32.ne (local.get $from) (local.get $keys))
      (then (memory.copy (local.get $keys) (local.get $from) (i32.shl (local.get $n) (i32.const 3))))))

  ;; A counting sort's pass, stable: the n keys (i64) at from go to `to` in the order of their
  ;; digit, ((id − min) >> shift) mod buckets (a power of two), id being a key's high word.
  ;; counts: buckets + 1 i32 of scratch.
  (func $pass (param $from i32) (param $to i32) (param $n i32) (param $min i32) (param $shift i32) (param $buckets i32)
    (param $counts i32)
    (local $i i32) (local $b i32) (local $at i32) (local $k i64) (local $mask i32)
    (local.set $mask (i32.sub (local.get $buckets) (i32.const 1)))
    (memory.fill (local.get $counts) (i32.const 0) (i32.shl (i32.add (local.get $buckets) (i32.const 1)) (i32.const 2)))
    ;; each digit's count, one place up: the running sums then give each digit's first place
    (block $counted
      (loop $count
        (br_if $counted (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $at (i32.add (local.get $counts) (i32.shl (i32.add (i32.and (i32.shr_u
          (i32.sub (i32.wrap_i64 (i64.shr_u (i64.load (i32.add (local.get $from) (i32.shl (local.get $i) (i32.const 3)))) (i64.const 32)))
            (local.get $min)) (local.get $shift)) (local.get $mask)) (i32.const 1)) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.const 1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $count)))
    (local.set $b (i32.const 1))
    (block $summed
      (loop $sum
        (br_if $summed (i32.gt_u (local.get $b) (local.get $buckets)))
        (local.set $at (i32.add (local.get $counts) (i32.shl (local.get $b) (i32.const 2))))
        (i32.store (local.get $at) (i32.add (i32.load (local.get $at)) (i32.load (i32.sub (local.get $at) (i32.const 4)))))
        (local.set $b (i32.add (local.get $b) (i32.const 1)))
        (br $sum)))
    (local.set $i (i32.const 0))
    (block $placed
      (loop $place
        (br_if $placed (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i64.load (i32.add (local.get $from) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $at (i32.add (local.get $counts) (i32.shl (i32.and (i32.shr_u
          (i32.sub (i32.wrap_i64 (i64.shr_u (local.get $k) (i64.const 32))) (local.get $min)) (local.get $shift)) (local.get $mask))
          (i32.const 2))))
        (local.set $b (i32.load (local.get $at)))
        (i32.store (local.get $at) (i32.add (local.get $b) (i32.const 1)))
        (i64.store (i32.add (local.get $to) (i32.shl (local.get $b) (i32.const 3))) (local.get $k))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $place))))

  ;; Sorts the n keys (i64) at a ascending by insertion.
  (func $insertion (param $a i32) (param $n i32)
    (local $i i32) (local $j i32) (local $k i64) (local $prev i64)
    (local.set $i (i32.const 1))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $k (i64.load (i32.add (local.get $a) (i32.shl (local.get $i) (i32.const 3)))))
        (local.set $j (local.get $i))
        (block $placed
          (loop $shift
            (br_if $placed (i32.eqz (local.get $j)))
            (local.set $prev (i64.load (i32.sub (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 3))) (i32.const 8))))
            (br_if $placed (i64.le_u (local.get $prev) (local.get $k)))
            (i64.store (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 3))) (local.get $prev))
            (local.set $j (i32.sub (local.get $j) (i32.const 1)))
            (br $shift)))
        (i64.store (i32.add (local.get $a) (i32.shl (local.get $j) (i32.const 3))) (local.get $k))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
