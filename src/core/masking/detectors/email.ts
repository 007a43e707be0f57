import { codeAt, DASH, DOT, isAlnum, isAlpha } from './chars.ts'
import { type Detector, isWholeMatch, type Span } from './detector.ts'

// File extensions that make `icon@2x.png` or `lib@next.js` look like an address; none is a top-level domain.
const FILE_EXTENSIONS = new Set(
  'png jpg jpeg gif svg webp ico bmp tif tiff pdf css js ts mjs cjs json txt lock yaml yml'.split(' '),
)

/** E-mail addresses: a dot-atom local part (RFC 5322 §3.2.3), `@`, a domain of two or more DNS labels. */
export const email: Detector = {
  id: 'email',
  hints: ['email', 'mail', 'e_mail', 'emailaddress'],
  test: (value, context) => isWholeMatch(email.find(value, context), value),
  find(text) {
    const spans: Span[] = []
    let from = 0
    let lastEnd = 0
    for (;;) {
      const at = text.indexOf('@', from)
      if (at === -1) return spans
      from = at + 1
      const start = scanLocalStart(text, at, lastEnd)
      const end = scanDomainEnd(text, at + 1)
      if (start < at && validDomain(text, at + 1, end) && validLocal(text, start, at)) {
        spans.push({ start, end })
        lastEnd = end
        from = end
      }
    }
  },
}

// RFC 5322 atext minus the characters that in running text are far likelier punctuation than address.
function isLocalChar(c: number): boolean {
  return isAlnum(c) || c === DOT || c === DASH || c === 95 || c === 43 /* + */ || c === 37 /* % */
}

function scanLocalStart(text: string, at: number, floor: number): number {
  let i = at
  while (i > floor && at - i < 64 && isLocalChar(text.charCodeAt(i - 1))) i--
  // `a.@x` and `.a@x` are not addresses, and a leading dot is more likely the end of a sentence.
  while (i < at && text.charCodeAt(i) === DOT) i++
  return i
}

function scanDomainEnd(text: string, from: number): number {
  let i = from
  while (i < text.length && i - from < 255) {
    const c = text.charCodeAt(i)
    if (!(isAlnum(c) || c === DOT || c === DASH)) break
    i++
  }
  // A sentence may end right after the address.
  while (i > from && (text.charCodeAt(i - 1) === DOT || text.charCodeAt(i - 1) === DASH)) i--
  return i
}

function validLocal(text: string, start: number, at: number): boolean {
  if (text.charCodeAt(at - 1) === DOT) return false
  for (let i = start + 1; i < at; i++)
    if (text.charCodeAt(i) === DOT && text.charCodeAt(i - 1) === DOT) return false
  return true
}

function validDomain(text: string, start: number, end: number): boolean {
  if (isAlnum(codeAt(text, end)) || codeAt(text, end) === 64 /* @ */) return false
  let labels = 0
  let labelStart = start
  for (let i = start; i <= end; i++) {
    if (i < end && text.charCodeAt(i) !== DOT) continue
    const length = i - labelStart
    if (length < 1 || length > 63) return false
    if (text.charCodeAt(labelStart) === DASH || text.charCodeAt(i - 1) === DASH) return false
    labels++
    if (i === end) return labels >= 2 && validTld(text, labelStart, end)
    labelStart = i + 1
  }
  return false
}

function validTld(text: string, start: number, end: number): boolean {
  const tld = text.slice(start, end).toLowerCase()
  if (tld.startsWith('xn--')) return tld.length > 4
  if (tld.length < 2 || tld.length > 24) return false
  for (let i = 0; i < tld.length; i++) if (!isAlpha(tld.charCodeAt(i))) return false
  return !FILE_EXTENSIONS.has(tld)
}
