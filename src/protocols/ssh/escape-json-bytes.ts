// The body of a JSON string (RFC 8259 section 7) of bytes, written into a buffer: what JSON.stringify of their
// Latin-1 view gives between its quotes. Control bytes, `"` and `\` are escaped (the short forms where JSON
// has one, else `\u00XX` in lower-case hex, as JSON.stringify writes them); every other byte, those of
// multi-byte UTF-8 characters included, is copied as it is, so the body of valid UTF-8 text is the UTF-8 of
// its JSON string. One pass and no string: the recording escapes every byte of a session's output, and
// JSON.stringify of a 32 KiB string of short lines appends each escape separately, then the string is copied
// into a buffer once more (asciicast.ts). Past a few dozen bytes the escaping is done in WebAssembly
// (escape-json-bytes-wasm.ts, 3-10x faster); the loop here is for shorter text.

import { escapeJsonBytesWasm } from './escape-json-bytes-wasm.ts'

/** The character after `\` for a byte JSON escapes in short form, 0xff for `\u00XX`, 0 for none. */
const ESCAPE = new Uint8Array(256)
ESCAPE.fill(0xff, 0, 0x20)
for (const [byte, short] of [
  [0x08, 'b'],
  [0x09, 't'],
  [0x0a, 'n'],
  [0x0c, 'f'],
  [0x0d, 'r'],
  [0x22, '"'],
  [0x5c, '\\'],
] as const)
  ESCAPE[byte] = short.charCodeAt(0)
const HEX = Buffer.from('0123456789abcdef', 'latin1')
const BACKSLASH = 0x5c
const U = 0x75
const ZERO = 0x30
/** The longest escape of one byte: `\u00XX`. */
export const MAX_ESCAPED_BYTES = 6

/** From this many bytes, copying them into the WebAssembly module and back costs less than the loop. */
const WASM_FROM_BYTES = 64

/** Writes the escaped `bytes` into `target` from `at`; returns where they end, or -1 if they do not fit
 * (`target` may then hold part of them). */
export function escapeJsonBytes(bytes: Buffer, target: Buffer, at: number): number {
  return bytes.length < WASM_FROM_BYTES
    ? escapeJsonBytesLoop(bytes, target, at)
    : escapeJsonBytesWasm(bytes, target, at)
}

function escapeJsonBytesLoop(bytes: Buffer, target: Buffer, at: number): number {
  const length = bytes.length
  // Past this, one more byte might not fit.
  const last = target.length - MAX_ESCAPED_BYTES
  let to = at
  for (let i = 0; i < length; i++) {
    if (to > last) return -1
    const byte = bytes[i]!
    if (byte >= 0x20 && byte !== 0x22 && byte !== BACKSLASH) {
      target[to++] = byte
      continue
    }
    const short = ESCAPE[byte]!
    target[to] = BACKSLASH
    if (short !== 0xff) {
      target[to + 1] = short
      to += 2
      continue
    }
    target[to + 1] = U
    target[to + 2] = ZERO
    target[to + 3] = ZERO
    target[to + 4] = HEX[byte >> 4]!
    target[to + 5] = HEX[byte & 15]!
    to += 6
  }
  return to
}
