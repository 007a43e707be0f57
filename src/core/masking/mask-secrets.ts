// Secrets in free text a protocol records as it streams (terminal output, command lines): the built-in
// detectors of credentials (private keys, JWTs, cloud and SaaS tokens) replaced by `****`, whatever the
// masking rules say, since a recording is read by more people than the session's user. Linear in the text
// like every detector; a detector that throws masks the whole text (fail closed).
import { BUILTIN_DETECTORS } from './detectors/builtin-detectors.ts'
import { NO_CONTEXT, type Span } from './detectors/detector.ts'
import { REDACTED } from './styles.ts'

/** Per credential detector, ASCII literals of which every span it finds contains at least one (each
 * detector searches for them with indexOf before reading anything else). Keyed by detector id, so a
 * detector added to the secret set without its literals does not compile. */
const SECRET_LITERALS = {
  'private-key': ['-----BEGIN '],
  jwt: ['eyJ'],
  'aws-access-key': ['AKIA', 'ASIA'],
  'github-token': ['ghp_', 'gho_', 'ghu_', 'ghs_', 'ghr_', 'github_pat_'],
  'slack-token': ['xox'],
  'stripe-key': ['k_live_', 'k_test_'],
} as const satisfies Record<string, readonly string[]>

const SECRET_DETECTOR_IDS = new Set(Object.keys(SECRET_LITERALS))
const SECRET_DETECTORS = BUILTIN_DETECTORS.filter((d) => SECRET_DETECTOR_IDS.has(d.id))
// A renamed detector would drop out of the set silently and its secrets go unmasked: refuse to load.
if (SECRET_DETECTORS.length !== SECRET_DETECTOR_IDS.size) throw new Error('a secret detector id is unknown')

/** Any of the literals: one native scan (an alternation of fixed strings: linear, nothing to backtrack)
 * instead of a dozen indexOf calls and the detectors' own passes over text that holds none. */
const SECRET_CANDIDATE = new RegExp(
  Object.values(SECRET_LITERALS)
    .flat()
    .map((literal) => literal.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&'))
    .join('|'),
)

/** Bytes a literal of each group contains and few texts do (letters of log lines, English and `yes` output
 * rarely are `J`, `I`, `_` or `x` all at once): a native search (memchr) for the byte proves that no literal
 * of its group occurs; only then are the group's literals searched for. */
const SECRET_LITERAL_MARKS = ['J', 'I', '_', 'x']
const SECRET_LITERAL_GROUPS = SECRET_LITERAL_MARKS.map((mark) => ({
  mark: mark.charCodeAt(0),
  literals: [] as Buffer[],
}))
for (const literal of Object.values(SECRET_LITERALS).flat()) {
  const group = SECRET_LITERAL_GROUPS.find(({ mark }) => literal.includes(String.fromCharCode(mark)))
  // A literal without a mark would never be searched for, and its secrets go unmasked: refuse to load.
  if (!group) throw new Error(`the secret literal ${literal} contains none of the marks`)
  group.literals.push(Buffer.from(literal, 'latin1'))
}

/**
 * False only when `maskSecrets(text)` would return `text` unchanged (no credential detector can find
 * anything in it). The literals are ASCII, so it also holds for the Latin-1 view of UTF-8 bytes
 * (`buffer.toString('latin1')`): an ASCII byte of valid UTF-8 is always a character of its own.
 */
export function mayHaveSecrets(text: string): boolean {
  return SECRET_CANDIDATE.test(text)
}

/** `mayHaveSecrets` of the Latin-1 view of `bytes` (so of UTF-8 text as well), searched in the bytes: no
 * string, and a few native scans instead of a regular expression's pass over a decoded copy. */
export function mayHaveSecretBytes(bytes: Buffer): boolean {
  for (const { mark, literals } of SECRET_LITERAL_GROUPS) {
    if (!bytes.includes(mark)) continue
    for (const literal of literals) if (bytes.includes(literal)) return true
  }
  return false
}

/** `text` with every secret the credential detectors find replaced by `****`; the same string if none. */
export function maskSecrets(text: string): string {
  if (!mayHaveSecrets(text)) return text
  let spans: Span[] = []
  try {
    for (const detector of SECRET_DETECTORS) spans.push(...detector.find(text, NO_CONTEXT))
  } catch {
    return REDACTED
  }
  if (spans.length === 0) return text
  spans = spans.sort((a, b) => a.start - b.start)
  let out = ''
  let at = 0
  for (const span of spans) {
    if (span.start < at) continue
    out += text.slice(at, span.start) + REDACTED
    at = span.end
  }
  return out + text.slice(at)
}
