import { LinearRegExp } from '../../linear-regexp.ts'
import type { Detector, Span } from './detector.ts'
import { isWholeMatch } from './detector.ts'

export interface CustomDetectorConfig {
  id: string
  /** A JavaScript regular expression source; matched globally. */
  pattern: string
  /** Extra flags (`i`, `u`, `s`, `m`); `g` is always added. */
  flags?: string
  hints?: string[]
}

/**
 * A detector from configuration: every match of the pattern is a span. The pattern runs over each whole
 * value of the columns it covers (a cap would let the rest of a long value through unmasked), on the
 * linear-time engine (linear-regexp.ts), so no value can make it take more than time in proportion.
 */
export function createCustomDetector(config: CustomDetectorConfig): Detector {
  const flags = `${(config.flags ?? '').replaceAll('g', '').replaceAll('y', '')}g`
  const linear = new LinearRegExp(config.pattern, flags)
  const pattern = linear.regexp
  const detector: Detector = {
    id: config.id,
    hints: config.hints ?? [],
    test: (value, context) => isWholeMatch(detector.find(value, context), value),
    find(value) {
      const spans: Span[] = []
      // Folding (for the `i` flag) keeps every character where it was, so spans index the value.
      const text = linear.fold(value)
      pattern.lastIndex = 0
      for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
        if (m[0].length === 0) {
          pattern.lastIndex++
          continue
        }
        spans.push({ start: m.index, end: m.index + m[0].length })
      }
      return spans
    },
  }
  return detector
}
