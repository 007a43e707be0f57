import { SCOPE_OBJECT_MATCHERS } from '../../kinds/index.ts'
import { TaskgateError } from '../errors.ts'
import { globMatches } from '../glob-match.ts'
import { pathGlobMatches } from '../path-glob-match.ts'

/** One permission on one resource: a verb (per resource kind) applied to an object pattern. */
export interface ScopeEntry {
  verb: string
  /** Object pattern; `*` matches any run of characters, e.g. `billing.*`; in a path (`/v1/invoices/*`) only
   * within one segment, with `**` for any number of segments (pathGlobMatches). */
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
  const parts = splitScopeList(text)
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

const STARTS_ENTRY = /^([a-z][a-z0-9_-]*|\*):/i

/** The entries of a scope list. Commas and whitespace separate entries, except that an entry whose object is
 * `login:command` (an SSH command scope, `exec:deploy:systemctl status *`) runs on over whitespace up to the
 * next comma or the next word starting `verb:`; quotes keep commas and blanks inside one word. */
function splitScopeList(text: string): string[] {
  const words: { text: string; afterComma: boolean }[] = []
  let word = ''
  let quote = ''
  let afterComma = false
  const flush = () => {
    if (word) words.push({ text: word, afterComma })
    if (word) afterComma = false
    word = ''
  }
  for (const ch of text) {
    if (quote) {
      word += ch
      if (ch === quote) quote = ''
    } else if (ch === ',' || /\s/.test(ch)) {
      flush()
      if (ch === ',') afterComma = true
    } else {
      if (ch === "'" || ch === '"') quote = ch
      word += ch
    }
  }
  flush()
  const entries: string[] = []
  for (const w of words) {
    const last = entries.at(-1)
    const continues =
      last !== undefined && !w.afterComma && !STARTS_ENTRY.test(w.text) && /^[^:]+:[^:]*:/.test(last)
    if (continues) entries[entries.length - 1] = `${last} ${w.text}`
    else entries.push(w.text)
  }
  return entries
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
  const verb = m[1]!.toLowerCase()
  const object = m[2]!.trim()
  // Paths and commands keep their case: a path (`/v1/Invoices/*`, HTTP; `/var/log/Syslog`, SFTP) or a command
  // is case-sensitive upstream, and folding it would let one grant reach what the upstream treats as
  // different. Names (SQL identifiers, Kubernetes resources) fold to lower case.
  const keepCase = object.startsWith('/') || SCOPE_OBJECT_MATCHERS.get(verb)?.caseSensitive === true
  return { verb, object: keepCase ? object : object.toLowerCase() }
}

/** Why an entry's object is malformed for its verb (a command pattern that does not read), or undefined;
 * verbs without their own matcher take any glob. */
export function scopeObjectProblem(entry: ScopeEntry): string | undefined {
  return SCOPE_OBJECT_MATCHERS.get(entry.verb)?.problem(entry.object)
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
  // A path (HTTP, Kubernetes non-resource URLs) matches segment by segment: `/v1/invoices/*` must not reach
  // `/v1/invoices/42/refund`.
  if (pattern.startsWith('/')) return pathGlobMatches(pattern, object)
  return globMatches(pattern, object)
}

/** Whether one entry is covered by one allowed entry. */
export function entryCovers(allowed: ScopeEntry, wanted: ScopeEntry): boolean {
  if (allowed.verb !== '*' && allowed.verb !== wanted.verb) return false
  // A verb with its own matcher (an SSH command scope) is never matched as a glob over the string: that would
  // let `exec:deploy:systemctl status *` cover `systemctl status x; rm -rf /`.
  const matcher = SCOPE_OBJECT_MATCHERS.get(wanted.verb)
  if (matcher) return allowed.object === '*' || matcher.covers(allowed.object, wanted.object)
  return objectMatches(allowed.object, wanted.object)
}

/** Whether a scope allows `wanted`. */
export function scopeCovers(scope: Scope, wanted: ScopeEntry): boolean {
  return scope.some((allowed) => entryCovers(allowed, wanted))
}

/** The entries of `requested` that `ceiling` does not cover (empty when all are within). */
export function entriesOutside(requested: Scope, ceiling: Scope): Scope {
  return requested.filter((entry) => !scopeCovers(ceiling, entry))
}
