import { TaskgateError } from '../errors.ts'
import { globMatches } from '../glob-match.ts'

/** One permission on one resource: a verb (per resource kind) applied to an object pattern. */
export interface ScopeEntry {
  verb: string
  /** Object pattern; `*` matches any run of characters, e.g. `billing.*`. */
  object: string
}

/** What a grant allows on one resource. Protocol-independent: verbs and objects are opaque strings here. */
export type Scope = ScopeEntry[]

// Verbs are case-insensitive (`GET:/v1/*` reads as HTTP writes it; stored lower case).
const ENTRY = /^([A-Za-z][A-Za-z0-9_-]*|\*):(.+)$/

/** Most entries one scope (a grant request, a ceiling) may hold: every action is checked against each. */
export const MAX_SCOPE_ENTRIES = 64
/** Longest `verb:object` entry: qualified PostgreSQL names are at most 63 + 1 + 63 characters. */
export const MAX_SCOPE_ENTRY_LENGTH = 256

/** Parses `select:billing.invoices,select:billing.*` (commas or whitespace between entries). */
export function parseScope(text: string): Scope {
  const parts = text
    .split(/[,\s]+/)
    .map((p) => p.trim())
    .filter(Boolean)
  if (parts.length === 0) throw new TaskgateError('TG_SCOPE_INVALID', { detail: 'empty scope' })
  checkScopeSize(parts.length)
  return parts.map(parseScopeEntry)
}

/** Refuses a scope with more entries than MAX_SCOPE_ENTRIES, before any of them is parsed. */
export function checkScopeSize(entries: number): void {
  if (entries > MAX_SCOPE_ENTRIES) {
    throw new TaskgateError('TG_SCOPE_TOO_LARGE', {
      message: `The scope has ${entries} entries; at most ${MAX_SCOPE_ENTRIES} are accepted. Use a pattern such as select:billing.* instead of listing tables.`,
    })
  }
}

export function parseScopeEntry(text: string): ScopeEntry {
  if (text.length > MAX_SCOPE_ENTRY_LENGTH) {
    throw new TaskgateError('TG_SCOPE_TOO_LARGE', {
      message: `Scope entry "${text.slice(0, 40)}…" is ${text.length} characters long; at most ${MAX_SCOPE_ENTRY_LENGTH} are accepted.`,
    })
  }
  const m = ENTRY.exec(text.trim())
  if (!m) {
    throw new TaskgateError('TG_SCOPE_INVALID', {
      message: `Scope entry "${text}" is malformed; write it as verb:object, e.g. select:billing.invoices.`,
    })
  }
  const object = m[2]!
  // A path (`/v1/Invoices/*`, HTTP) is case-sensitive upstream: folding it would let one grant reach paths the
  // upstream treats as different. Names (SQL identifiers, Kubernetes resources) fold to lower case.
  return { verb: m[1]!.toLowerCase(), object: object.startsWith('/') ? object : object.toLowerCase() }
}

export function formatScopeEntry(entry: ScopeEntry): string {
  return `${entry.verb}:${entry.object}`
}

export function formatScope(scope: Scope): string {
  return scope.map(formatScopeEntry).join(',')
}

/** Whether an object name (or pattern) is matched by a pattern. A pattern covers another pattern only if
 * every name the inner one matches is matched too; we approximate safely by treating `*` in the inner
 * pattern as a literal that only an outer `*` can cover. */
export function objectMatches(pattern: string, object: string): boolean {
  if (pattern === object || pattern === '*') return true
  return globMatches(pattern, object)
}

/** Whether one entry is covered by one allowed entry. */
export function entryCovers(allowed: ScopeEntry, wanted: ScopeEntry): boolean {
  return (
    (allowed.verb === '*' || allowed.verb === wanted.verb) && objectMatches(allowed.object, wanted.object)
  )
}

/** Whether a scope allows `wanted`. */
export function scopeCovers(scope: Scope, wanted: ScopeEntry): boolean {
  return scope.some((allowed) => entryCovers(allowed, wanted))
}

/** The entries of `requested` that `ceiling` does not cover (empty when all are within). */
export function entriesOutside(requested: Scope, ceiling: Scope): Scope {
  return requested.filter((entry) => !scopeCovers(ceiling, entry))
}
