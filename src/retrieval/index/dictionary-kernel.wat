;; The probes of an indexing thread's term dictionary (TermDictionary.lookup in term-dictionary.ts),
;; in WebAssembly: each token of a batch looked up in the open-addressing table, whose slots (four
;; i32: id + 1 or 0 for none, key, then the two ints of the term's first code units) are in this
;; memory. JavaScript computed each token's key and slot ints and compared them in a branchy loop
;; per token; here they come from one 16-byte load. Adding terms stays in JavaScript, which writes
;; the table through a view of this memory: the memory is shared, so that growing it for a larger
;; table detaches no buffer (after a detached buffer V8 checks every typed-array access of the
;; thread).
;; Compiled to dictionary-kernel.wasm by scripts/build-wasm.mjs.
(module
  (import "env" "memory" (memory 1 65536 shared))

  ;; ids[i] for i < n (i32): the id of token i (hash[i], len[i]: i32; inline: its first 8 code
  ;; units two an i32, 16 bytes a token) where the table (at slots, 2^(32 − shift) slots of 16
  ;; bytes, wrap = its byte length − 1) holds it; −1 where it holds no term of its key and first
  ;; code units; −2 − (its slot's first i32's index from slots) where a term of them is there but
  ;; the token is longer than its inline units (the caller compares the rest). The home slots of
  ;; 512 tokens are read first, in a loop of independent loads whose cache misses overlap. Returns
  ;; the xor of those reads (kept so that they are not dropped).
  (func (export "probe") (param $hash i32) (param $inline i32) (param $len i32) (param $n i32) (param $slots i32)
    (param $shift i32) (param $wrap i32) (param $ids i32) (result i32)
    (local $c i32) (local $end i32) (local $i i32) (local $touched i32) (local $q v128) (local $wide i32)
    (local $pair i64) (local $key i32) (local $at i32) (local $v i32) (local $found i32) (local $l i32) (local $b v128)
    (block $chunks
      (loop $chunk
        (br_if $chunks (i32.ge_u (local.get $c) (local.get $n)))
        (local.set $end (select (local.get $n) (i32.add (local.get $c) (i32.const 512))
          (i32.lt_u (i32.sub (local.get $n) (local.get $c)) (i32.const 512))))
        (local.set $i (local.get $c))
        (loop $ahead
          (local.set $touched (i32.xor (local.get $touched)
            (i32.load (i32.add (local.get $slots)
              (i32.shl (i32.shr_u (i32.load (i32.add (local.get $hash) (i32.shl (local.get $i) (i32.const 2)))) (local.get $shift)) (i32.const 4))))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $ahead (i32.lt_u (local.get $i) (local.get $end))))
        (local.set $i (local.get $c))
        (loop $each
          ;; the slot's ints: the first 8 code units a byte each where they are all below 256, else
          ;; the first 4 two an int (term-dictionary.ts's SLOT)
          (local.set $q (v128.load (i32.add (local.get $inline) (i32.shl (local.get $i) (i32.const 4)))))
          (local.set $wide (v128.any_true (v128.and (local.get $q) (i32x4.splat (i32.const 0xff00ff00)))))
          (local.set $b (i8x16.narrow_i16x8_u (local.get $q) (local.get $q)))
          (local.set $pair (select (i64x2.extract_lane 0 (local.get $q)) (i64x2.extract_lane 0 (local.get $b)) (local.get $wide)))
          ;; the key: the hash with its low 4 bits a tag of the length (keyOf)
          (local.set $l (i32.load (i32.add (local.get $len) (i32.shl (local.get $i) (i32.const 2)))))
          (local.set $key (i32.or (i32.and (i32.load (i32.add (local.get $hash) (i32.shl (local.get $i) (i32.const 2)))) (i32.const -16))
            (select
              (select (i32.add (i32.const 8) (local.get $l)) (i32.const 15) (i32.le_u (local.get $l) (i32.const 4)))
              (select (local.get $l) (i32.const 15) (i32.le_u (local.get $l) (i32.const 8)))
              (local.get $wide))))
          (local.set $at (i32.shl (i32.shr_u (local.get $key) (local.get $shift)) (i32.const 4)))
          (local.set $found (i32.const -1))
          (block $probed
            (loop $probe
              (local.set $v (i32.load (i32.add (local.get $slots) (local.get $at))))
              (br_if $probed (i32.eqz (local.get $v)))
              (if (i32.and (i32.eq (i32.load offset=4 (i32.add (local.get $slots) (local.get $at))) (local.get $key))
                    (i64.eq (i64.load offset=8 (i32.add (local.get $slots) (local.get $at))) (local.get $pair)))
                (then
                  ;; a key tagged LONG (15): the inline units are not the whole term
                  (local.set $found (select (i32.sub (local.get $v) (i32.const 1)) (i32.sub (i32.const -2) (i32.shr_u (local.get $at) (i32.const 2)))
                    (i32.ne (i32.and (local.get $key) (i32.const 15)) (i32.const 15))))
                  (br $probed)))
              (local.set $at (i32.and (i32.add (local.get $at) (i32.const 16)) (local.get $wrap)))
              (br $probe)))
          (i32.store (i32.add (local.get $ids) (i32.shl (local.get $i) (i32.const 2))) (local.get $found))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $each (i32.lt_u (local.get $i) (local.get $end))))
        (local.set $c (local.get $end))
        (br $chunk)))
    (local.get $touched))
)
