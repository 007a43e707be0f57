import { codeAt, isAlnum } from './chars.ts'
import type { Span } from './detector.ts'

export interface TokenShape {
  /** Literal prefixes, e.g. `ghp_`; the scan finds them with indexOf before reading any body. */
  prefixes: readonly string[]
  isBodyChar(c: number): boolean
  minBody: number
  maxBody: number
}

/**
 * Spans of `prefix + body` where the token stands alone: no word character before the prefix or after
 * the body (a longer run is some other identifier that only happens to contain the prefix).
 */
export function findPrefixedTokens(text: string, shape: TokenShape): Span[] {
  const spans: Span[] = []
  for (const prefix of shape.prefixes) {
    let from = 0
    for (;;) {
      const start = text.indexOf(prefix, from)
      if (start === -1) break
      from = start + 1
      const before = codeAt(text, start - 1)
      if (isAlnum(before) || before === 95) continue
      let end = start + prefix.length
      while (end < text.length && shape.isBodyChar(text.charCodeAt(end))) end++
      const body = end - start - prefix.length
      const after = codeAt(text, end)
      // The whole run is consumed either way, so a run of repeated prefixes is read once, not once each.
      from = end
      if (body < shape.minBody || body > shape.maxBody || isAlnum(after) || after === 95) continue
      spans.push({ start, end })
    }
  }
  if (shape.prefixes.length === 1) return spans
  // A body may contain another prefix (`xoxb-…-xoxp-…`): keep the outer token only.
  spans.sort((a, b) => a.start - b.start)
  return spans.filter((span, i) => i === 0 || span.start >= spans[i - 1]!.end)
}
