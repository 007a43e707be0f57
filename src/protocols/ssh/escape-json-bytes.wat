;; escape-json-bytes.wasm, hand-written (DEPENDENCIES.md says why): the body of the JSON string of bytes, as
;; escape-json-bytes.ts writes it, 16 bytes a step where none of them is escaped.
;; Assembled with wabt's wat2wasm (`npx -y -p wabt@1.0.37 wat2wasm escape-json-bytes.wat`) into
;; the base64 of escape-json-bytes-wasm.ts, whose test fails if this file changes without it.
;;
;; Memory, laid out by escape-json-bytes-wasm.ts:
;;   0..2047     per byte, 8 bytes: its escaped form (1 to 6 bytes, then anything), stored whole
;;   2048..2303  per byte: the length of its escaped form
;;   from 4096   the input, then room for 6 bytes out per byte in, plus 8 (the last whole store)
(module
  (memory (export "memory") 1)
  (func (export "escape") (param $in i32) (param $length i32) (param $out i32) (result i32)
    (local $end i32)
    (local $stop i32)
    (local $byte i32)
    (local $block v128)
    (local.set $end (i32.add (local.get $in) (local.get $length)))
    ;; Whole blocks of 16: stored as they are when none is below 0x20, '"' or '\', else byte by byte.
    (block $blocks_done
      (loop $blocks
        (br_if $blocks_done
          (i32.gt_u (i32.add (local.get $in) (i32.const 16)) (local.get $end)))
        (local.set $block (v128.load align=1 (local.get $in)))
        (if
          (v128.any_true
            (v128.or
              (v128.or
                (i8x16.lt_u (local.get $block) (i8x16.splat (i32.const 0x20)))
                (i8x16.eq (local.get $block) (i8x16.splat (i32.const 0x22))))
              (i8x16.eq (local.get $block) (i8x16.splat (i32.const 0x5c)))))
          (then
            (local.set $stop (i32.add (local.get $in) (i32.const 16)))
            (loop $bytes
              (local.set $byte (i32.load8_u (local.get $in)))
              (i64.store align=1 (local.get $out)
                (i64.load (i32.shl (local.get $byte) (i32.const 3))))
              (local.set $out
                (i32.add (local.get $out) (i32.load8_u offset=2048 (local.get $byte))))
              (local.set $in (i32.add (local.get $in) (i32.const 1)))
              (br_if $bytes (i32.lt_u (local.get $in) (local.get $stop)))))
          (else
            (v128.store align=1 (local.get $out) (local.get $block))
            (local.set $out (i32.add (local.get $out) (i32.const 16)))
            (local.set $in (i32.add (local.get $in) (i32.const 16)))))
        (br $blocks)))
    ;; The last 0 to 15 bytes, one by one.
    (block $tail_done
      (loop $tail
        (br_if $tail_done (i32.ge_u (local.get $in) (local.get $end)))
        (local.set $byte (i32.load8_u (local.get $in)))
        (i64.store align=1 (local.get $out)
          (i64.load (i32.shl (local.get $byte) (i32.const 3))))
        (local.set $out
          (i32.add (local.get $out) (i32.load8_u offset=2048 (local.get $byte))))
        (local.set $in (i32.add (local.get $in) (i32.const 1)))
        (br $tail)))
    (local.get $out)))
