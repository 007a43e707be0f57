// ErrorResponse and NoticeResponse fields may echo values (a unique violation's DETAIL `Key (email)=(…)`, a
// check violation's `Failing row contains (…)`, a cast error's message): they pass the content detectors in
// force before they reach the client or the recording.
import { type MaskingContext, type MaskingPlan, maskValue, takeMaskCounts } from '../../core/index.ts'

// protocol-error-fields.html: message, detail, hint, context, internal query.
const VALUE_FIELDS = ['M', 'D', 'H', 'W', 'q']

/** Integrity violations (class 23) put row values in DETAIL, named by column only in its text. */
const ROW_VALUE_CLASS = '23'
const REDACTED_DETAIL = '(withheld by taskgate: it may contain values masking hides)'

export class ErrorMasker {
  readonly #plan: MaskingPlan
  readonly #masksByName: boolean

  constructor(masking: MaskingContext) {
    // One unnamed text column: detector rules apply to it; rules naming columns do not.
    this.#plan = masking.plan([{ name: '', typeHint: 'text' }])
    this.#masksByName = masking.masksByName
  }

  /** Masks the fields in place; returns whether any changed. */
  mask(fields: Map<string, string>): boolean {
    let changed = false
    for (const key of VALUE_FIELDS) {
      const value = fields.get(key)
      if (value === undefined) continue
      const masked = maskValue(this.#plan, 0, value) ?? '****'
      if (masked !== value) {
        fields.set(key, masked)
        changed = true
      }
    }
    // A value a rule masks by column name alone cannot be found by content: such a DETAIL is withheld.
    if (this.#masksByName && fields.get('C')?.startsWith(ROW_VALUE_CLASS) && fields.has('D')) {
      fields.set('D', REDACTED_DETAIL)
      changed = true
    }
    return changed
  }

  /** `error/detector` -> values masked since the last call. */
  takeCounts(into: Record<string, number>): void {
    for (const [name, n] of Object.entries(takeMaskCounts(this.#plan))) {
      const key = `(error)${name}`
      into[key] = (into[key] ?? 0) + n
    }
  }
}

/** An ErrorResponse (or NoticeResponse, type 'N') from its fields, in their original order. */
export function serializeFields(type: number, fields: ReadonlyMap<string, string>): Buffer {
  let length = 4 + 1
  for (const value of fields.values()) length += 2 + Buffer.byteLength(value)
  const out = Buffer.allocUnsafe(1 + length)
  out[0] = type
  out.writeInt32BE(length, 1)
  let pos = 5
  for (const [key, value] of fields) {
    out[pos++] = key.charCodeAt(0)
    pos += out.write(value, pos)
    out[pos++] = 0
  }
  out[pos] = 0
  return out
}
