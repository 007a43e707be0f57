import { codeAt, DOT, isBase64Url } from './chars.ts'
import { type Detector, isWholeMatch, type Span } from './detector.ts'

/**
 * JSON Web Tokens in compact serialization (RFC 7519): three base64url parts separated by dots whose
 * first part decodes to a JSON object with an `alg` string. Every JWS header starts `{"`, which is
 * `eyJ` in base64url: the scan looks for that before decoding anything.
 */
export const jwt: Detector = {
  id: 'jwt',
  hints: ['jwt', 'token', 'idtoken', 'accesstoken', 'bearer', 'authorization'],
  test: (value, context) => isWholeMatch(jwt.find(value, context), value),
  find(text) {
    const spans: Span[] = []
    let from = 0
    for (;;) {
      const start = text.indexOf('eyJ', from)
      if (start === -1) return spans
      from = start + 3
      if (isBase64Url(codeAt(text, start - 1))) continue
      const headerEnd = scanBase64Url(text, start)
      if (text.charCodeAt(headerEnd) !== DOT) continue
      const payloadEnd = scanBase64Url(text, headerEnd + 1)
      if (payloadEnd === headerEnd + 1 || text.charCodeAt(payloadEnd) !== DOT) continue
      // An unsecured JWT (`alg: none`) has an empty signature and is as sensitive as a signed one.
      const end = scanBase64Url(text, payloadEnd + 1)
      if (codeAt(text, end) === DOT || !headerHasAlg(text.slice(start, headerEnd))) continue
      spans.push({ start, end })
      from = end
    }
  },
}

function scanBase64Url(text: string, from: number): number {
  let i = from
  while (i < text.length && isBase64Url(text.charCodeAt(i))) i++
  return i
}

function headerHasAlg(part: string): boolean {
  if (part.length > 2048) return false
  try {
    const header: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
    return (
      typeof header === 'object' && header !== null && typeof (header as { alg?: unknown }).alg === 'string'
    )
  } catch {
    return false
  }
}
