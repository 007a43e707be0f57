import { codeAt, DOT, isAlnum, isAlpha, isDigit, isHex } from './chars.ts'
import { type Detector, type DetectorContext, isWholeMatch, type Span } from './detector.ts'

const COLON = 58

// Words after which a dotted quad is a version, not an address (`version 1.2.3.4`, `v 10.0.0.1`).
const VERSION_WORDS = new Set(['version', 'ver', 'v', 'release', 'build', 'rev', 'revision'])

/**
 * IP addresses: IPv4 dotted quads with octets 0–255 and no leading zeros, and IPv6 in the RFC 4291 §2.2
 * text forms (full, `::`-compressed, with a trailing dotted quad). An OID (`1.3.6.1.4.1`) or a quad
 * labelled as a version is left alone, except in a column named for addresses.
 */
export const ip: Detector = {
  id: 'ip',
  hints: ['ip', 'ipaddr', 'ipaddress', 'addr', 'remoteaddr', 'clientaddr', 'host', 'inet', 'ipv4', 'ipv6'],
  test: (value, context) => isWholeMatch(ip.find(value, context), value),
  find(text, context) {
    const spans: Span[] = []
    // Without a colon only IPv4 is possible, and it starts with a digit: words are skipped char by char.
    const colons = text.indexOf(':') !== -1
    if (!colons && text.indexOf('.') === -1) return spans
    let i = 0
    while (i < text.length) {
      const c = text.charCodeAt(i)
      const candidate = colons ? isHex(c) || c === COLON : isDigit(c)
      if (!candidate || !startsAddress(text, i)) {
        i++
        continue
      }
      const end = scanAddressChars(text, i)
      const span = matchAddress(text, i, end, context)
      if (span) spans.push(span)
      i = Math.max(end, i + 1)
    }
    return spans
  },
}

function startsAddress(text: string, i: number): boolean {
  const prev = codeAt(text, i - 1)
  return !(isAlnum(prev) || prev === DOT || prev === COLON || prev === 95 || prev === 45)
}

function scanAddressChars(text: string, start: number): number {
  let i = start
  while (i < text.length && i - start < 45) {
    const c = text.charCodeAt(i)
    if (!(isHex(c) || c === COLON || c === DOT)) break
    i++
  }
  return i
}

function matchAddress(text: string, start: number, end: number, context: DetectorContext): Span | undefined {
  // A sentence may end right after the address.
  while (end > start && text.charCodeAt(end - 1) === DOT) end--
  const next = codeAt(text, end)
  if (isAlnum(next) || next === 95 || next === 45) return undefined
  if (next === DOT && isDigit(codeAt(text, end + 1))) return undefined
  if (!plausible(text, start, end)) return undefined
  const candidate = text.slice(start, end)
  if (candidate.includes(':')) return isIpv6(candidate) ? { start, end } : undefined
  if (!isIpv4(candidate)) return undefined
  // In a `version` or `build` column, or after such a word, a dotted quad is a version number.
  if (!context.hinted && (context.idLike || followsVersionWord(text, start))) return undefined
  return { start, end }
}

// Most words made of hex letters (`bad`, `face`) stop here, before any slicing.
function plausible(text: string, start: number, end: number): boolean {
  let colons = 0
  let dots = 0
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c === COLON) colons++
    else if (c === DOT) dots++
  }
  return colons >= 2 || (dots === 3 && isDigit(text.charCodeAt(start)))
}

function isIpv4(text: string): boolean {
  const parts = text.split('.')
  if (parts.length !== 4) return false
  for (const part of parts) {
    if (part.length === 0 || part.length > 3 || (part.length > 1 && part[0] === '0')) return false
    for (let i = 0; i < part.length; i++) if (!isDigit(part.charCodeAt(i))) return false
    if (Number(part) > 255) return false
  }
  return true
}

function isIpv6(text: string): boolean {
  const double = text.indexOf('::')
  if (double !== -1 && text.indexOf('::', double + 1) !== -1) return false
  let groups = text.split(':')
  // `::` at either end leaves empty strings that stand for zero groups.
  if (double !== -1) groups = groups.filter((g) => g !== '')
  let needed = 8
  const last = groups[groups.length - 1]
  if (last?.includes('.')) {
    if (!isIpv4(last)) return false
    groups = groups.slice(0, -1)
    needed = 6
  }
  for (const group of groups) {
    if (group.length === 0 || group.length > 4) return false
    for (let i = 0; i < group.length; i++) if (!isHex(group.charCodeAt(i))) return false
  }
  if (double === -1) return groups.length === needed
  // `::` alone is the unspecified address: nothing to hide, and `::` occurs in code (`std::vector`).
  return groups.length > 0 && groups.length < needed
}

function followsVersionWord(text: string, start: number): boolean {
  let i = start - 1
  while (i >= 0 && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 58 || text.charCodeAt(i) === 61)) i--
  const end = i + 1
  while (i >= 0 && isAlpha(text.charCodeAt(i))) i--
  return end - (i + 1) <= 10 && VERSION_WORDS.has(text.slice(i + 1, end).toLowerCase())
}
