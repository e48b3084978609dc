;; The whitespace analyzer's scan of an indexing thread (TokenRanges.pushWhitespaceAll in
;; term-dictionary.ts), in WebAssembly, for documents of ASCII text: the same tokens, hashes and
;; inline code units as the JavaScript scan, which reads a string a code unit at a time and took
;; ~45 ns a token on the bench's passages (this: ~18). Compiled to token-kernel.wasm by
;; scripts/build-wasm.mjs. Addresses are byte offsets into the exported memory, which the caller
;; lays out; the memory is never grown (growing it detaches its buffer, after which V8 checks
;; every typed-array access of the thread for detachment).
(module
  (memory (export "memory") 80)

  ;; Cuts the documents [docs[d], docs[d + 1]) for d < count (i32 byte offsets; 16 bytes past the
  ;; last must be readable) into runs of bytes other than Java white space, cut at 255 bytes, as
  ;; whitespace.ts's whitespaceSpans does for text whose code units are bytes. Token t (from 0) of
  ;; them gets srcOf[t] = src + d, from[t] = its offset in its document, len[t], hash[t] (murmur3's
  ;; mixing of its code units two at a time, then its finish with the length) and inline (16
  ;; bytes a token: its first 8 code units two an i32, zero past its end); starts[d] receives the
  ;; first token of document d. The caller leaves room for every token the documents can hold
  ;; (one per two bytes, rounded up, each). Returns how many tokens there are.
  (func (export "tokenize") (param $docs i32) (param $count i32) (param $src i32) (param $srcOf i32) (param $from i32)
    (param $len i32) (param $hash i32) (param $inline i32) (param $starts i32) (result i32)
    (local $n i32) (local $d i32) (local $docStart i32) (local $end i32) (local $i i32) (local $start i32)
    (local $c i32) (local $e i32) (local $j i32) (local $p i32) (local $h i32) (local $k i32) (local $w i32)
    (local $t i32) (local $m i32) (local $rem i32) (local $l i32) (local $v v128) (local $u v128)
    (block $documents
      (loop $document
        (br_if $documents (i32.ge_u (local.get $d) (local.get $count)))
        (i32.store (i32.add (local.get $starts) (i32.shl (local.get $d) (i32.const 2))) (local.get $n))
        (local.set $docStart (i32.load (i32.add (local.get $docs) (i32.shl (local.get $d) (i32.const 2)))))
        (local.set $end (i32.load offset=4 (i32.add (local.get $docs) (i32.shl (local.get $d) (i32.const 2)))))
        (local.set $i (local.get $docStart))
        (block $tokens
          (loop $token
            (br_if $tokens (i32.ge_u (local.get $i) (local.get $end)))
            ;; white space: 9-13, 28-32 (a bit of this mask each)
            (local.set $c (i32.load8_u (local.get $i)))
            (if (i32.and (i32.le_u (local.get $c) (i32.const 32))
                  (i32.wrap_i64 (i64.and (i64.shr_u (i64.const 0x1F0003E00) (i64.extend_i32_u (local.get $c))) (i64.const 1))))
              (then
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $token)))
            (local.set $t (i32.shl (local.get $n) (i32.const 2)))
            (local.set $w (i32.add (local.get $inline) (i32.shl (local.get $n) (i32.const 4))))
            (i32.store (i32.add (local.get $srcOf) (local.get $t)) (i32.add (local.get $src) (local.get $d)))
            (i32.store (i32.add (local.get $from) (local.get $t)) (i32.sub (local.get $i) (local.get $docStart)))
            ;; the next 16 bytes' white space (and those past the document) as bits: a token of up to
            ;; 8 bytes (nearly all) is then cut, unpacked and hashed without a branch on its length
            (local.set $v (v128.load (local.get $i)))
            (local.set $m (i8x16.bitmask
              (v128.or (i8x16.eq (local.get $v) (i8x16.splat (i32.const 32)))
                (v128.or (i8x16.lt_u (i8x16.sub (local.get $v) (i8x16.splat (i32.const 9))) (i8x16.splat (i32.const 5)))
                  (i8x16.lt_u (i8x16.sub (local.get $v) (i8x16.splat (i32.const 28))) (i8x16.splat (i32.const 4)))))))
            (local.set $rem (i32.sub (local.get $end) (local.get $i)))
            (if (i32.lt_u (local.get $rem) (i32.const 16))
              (then (local.set $m (i32.or (local.get $m) (i32.and (i32.shl (i32.const -1) (local.get $rem)) (i32.const 0xffff))))))
            (local.set $l (i32.ctz (i32.or (local.get $m) (i32.const 0x10000))))
            (if (i32.le_u (local.get $l) (i32.const 8))
              (then
                ;; its bytes widened to 16-bit code units, zero past its end: the inline ints
                (local.set $u (i16x8.extend_low_i8x16_u (i64x2.splat (i64.and (i64.load (local.get $i))
                  (i64.shr_u (i64.const -1) (i64.extend_i32_u (i32.sub (i32.const 64) (i32.shl (local.get $l) (i32.const 3)))))))))
                (v128.store (local.get $w) (local.get $u))
                ;; murmur3's mixing of each int the token reaches (one per two code units)
                (local.set $p (i32.mul (i32.rotl (i32.mul (i32x4.extract_lane 0 (local.get $u)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593)))
                (local.set $h (i32.add (i32.mul (i32.rotl (local.get $p) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
                (local.set $p (i32.mul (i32.rotl (i32.mul (i32x4.extract_lane 1 (local.get $u)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593)))
                (local.set $h (select
                  (i32.add (i32.mul (i32.rotl (i32.xor (local.get $h) (local.get $p)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64))
                  (local.get $h) (i32.gt_u (local.get $l) (i32.const 2))))
                (local.set $p (i32.mul (i32.rotl (i32.mul (i32x4.extract_lane 2 (local.get $u)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593)))
                (local.set $h (select
                  (i32.add (i32.mul (i32.rotl (i32.xor (local.get $h) (local.get $p)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64))
                  (local.get $h) (i32.gt_u (local.get $l) (i32.const 4))))
                (local.set $p (i32.mul (i32.rotl (i32.mul (i32x4.extract_lane 3 (local.get $u)) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593)))
                (local.set $h (select
                  (i32.add (i32.mul (i32.rotl (i32.xor (local.get $h) (local.get $p)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64))
                  (local.get $h) (i32.gt_u (local.get $l) (i32.const 6))))
                (local.set $start (local.get $i))
                ;; past the token and the white space after it within the 16 bytes
                (local.set $i (i32.add (local.get $i)
                  (i32.add (local.get $l) (i32.ctz (i32.xor (i32.shr_u (local.get $m) (local.get $l)) (i32.const -1))))))
                (local.set $k (local.get $l)))
              (else
                ;; a longer token: code unit after code unit, as the JavaScript scan goes
                (v128.store (local.get $w) (v128.const i64x2 0 0))
                (local.set $start (local.get $i))
                (local.set $h (i32.const 0))
                (local.set $k (i32.const 0))
                (block $cut
                  (loop $pair
                    (local.set $j (i32.add (local.get $i) (i32.const 1)))
                    (local.set $e (select (i32.load8_u (local.get $j)) (i32.const 32) (i32.lt_u (local.get $j) (local.get $end))))
                    ;; the token ends at c (white space next, or the cut): its last int holds c alone
                    (if (i32.or (i32.and (i32.le_u (local.get $e) (i32.const 32)) (i32.wrap_i64 (i64.and (i64.shr_u (i64.const 0x1F0003E00) (i64.extend_i32_u (local.get $e))) (i64.const 1))))
                          (i32.ge_u (i32.sub (local.get $j) (local.get $start)) (i32.const 255)))
                      (then
                        (if (i32.lt_u (local.get $k) (i32.const 4))
                          (then (i32.store (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 2))) (local.get $c))))
                        (local.set $p (local.get $c))
                        (local.set $p (i32.mul (i32.rotl (i32.mul (local.get $p) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593)))
                        (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor (local.get $h) (local.get $p)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
                        (local.set $i (local.get $j))
                        (br $cut)))
                    (local.set $p (i32.or (local.get $c) (i32.shl (local.get $e) (i32.const 16))))
                    (if (i32.lt_u (local.get $k) (i32.const 4))
                      (then (i32.store (i32.add (local.get $w) (i32.shl (local.get $k) (i32.const 2))) (local.get $p))))
                    (local.set $p (i32.mul (i32.rotl (i32.mul (local.get $p) (i32.const 0xcc9e2d51)) (i32.const 15)) (i32.const 0x1b873593)))
                    (local.set $h (i32.add (i32.mul (i32.rotl (i32.xor (local.get $h) (local.get $p)) (i32.const 13)) (i32.const 5)) (i32.const 0xe6546b64)))
                    (local.set $k (i32.add (local.get $k) (i32.const 1)))
                    (local.set $i (i32.add (local.get $j) (i32.const 1)))
                    (br_if $cut (i32.ge_u (local.get $i) (local.get $end)))
                    (br_if $cut (i32.ge_u (i32.sub (local.get $i) (local.get $start)) (i32.const 255)))
                    (local.set $c (i32.load8_u (local.get $i)))
                    (br_if $cut (i32.and (i32.le_u (local.get $c) (i32.const 32)) (i32.wrap_i64 (i64.and (i64.shr_u (i64.const 0x1F0003E00) (i64.extend_i32_u (local.get $c))) (i64.const 1)))))
                    (br $pair)))
                (local.set $k (i32.sub (local.get $i) (local.get $start)))))
            (i32.store (i32.add (local.get $len) (local.get $t)) (local.get $k))
            ;; murmur3's finish with the length
            (local.set $h (i32.xor (local.get $h) (local.get $k)))
            (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))) (i32.const 0x85ebca6b)))
            (local.set $h (i32.mul (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 13))) (i32.const 0xc2b2ae35)))
            (i32.store (i32.add (local.get $hash) (local.get $t)) (i32.xor (local.get $h) (i32.shr_u (local.get $h) (i32.const 16))))
            (local.set $n (i32.add (local.get $n) (i32.const 1)))
            (br $token)))
        (local.set $d (i32.add (local.get $d) (i32.const 1)))
        (br $document)))
    (local.get $n))
)
