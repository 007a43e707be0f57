// What an approver sees of one execution of a held prepared statement, and what binds the approval to it:
// the statement's recorded text with each Bind parameter (masked, shortened), and a digest of the
// parameters' format and bytes.
import type { MaskLiteral } from './redact-literals.ts'
import { REDACTED } from './redact-literals.ts'
import type { BindParameter } from './wire/client-messages.ts'

/** A parameter as the digest sees it: format and bytes, so a text '1' and a binary 1 differ. */
export function digestForm(p: BindParameter): string | null {
  if (p.value === null) return null
  return p.format === 0 ? `t:${p.value.toString('utf8')}` : `b:${p.value.toString('base64')}`
}

const SHOWN_PARAMETER_CHARS = 200

/** The statement as an approver sees it: the text, then each parameter value (masked, shortened). */
export function withParameters(
  text: string,
  parameters: readonly BindParameter[],
  mask: MaskLiteral | undefined,
): string {
  if (parameters.length === 0) return text
  const shown = parameters.map((p, i) => {
    if (p.value === null) return `$${i + 1} = NULL`
    // A binary value's type is not known here; text types are UTF-8 in binary too, so a value that decodes
    // as printable UTF-8 goes through the detectors like a text one (and is shown as hex only if unchanged).
    const hex = `\\x${p.value.toString('hex')}`
    const value = p.format === 0 ? p.value.toString('utf8') : printableUtf8(p.value)
    // A value masked to NULL (the `null` style) is not a NULL the client sent: it shows as redacted.
    const masked = value === undefined || mask === undefined ? value : (mask(value) ?? REDACTED)
    const raw = p.format === 0 ? (masked ?? hex) : masked !== undefined && masked !== value ? masked : hex
    const cut = raw.length > SHOWN_PARAMETER_CHARS ? `${raw.slice(0, SHOWN_PARAMETER_CHARS)}…` : raw
    return `$${i + 1} = '${cut.replaceAll("'", "''")}'`
  })
  return `${text}\n-- parameters: ${shown.join(', ')}`
}

const UTF8 = new TextDecoder('utf-8', { fatal: true })

/** The bytes as text when they are valid UTF-8 without control characters, else undefined. */
function printableUtf8(bytes: Buffer): string | undefined {
  try {
    const text = UTF8.decode(bytes)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is tested for
    return /[\u0000-\u0008\u000e-\u001f\u007f]/.test(text) ? undefined : text
  } catch {
    return undefined
  }
}
