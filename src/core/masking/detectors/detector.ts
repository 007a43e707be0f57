/** A half-open range `[start, end)` of a text that a detector found. */
export interface Span {
  start: number
  end: number
}

/**
 * What a detector knows about where a value comes from. Computed once per column (or JSON key) when a
 * plan is made, never per value.
 */
export interface DetectorContext {
  /** The column or JSON key name as the result names it; '' when unknown. */
  readonly column: string
  /** The name says this detector's kind (`customer_phone` for phone): weaker shapes are accepted. */
  readonly hinted: boolean
  /** The name says identifier or counter (`order_id`, `build_no`, `version`): bare digit runs are not PII. */
  readonly idLike: boolean
}

/**
 * A validated detector. `find` returns the spans of a free text, in order and not overlapping; `test`
 * says whether the whole value (trimmed) is one instance. Both are linear in the text: candidates are cut
 * by hand-written scanners or anchored, non-nested patterns, then validated (Luhn, mod-97, ranges).
 */
export interface Detector {
  readonly id: string
  /** Column-name words that make the detector more permissive (matched as words, see column-hints.ts). */
  readonly hints: readonly string[]
  /**
   * Fewest ASCII digits any instance has: where several detectors scan one text, the digits are counted
   * once and a detector is skipped on a text with fewer (a city name is never scanned for a card).
   */
  readonly minDigits?: number
  test(value: string, context: DetectorContext): boolean
  find(text: string, context: DetectorContext): Span[]
}

/** A context for a value of unknown origin. */
export const NO_CONTEXT: DetectorContext = { column: '', hinted: false, idLike: false }

/** `test` in terms of `find`: exactly one span covering the value without its surrounding blanks. */
export function isWholeMatch(spans: Span[], value: string): boolean {
  if (spans.length !== 1) return false
  const span = spans[0]!
  return value.slice(0, span.start).trim() === '' && value.slice(span.end).trim() === ''
}
