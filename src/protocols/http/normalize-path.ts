// Request targets normalised the way an upstream will read them, before policy sees them (issue #14: a probe
// showed `/%67et` passing a `/get` rule). The result is what policy decides on AND what is forwarded, so the
// upstream can never read a path policy did not see. RFC 3986 §6.2.2: escapes of unreserved characters are
// decoded (`%67` → `g`, `%2E` → `.`), every other escape keeps its byte with upper-case hex; `//` collapses;
// dot segments resolve; `;` parameters are stripped (servlet containers drop them before routing, others
// keep them: stripping and forwarding the stripped path makes both read the same) or refused. What has more
// than one reading is refused: an encoded `/` or `\`, a raw `\`, NUL or control bytes, `..` above the root,
// broken escapes, anything but origin-form.

export interface NormalizedTarget {
  /** The path as forwarded and as policy matches it, e.g. `/v1/invoices/42`. */
  path: string
  /** The query without its `?` (empty when none), escapes validated, forwarded as it came. */
  query: string
}

export type PathParameters = 'strip' | 'reject'

export class UnnormalizablePath extends Error {}

const MAX_TARGET_LENGTH = 8192
const MAX_SEGMENTS = 256

// RFC 3986 pchar without `%` (handled apart) and `;` (parameters, handled apart).
const PCHAR = /^[A-Za-z0-9\-._~!$&'()*+,=:@]*$/
const QUERY = /^[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*$/
const UNRESERVED = /^[A-Za-z0-9\-._~]$/

/** Normalises an origin-form request target; throws UnnormalizablePath with the reason otherwise. */
export function normalizeTarget(target: string, parameters: PathParameters = 'strip'): NormalizedTarget {
  if (target.length > MAX_TARGET_LENGTH) refuse(`the request target is longer than ${MAX_TARGET_LENGTH}`)
  if (!target.startsWith('/')) refuse('only origin-form targets (/path?query) are accepted')
  if (target.includes('#')) refuse('a fragment is not part of a request target')
  const q = target.indexOf('?')
  const rawPath = q === -1 ? target : target.slice(0, q)
  const query = q === -1 ? '' : target.slice(q + 1)
  if (!QUERY.test(query)) refuse('the query holds characters that must be percent-encoded')
  checkEscapes(query)
  return { path: normalizePath(rawPath, parameters), query }
}

function normalizePath(raw: string, parameters: PathParameters): string {
  const segments = raw.split('/')
  if (segments.length > MAX_SEGMENTS) refuse(`the path has more than ${MAX_SEGMENTS} segments`)
  const out: string[] = []
  // segments[0] is the empty string before the leading `/`.
  for (let i = 1; i < segments.length; i++) {
    const last = i === segments.length - 1
    const segment = canonicalSegment(segments[i]!, parameters)
    if (segment === '.' || segment === '') {
      if (last) out.push('')
      continue
    }
    if (segment === '..') {
      if (out.length === 0 || (out.length === 1 && out[0] === '')) refuse('`..` climbs above the root')
      out.pop()
      if (last) out.push('')
      continue
    }
    out.push(segment)
  }
  return `/${out.join('/')}`
}

/** One segment: parameters handled, escapes of unreserved characters decoded, the rest upper-cased. */
function canonicalSegment(raw: string, parameters: PathParameters): string {
  let segment = raw
  const semicolon = segment.indexOf(';')
  if (semicolon !== -1) {
    if (parameters === 'reject') refuse('`;` parameters in the path are refused on this resource')
    segment = segment.slice(0, semicolon)
  }
  let out = ''
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!
    if (ch !== '%') {
      if (ch === '\\') refuse('a backslash in the path is read as `/` by some servers')
      if (!PCHAR.test(ch)) refuse('the path holds characters that must be percent-encoded')
      out += ch
      continue
    }
    const hex = segment.slice(i + 1, i + 3)
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) refuse('the path holds a broken percent-escape')
    const byte = Number.parseInt(hex, 16)
    if (byte < 0x20 || byte === 0x7f) refuse('the path holds an encoded control character')
    if (byte === 0x2f || byte === 0x5c) refuse('an encoded `/` or `\\` in the path has two readings')
    if (byte === 0x25 && /^%2[Ff]|^%5[Cc]/i.test(`%${segment.slice(i + 3, i + 5)}`))
      refuse('a double-encoded separator in the path')
    const decoded = String.fromCharCode(byte)
    out += UNRESERVED.test(decoded) ? decoded : `%${hex.toUpperCase()}`
    i += 2
  }
  return out
}

function checkEscapes(text: string): void {
  for (let i = text.indexOf('%'); i !== -1; i = text.indexOf('%', i + 1)) {
    if (!/^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3))) refuse('the query holds a broken percent-escape')
  }
}

function refuse(reason: string): never {
  throw new UnnormalizablePath(reason)
}
