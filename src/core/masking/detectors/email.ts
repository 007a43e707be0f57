import { codeAt, DASH, DOT, isAlnum, isAlpha } from './chars.ts'
import { type Detector, isWholeMatch, type Span } from './detector.ts'

// File extensions that make `icon@2x.png` or `lib@next.js` look like an address; none is a top-level domain.
// Kept as small integers (letters packed 5 bits each, case folded), so a TLD is looked up without making a
// string per value.
const FILE_EXTENSIONS = new Set(
  'png jpg jpeg gif svg webp ico bmp tif tiff pdf css js ts mjs cjs json txt lock yaml yml'
    .split(' ')
    .map((ext) => packLower(ext, 0, ext.length)),
)
const MAX_EXTENSION = 4

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

// Character classes as one table load each: an e-mail column runs these loops on every value.
const ALNUM = 1
// RFC 5322 atext minus the characters that in running text are far likelier punctuation than address.
const LOCAL = 2
const DOMAIN = 4
const CLASSES = Uint8Array.from({ length: 128 }, (_, c) => {
  if (isAlnum(c)) return ALNUM | LOCAL | DOMAIN
  if (c === DOT || c === DASH) return LOCAL | DOMAIN
  return c === 95 /* _ */ || c === 43 /* + */ || c === 37 /* % */ ? LOCAL : 0
})

function is(c: number, cls: number): boolean {
  return c >= 0 && c < 128 && (CLASSES[c]! & cls) !== 0
}

function isLocalChar(c: number): boolean {
  return is(c, LOCAL)
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
    if (!is(c, DOMAIN)) break
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
  const after = codeAt(text, end)
  if (is(after, ALNUM) || after === 64 /* @ */) return false
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
  const length = end - start
  if (length >= 4 && isPunycodePrefix(text, start)) return length > 4
  if (length < 2 || length > 24) return false
  for (let i = start; i < end; i++) if (!isAlpha(text.charCodeAt(i))) return false
  return length > MAX_EXTENSION || !FILE_EXTENSIONS.has(packLower(text, start, end))
}

/** `xn--`, any case. */
function isPunycodePrefix(text: string, at: number): boolean {
  return (
    (text.charCodeAt(at) | 32) === 120 &&
    (text.charCodeAt(at + 1) | 32) === 110 &&
    text.charCodeAt(at + 2) === DASH &&
    text.charCodeAt(at + 3) === DASH
  )
}

function packLower(text: string, start: number, end: number): number {
  let packed = 0
  for (let i = start; i < end; i++) packed = (packed << 5) | ((text.charCodeAt(i) | 32) - 96)
  return packed
}
