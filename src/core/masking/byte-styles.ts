// Styles applied to a whole value's UTF-8 bytes, for the rows of a result where a column rule masks every
// value: no string is made from the value nor for its mask. Only ASCII values take this path; any other
// value returns -1 and goes through the string style, so the output is the same byte for byte.
import { isAlnum } from './detectors/chars.ts'
import type { MaskStyle } from './styles.ts'

/**
 * Writes the masked form of `src[start, end)` at `dst[at]` and returns its length, or -1 when the value
 * is not ASCII. `dst` must have room for `end - start + BYTE_STYLE_GROWTH` bytes from `at`.
 */
export type ByteStyleFunction = (
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  at: number,
) => number

/** How much longer than its value a mask written by a byte style can be (`a@b.c` → `a****@*****.c`). */
export const BYTE_STYLE_GROWTH = 16

const AT = 0x40
const DOT = 0x2e
const STAR = 0x2a
const REDACTED_LENGTH = 4
// 1 at ASCII letters and digits (isAlnum), one load per byte in the loops below.
const ALNUM = Uint8Array.from({ length: 128 }, (_, c) => (isAlnum(c) ? 1 : 0))
const EMAIL_MIDDLE = Uint8Array.from('****@*****', (c) => c.charCodeAt(0))

/** The byte forms of the styles as a column rule (no detector) applies them; hash and null have none. */
export const BYTE_STYLES: Readonly<Partial<Record<MaskStyle, ByteStyleFunction>>> = {
  redact: redactBytes,
  partial: partialMaskBytes,
}

function redactBytes(_src: Uint8Array, _start: number, _end: number, dst: Uint8Array, at: number): number {
  return writeRedacted(dst, at)
}

/** partialMask(value, undefined) on ASCII bytes: an e-mail's shape, else all but the last 4 alnums hidden. */
export function partialMaskBytes(
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  at: number,
): number {
  let atSign = -1
  let dot = -1
  let alnums = 0
  for (let i = start; i < end; i++) {
    const c = src[i]!
    if (c >= 0x80) return -1
    if (c === AT) atSign = i
    else if (c === DOT) dot = i
    else alnums += ALNUM[c]!
  }
  if (atSign !== -1) {
    // partialEmail: `j****@*****.com`
    if (atSign === start || dot < atSign) return writeRedacted(dst, at)
    let to = at
    dst[to++] = src[start]!
    for (let i = 0; i < EMAIL_MIDDLE.length; i++) dst[to++] = EMAIL_MIDDLE[i]!
    for (let i = dot; i < end; i++) dst[to++] = src[i]!
    return to - at
  }
  if (alnums < 8) return writeRedacted(dst, at)
  // keepLast(value, 4, isAlnum): alnums before the last four become `*`, separators stay.
  let kept = 0
  let to = at
  for (let i = start; i < end; i++) {
    const c = src[i]!
    if (ALNUM[c] === 1 && alnums - kept++ > 4) dst[to++] = STAR
    else dst[to++] = c
  }
  return to - at
}

const CARD_PREFIX = Uint8Array.from('**** **** **** ', (c) => c.charCodeAt(0))
const SSN_PREFIX = Uint8Array.from('***-**-', (c) => c.charCodeAt(0))

/**
 * The byte form of a style applied to a value a detector found whole (partialMask(value, detectorId)),
 * where one exists: redact, and partial for the detectors a column of is common (e-mail, card, SSN).
 */
export function wholeFindByteStyle(style: MaskStyle, detectorId: string): ByteStyleFunction | undefined {
  if (style === 'redact') return redactBytes
  if (style !== 'partial') return undefined
  switch (detectorId) {
    case 'email':
      // An address has an `@`: partialMaskBytes takes its e-mail branch, partialEmail's bytes.
      return partialMaskBytes
    case 'card':
      return (src, start, end, dst, at) => writeLastDigits(CARD_PREFIX, src, start, end, dst, at)
    case 'ssn':
      return (src, start, end, dst, at) => writeLastDigits(SSN_PREFIX, src, start, end, dst, at)
    default:
      return undefined
  }
}

/** `prefix` then the last 4 ASCII digits of `src[start, end)` (styles.ts lastDigits), or -1 if not ASCII. */
function writeLastDigits(
  prefix: Uint8Array,
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  at: number,
): number {
  let first = end
  for (let kept = 0; first > start && kept < 4; first--) {
    const c = src[first - 1]!
    if (c >= 0x80) return -1
    if (c >= 0x30 && c <= 0x39) kept++
  }
  let to = at
  for (let i = 0; i < prefix.length; i++) dst[to++] = prefix[i]!
  for (let i = first; i < end; i++) {
    const c = src[i]!
    if (c >= 0x30 && c <= 0x39) dst[to++] = c
  }
  return to - at
}

function writeRedacted(dst: Uint8Array, at: number): number {
  dst.fill(STAR, at, at + REDACTED_LENGTH)
  return REDACTED_LENGTH
}
