import type { Detector, DetectorContext, Span } from './detectors/detector.ts'
import { REDACTED, type StyleFunction } from './styles.ts'

/** One detector in force for one column (or JSON key), with what to do with its finds. */
export interface DetectorEntry {
  readonly detector: Detector
  readonly context: DetectorContext
  readonly style: StyleFunction
  /** Counter slot of `column/detector` in the plan. */
  readonly slot: number
}

export interface Found extends Span {
  entry: DetectorEntry
}

/**
 * Replaces what the detectors find, leaving the rest of the text as it was. Returns the same string
 * when nothing is found. Entries come most specific first: of two overlapping finds the earlier entry's
 * wins. A whole-value find styled `null` gives NULL; inside running text a NULL cannot stand for a part,
 * so that span becomes `****`.
 */
export function maskText(value: string, entries: readonly DetectorEntry[], counts: number[]): string | null {
  if (entries.length === 1) return maskTextWith(value, entries[0]!, counts)
  return maskFound(value, findAll(value, entries), counts)
}

/** What several detectors find in `value`, without overlaps, in order; undefined when nothing. */
export function findAll(value: string, entries: readonly DetectorEntry[]): Found[] | undefined {
  let found: Found[] | undefined
  const digits = countDigits(value)
  for (const entry of entries) {
    if (digits < (entry.detector.minDigits ?? 0)) continue
    const spans = entry.detector.find(value, entry.context)
    for (const span of spans) {
      if (found !== undefined && overlapsAny(found, span)) continue
      found ??= []
      found.push({ start: span.start, end: span.end, entry })
    }
  }
  if (found !== undefined && found.length > 1) found.sort((a, b) => a.start - b.start)
  return found
}

/** maskText once findAll's spans are known. */
export function maskFound(
  value: string,
  found: readonly Found[] | undefined,
  counts: number[],
): string | null {
  if (found === undefined) return value
  // A value counts once per detector, however many spans it had.
  for (let i = 0; i < found.length; i++) {
    const entry = found[i]!.entry
    if (!found.some((g, j) => j < i && g.entry === entry)) counts[entry.slot]!++
  }
  let out = ''
  let at = 0
  for (const f of found) {
    const masked = f.entry.style(value.slice(f.start, f.end), f.entry.detector.id)
    if (masked === null && found.length === 1 && value.trim().length === f.end - f.start) return null
    out += value.slice(at, f.start) + (masked ?? REDACTED)
    at = f.end
  }
  return out + value.slice(at)
}

/**
 * maskText for one detector (a rule scanning a column for one kind): its spans never overlap, so no
 * merging, and nothing is allocated beyond the detector's spans and the masked text.
 */
export function maskTextWith(value: string, entry: DetectorEntry, counts: number[]): string | null {
  return maskSpans(value, entry, entry.detector.find(value, entry.context), counts)
}

/** maskTextWith once the detector's spans are known. */
export function maskSpans(
  value: string,
  entry: DetectorEntry,
  spans: readonly Span[],
  counts: number[],
): string | null {
  if (spans.length === 0) return value
  counts[entry.slot]!++
  const id = entry.detector.id
  if (spans.length === 1) {
    const { start, end } = spans[0]!
    const masked = entry.style(value.slice(start, end), id)
    if (masked === null)
      return value.trim().length === end - start ? null : replaced(value, start, end, REDACTED)
    return replaced(value, start, end, masked)
  }
  let out = ''
  let at = 0
  for (const { start, end } of spans) {
    out += value.slice(at, start) + (entry.style(value.slice(start, end), id) ?? REDACTED)
    at = end
  }
  return out + value.slice(at)
}

function replaced(value: string, start: number, end: number, by: string): string {
  if (start === 0 && end === value.length) return by
  return value.slice(0, start) + by + value.slice(end)
}

function countDigits(value: string): number {
  let digits = 0
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i)
    if (c >= 48 && c <= 57) digits++
  }
  return digits
}

function overlapsAny(found: readonly Found[], span: Span): boolean {
  for (const f of found) if (f.start < span.end && span.start < f.end) return true
  return false
}
