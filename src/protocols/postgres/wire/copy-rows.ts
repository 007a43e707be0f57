// COPY TO text and CSV rows (sql-copy.html, "File Formats"): split one CopyData row into raw field spans,
// decode a field, encode a replacement. The server sends one CopyData message per row (copyto.c
// CopySendEndOfRow), so a row never spans messages. Pure.

export interface CopyTextOptions {
  csv: boolean
  delimiter: number
  /** The NULL marker as sent: `\N` in text, '' in CSV by default. */
  nullString: string
  quote: number
  escape: number
}

export const TEXT_DEFAULTS: CopyTextOptions = {
  csv: false,
  delimiter: 0x09,
  nullString: '\\N',
  quote: 0x22,
  escape: 0x22,
}
export const CSV_DEFAULTS: CopyTextOptions = { ...TEXT_DEFAULTS, csv: true, delimiter: 0x2c, nullString: '' }

/** A field's raw bytes [start, end) in the row, and whether CSV quoted it. */
export interface CopyField {
  start: number
  end: number
  quoted: boolean
}

/** The fields of one row (without its line end), and where the line end starts. */
export function splitCopyRow(row: Buffer, o: CopyTextOptions): { fields: CopyField[]; lineEnd: number } {
  let lineEnd = row.length
  if (lineEnd > 0 && row[lineEnd - 1] === 0x0a) lineEnd--
  if (lineEnd > 0 && row[lineEnd - 1] === 0x0d) lineEnd--
  const fields: CopyField[] = []
  let start = 0
  let quoted = false
  let inQuotes = false
  for (let i = 0; i < lineEnd; i++) {
    const c = row[i]!
    if (o.csv) {
      if (inQuotes) {
        if (
          c === o.escape &&
          i + 1 < lineEnd &&
          (row[i + 1] === o.quote || row[i + 1] === o.escape) &&
          (o.escape !== o.quote || row[i + 1] === o.quote)
        )
          i++
        else if (c === o.quote) inQuotes = false
        continue
      }
      if (c === o.quote) {
        inQuotes = true
        quoted = true
        continue
      }
    } else if (c === 0x5c) {
      i++
      continue
    }
    if (c === o.delimiter) {
      fields.push({ start, end: i, quoted })
      start = i + 1
      quoted = false
    }
  }
  fields.push({ start, end: lineEnd, quoted })
  return { fields, lineEnd }
}

/** The value of a field, or null for the NULL marker. */
export function decodeCopyField(row: Buffer, f: CopyField, o: CopyTextOptions): string | null {
  const raw = row.subarray(f.start, f.end)
  if (!f.quoted && raw.toString('utf8') === o.nullString) return null
  return o.csv ? decodeCsv(raw, o) : decodeText(raw)
}

/** The bytes that stand for `value` in a row of this format. */
export function encodeCopyField(value: string | null, o: CopyTextOptions): Buffer {
  if (value === null) return Buffer.from(o.nullString, 'utf8')
  return Buffer.from(o.csv ? encodeCsv(value, o) : encodeText(value, o.delimiter), 'utf8')
}

const TEXT_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v' }

function decodeText(raw: Buffer): string {
  if (!raw.includes(0x5c)) return raw.toString('utf8')
  // Escapes may spell bytes (\x, octal) of a multi-byte character: collect bytes, decode once.
  const bytes: number[] = []
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (c !== 0x5c || i + 1 >= raw.length) {
      bytes.push(c)
      continue
    }
    const n = String.fromCharCode(raw[++i]!)
    if (n in TEXT_ESCAPES) bytes.push(TEXT_ESCAPES[n]!.charCodeAt(0))
    else if (n >= '0' && n <= '7') {
      let v = Number(n)
      for (let k = 0; k < 2 && i + 1 < raw.length && raw[i + 1]! >= 0x30 && raw[i + 1]! <= 0x37; k++)
        v = v * 8 + (raw[++i]! - 0x30)
      bytes.push(v & 0xff)
    } else if (n === 'x' && i + 1 < raw.length && isHex(raw[i + 1]!)) {
      let v = Number.parseInt(String.fromCharCode(raw[++i]!), 16)
      if (i + 1 < raw.length && isHex(raw[i + 1]!))
        v = v * 16 + Number.parseInt(String.fromCharCode(raw[++i]!), 16)
      bytes.push(v)
    } else bytes.push(raw[i]!)
  }
  return Buffer.from(bytes).toString('utf8')
}

function encodeText(value: string, delimiter: number): string {
  let out = ''
  for (const ch of value) {
    // Control characters first, as copyto.c does: a tab delimiter is written `\t`, not backslash-tab.
    const escaped = TEXT_UNESCAPES[ch]
    if (escaped !== undefined) out += escaped
    else if (ch === '\\' || ch.charCodeAt(0) === delimiter) out += `\\${ch}`
    else out += ch
  }
  return out
}

const TEXT_UNESCAPES: Record<string, string> = Object.fromEntries(
  Object.entries(TEXT_ESCAPES).map(([letter, ch]) => [ch, `\\${letter}`]),
)

function decodeCsv(raw: Buffer, o: CopyTextOptions): string {
  if (!raw.includes(o.quote)) return raw.toString('utf8')
  const bytes: number[] = []
  let inQuotes = false
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!
    if (
      inQuotes &&
      c === o.escape &&
      i + 1 < raw.length &&
      (raw[i + 1] === o.quote || raw[i + 1] === o.escape) &&
      (o.escape !== o.quote || raw[i + 1] === o.quote)
    ) {
      bytes.push(raw[++i]!)
    } else if (c === o.quote) inQuotes = !inQuotes
    else bytes.push(c)
  }
  return Buffer.from(bytes).toString('utf8')
}

function encodeCsv(value: string, o: CopyTextOptions): string {
  const quote = String.fromCharCode(o.quote)
  const esc = String.fromCharCode(o.escape)
  const special =
    value === o.nullString ||
    value.includes(String.fromCharCode(o.delimiter)) ||
    value.includes(quote) ||
    value.includes(esc) ||
    /[\r\n]/.test(value)
  if (!special) return value
  let out = quote
  for (const ch of value) out += ch === quote || ch === esc ? `${esc}${ch}` : ch
  return out + quote
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66)
}
