import type { Detector, Span } from './detector.ts'
import { isWholeMatch } from './detector.ts'

const BEGIN = '-----BEGIN '
const DASHES = '-----'

/**
 * PEM private keys (RFC 7468 labels `PRIVATE KEY`, `ENCRYPTED PRIVATE KEY`, and the legacy `RSA`, `EC`,
 * `DSA`, `OPENSSH` forms): from the BEGIN line through the matching END line, or to the end of the text
 * when the key was cut off, since a truncated key still leaks most of its material.
 */
export const privateKey: Detector = {
  id: 'private-key',
  hints: ['privatekey', 'private', 'pem', 'key'],
  test: (value, context) => isWholeMatch(privateKey.find(value, context), value),
  find(text) {
    const spans: Span[] = []
    let from = 0
    for (;;) {
      const start = text.indexOf(BEGIN, from)
      if (start === -1) return spans
      const labelStart = start + BEGIN.length
      const labelEnd = text.indexOf(DASHES, labelStart)
      from = labelStart
      if (labelEnd === -1 || labelEnd - labelStart > 40) continue
      const label = text.slice(labelStart, labelEnd)
      if (!label.endsWith('PRIVATE KEY')) continue
      const footer = `-----END ${label}-----`
      const footerAt = text.indexOf(footer, labelEnd)
      const end = footerAt === -1 ? text.length : footerAt + footer.length
      spans.push({ start, end })
      from = end
    }
  },
}
