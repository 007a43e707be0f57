// Secrets in free text a protocol records as it streams (terminal output, command lines): the built-in
// detectors of credentials (private keys, JWTs, cloud and SaaS tokens) replaced by `****`, whatever the
// masking rules say, since a recording is read by more people than the session's user. Linear in the text
// like every detector; a detector that throws masks the whole text (fail closed).
import { BUILTIN_DETECTORS } from './detectors/builtin-detectors.ts'
import { NO_CONTEXT, type Span } from './detectors/detector.ts'
import { REDACTED } from './styles.ts'

const SECRET_DETECTOR_IDS = new Set([
  'private-key',
  'jwt',
  'aws-access-key',
  'github-token',
  'slack-token',
  'stripe-key',
])
const SECRET_DETECTORS = BUILTIN_DETECTORS.filter((d) => SECRET_DETECTOR_IDS.has(d.id))

/** `text` with every secret the credential detectors find replaced by `****`; the same string if none. */
export function maskSecrets(text: string): string {
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
