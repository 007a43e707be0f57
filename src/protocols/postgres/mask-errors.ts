// ErrorResponse and NoticeResponse fields may echo values: a unique violation's DETAIL `Key (email)=(…)`, a
// check violation's `Failing row contains (…)`, a cast error's `invalid input syntax for type integer: "…"`,
// a COPY's CONTEXT `…, column code: "…"`. Every text field passes the content detectors in force; and in
// data exceptions (class 22) and integrity violations (class 23), where PostgreSQL quotes the offending
// value, the quoted values are masked whatever they are, since a value a rule masks by column cannot be
// recognised by its content. An error of any other class quotes values too (`quote_ident(code)::regclass`
// gives `relation "…" does not exist`): when the failing statement references a column a rule masks, its
// quoted values are masked as well; otherwise names stay readable (a mistyped table). SQLSTATE, severity and the message's wording stay, so clients still know what
// failed (protocol-error-fields.html, errcodes-appendix.html).
import { type MaskingContext, type MaskingPlan, maskValue, takeMaskCounts } from '../../core/index.ts'

// Fields that are codes, positions or source locations: nothing to scan.
const NOT_TEXT = new Set(['S', 'V', 'C', 'P', 'p', 'F', 'L', 'R'])
/** Data exceptions and integrity violations: the classes whose errors quote the value at fault. */
const ECHO_CLASSES = ['22', '23']
const MASKED = '****'
const REDACTED_DETAIL = '(withheld by taskgate: it may contain values masking hides)'
const ECHO_COUNTER = '(error)/echoed-value'

// Integrity violations' DETAIL as PostgreSQL writes it (nbtinsert.c, ri_triggers.c, execMain.c,
// execIndexing.c): the value groups between `=(` or `contains (` and the closing `)` are what is masked.
const KEY_DETAIL =
  /^(Key \(.*?\)=\()(.*)(\) (?:already exists|is not present in table "[^"]*"|is still referenced from table "[^"]*")\.)$/s
const CONFLICT_DETAIL = /^(Key \(.*?\)=\()(.*)(\) conflicts with (?:existing|new) key \(.*?\)=\()(.*)(\)\.)$/s
const ROW_DETAIL = /^(Failing row contains \()(.*)(\)\.)$/s
const JSON_CONTEXT = /^(JSON data, line \d+: ).*$/
/** The DETAIL patterns backtrack over their `.*` groups (quadratic at worst); PostgreSQL's own details are
 * far shorter (row values are cut to 64 bytes, keys fit an index page), so a longer one is withheld whole. */
const MAX_MATCHED_DETAIL = 16 * 1024

export class ErrorMasker {
  readonly #plan: MaskingPlan
  #echoed = 0

  constructor(masking: MaskingContext) {
    // One unnamed text column: detector rules apply to it; rules naming columns do not.
    this.#plan = masking.plan([{ name: '', typeHint: 'text' }])
  }

  /** Masks the fields in place; returns whether any changed. `quotesMasked`: the failing statement
   * references a masked column, so whatever the error quotes may be that column's value. */
  mask(fields: Map<string, string>, quotesMasked = false): boolean {
    const before = new Map(fields)
    for (const [key, value] of fields) {
      if (NOT_TEXT.has(key)) continue
      fields.set(key, maskValue(this.#plan, 0, value) ?? MASKED)
    }
    const sqlstate = fields.get('C') ?? ''
    if (ECHO_CLASSES.includes(sqlstate.slice(0, 2))) this.#maskEchoes(sqlstate, fields, before)
    else if (quotesMasked) this.#maskAllQuoted(fields)
    for (const [key, value] of fields) if (before.get(key) !== value) return true
    return fields.size !== before.size
  }

  /** `error/detector` -> values masked since the last call. */
  takeCounts(into: Record<string, number>): void {
    for (const [name, n] of Object.entries(takeMaskCounts(this.#plan))) {
      const key = `(error)${name}`
      into[key] = (into[key] ?? 0) + n
    }
    if (this.#echoed > 0) into[ECHO_COUNTER] = (into[ECHO_COUNTER] ?? 0) + this.#echoed
    this.#echoed = 0
  }

  #maskEchoes(sqlstate: string, fields: Map<string, string>, original: ReadonlyMap<string, string>): void {
    const message = fields.get('M')
    // Class 23 messages name constraints and relations only; class 22 messages quote the value.
    if (message !== undefined && sqlstate.startsWith('22')) fields.set('M', this.#maskQuoted(message))
    const detail = fields.get('D')
    if (detail !== undefined) {
      fields.set(
        'D',
        sqlstate.startsWith('23')
          ? this.#maskRowDetail(detail, original.get('D') ?? detail)
          : this.#maskQuoted(detail),
      )
    }
    const context = fields.get('W')
    if (context !== undefined) {
      const lines = context.split('\n').map((line) => {
        const json = JSON_CONTEXT.exec(line)
        if (json === null) return this.#maskQuoted(line)
        this.#echoed++
        return `${json[1]}${MASKED}`
      })
      fields.set('W', lines.join('\n'))
    }
    // The text of a statement run inside a function, and the position in it: it may hold the value as a
    // literal, and nothing a client needs to act on.
    if (fields.delete('q')) fields.delete('p')
  }

  /** Quoted values in every field that can hold one; the statement text inside a function goes. */
  #maskAllQuoted(fields: Map<string, string>): void {
    for (const key of ['M', 'D', 'H']) {
      const value = fields.get(key)
      if (value !== undefined) fields.set(key, this.#maskQuoted(value))
    }
    const context = fields.get('W')
    if (context !== undefined)
      fields.set(
        'W',
        context
          .split('\n')
          .map((l) => this.#maskQuoted(l))
          .join('\n'),
      )
    if (fields.delete('q')) fields.delete('p')
  }

  /** Everything from the first to the last double quote: a value may itself contain quotes. */
  #maskQuoted(text: string): string {
    const first = text.indexOf('"')
    if (first === -1) return text
    const last = text.lastIndexOf('"')
    this.#echoed++
    return last === first
      ? `${text.slice(0, first + 1)}${MASKED}`
      : `${text.slice(0, first + 1)}${MASKED}${text.slice(last)}`
  }

  /**
   * A DETAIL's value groups become `****`, except a one-column key's value the detectors found, which keeps
   * their style (`Key (email)=(j****@*****.com)`: which key collided stays recognisable). A DETAIL of any
   * other shape is withheld.
   */
  #maskRowDetail(detail: string, original: string): string {
    if (detail.length > MAX_MATCHED_DETAIL) {
      this.#echoed++
      return REDACTED_DETAIL
    }
    const key = KEY_DETAIL.exec(detail)
    if (key !== null) {
      const columns = key[1]!.slice('Key ('.length, -2)
      const found = !columns.includes(',') && key[2] !== KEY_DETAIL.exec(original)?.[2]
      if (!found) this.#echoed++
      return `${key[1]}${found ? key[2] : MASKED}${key[3]}`
    }
    const conflict = CONFLICT_DETAIL.exec(detail)
    if (conflict !== null) {
      this.#echoed += 2
      return `${conflict[1]}${MASKED}${conflict[3]}${MASKED}${conflict[5]}`
    }
    const row = ROW_DETAIL.exec(detail)
    if (row !== null) {
      this.#echoed++
      return `${row[1]}${MASKED}${row[3]}`
    }
    this.#echoed++
    return REDACTED_DETAIL
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
