// The byte form of a column scanned by detectors (masker.ts): on a large read most of a scan's cost was
// the value's UTF-8 round trip and the strings its mask was built from, not the detectors.
import { BYTE_STYLE_GROWTH, type ByteStyleFunction, wholeFindByteStyle } from './byte-styles.ts'
import { type DetectorEntry, findAll, maskFound, maskSpans } from './mask-text.ts'
import type { MaskingRuleSet } from './rules.ts'
import { MASK_STYLES } from './styles.ts'

/** Masks one value of a column; `counts` are the plan's counters. */
export type ColumnMasker = (value: string, counts: number[]) => string | null

/** Masks one whole value's UTF-8 bytes into `dst`: its length, or -1 to take the string path. */
export type ByteColumnMasker = (
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  at: number,
  counts: number[],
) => number

/**
 * The byte form of a column scanned by detectors, for ASCII values: the value is read as Latin-1 (no UTF-8
 * decoding), and the mask, ASCII too (styles keep parts of the value and add ASCII), written as bytes, so
 * neither side goes through UTF-8 conversion. Counts go to `tally` first and reach the plan's counters
 * only when the byte form is used: a mask that is NULL or outgrows `dst` returns -1, and the caller's
 * string path masks (and counts) the value again.
 */
export function detectorBytes(
  mask: ColumnMasker,
  entries: readonly DetectorEntry[],
  tally: number[],
  wholeFinds: ReadonlyArray<ByteStyleFunction | undefined>,
): ByteColumnMasker {
  const only = entries.length === 1 ? entries[0]! : undefined
  const anyWhole = wholeFinds.some((w) => w !== undefined)
  const maskAscii = (
    value: string,
    src: Uint8Array,
    start: number,
    end: number,
    dst: Uint8Array,
    at: number,
  ) => {
    if (!anyWhole) return written(mask(value, tally), value, src, start, end, dst, at)
    // A detector finding the whole value (a column of addresses, of cards): its mask straight as bytes.
    if (only !== undefined) {
      const spans = only.detector.find(value, only.context)
      if (spans.length === 1 && spans[0]!.start === 0 && spans[0]!.end === value.length) {
        tally[only.slot]!++
        return wholeFinds[0]!(src, start, end, dst, at)
      }
      return written(maskSpans(value, only, spans, tally), value, src, start, end, dst, at)
    }
    const found = findAll(value, entries)
    const first = found?.length === 1 ? found[0]! : undefined
    if (first !== undefined && first.start === 0 && first.end === value.length) {
      const wholeFind = wholeFinds[entries.indexOf(first.entry)]
      if (wholeFind !== undefined) {
        tally[first.entry.slot]!++
        return wholeFind(src, start, end, dst, at)
      }
    }
    return written(maskFound(value, found, tally), value, src, start, end, dst, at)
  }
  return (src, start, end, dst, at, counts) => {
    for (let i = start; i < end; i++) if (src[i]! >= 0x80) return -1
    let length = -1
    try {
      length = maskAscii(latin1(src, start, end), src, start, end, dst, at)
    } finally {
      for (const { slot } of entries) {
        if (length !== -1) counts[slot]! += tally[slot]!
        tally[slot] = 0
      }
    }
    return length
  }
}

/** The bytes of `masked` (the mask of `value`, which is `src[start, end)`) at `dst[at]`, or -1. */
function written(
  masked: string | null,
  value: string,
  src: Uint8Array,
  start: number,
  end: number,
  dst: Uint8Array,
  at: number,
): number {
  if (masked === value) return copyInto(src, start, end, dst, at)
  if (masked === null || masked.length > end - start + BYTE_STYLE_GROWTH) return -1
  return writeAscii(masked, dst, at)
}

/** Per detector entry, the byte style of its whole-value finds, where its style has one. */
export function wholeFindBytes(
  entries: readonly DetectorEntry[],
  ruleSet: MaskingRuleSet,
): Array<ByteStyleFunction | undefined> {
  return entries.map((entry) => {
    const style = MASK_STYLES.find((s) => ruleSet.styles[s] === entry.style)
    return style === undefined ? undefined : wholeFindByteStyle(style, entry.detector.id)
  })
}

// Buffer's own slice method, without toString's argument handling: most of its cost on short values.
type Latin1Slicer = Buffer & { latin1Slice(start: number, end: number): string }

function latin1(src: Uint8Array, start: number, end: number): string {
  const buffer = Buffer.isBuffer(src) ? src : Buffer.from(src.buffer, src.byteOffset, src.byteLength)
  return (buffer as Latin1Slicer).latin1Slice(start, end)
}

function copyInto(src: Uint8Array, start: number, end: number, dst: Uint8Array, at: number): number {
  for (let i = start; i < end; i++) dst[at++] = src[i]!
  return end - start
}

/** `text` as ASCII bytes at `dst[at]`: its length, or -1 if it is not ASCII. */
function writeAscii(text: string, dst: Uint8Array, at: number): number {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x80) return -1
    dst[at + i] = c
  }
  return text.length
}
