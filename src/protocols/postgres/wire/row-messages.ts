// Codecs for the result messages masking reads and rewrites (protocol-message-formats.html): RowDescription,
// DataRow, CopyOutResponse, and the result-format part of Bind. Pure; every read is bounds-checked.
import { FieldReader } from './client-messages.ts'
import { ProtocolViolation } from './protocol-violation.ts'

/** One column of a RowDescription ('T'). */
export interface RowField {
  name: string
  /** OID of the table the column comes straight from; 0 for expressions. */
  tableOid: number
  /** The column's attribute number in that table (pg_attribute.attnum), even when aliased; 0 for expressions. */
  columnAttr: number
  typeOid: number
  /** 0 text, 1 binary. Zero (unknown yet) in the answer to a Describe of a statement. */
  format: number
}

export function parseRowDescription(frame: Buffer): RowField[] {
  const reader = new FieldReader(frame, 5)
  const count = reader.int16()
  const fields: RowField[] = []
  for (let i = 0; i < count; i++) {
    const name = reader.cstring()
    const tableOid = reader.int32() >>> 0
    const columnAttr = reader.int16()
    const typeOid = reader.int32() >>> 0
    reader.skip(6) // type size (int16), type modifier (int32)
    fields.push({ name, tableOid, columnAttr, typeOid, format: reader.int16() })
  }
  return fields
}

/** Bind ('B'): the names and the result-column format codes (none: all text; one: for every column). */
export function parseBindResultFormats(frame: Buffer): {
  portal: string
  statement: string
  formats: number[]
} {
  const reader = new FieldReader(frame, 5)
  const portal = reader.cstring()
  const statement = reader.cstring()
  reader.skip(2 * reader.int16()) // parameter format codes
  const params = reader.int16()
  for (let i = 0; i < params; i++) {
    const length = reader.int32()
    if (length > 0) reader.skip(length)
  }
  const count = reader.int16()
  const formats: number[] = []
  for (let i = 0; i < count; i++) formats.push(reader.int16())
  return { portal, statement, formats }
}

/** CopyOutResponse ('H'): overall format (0 text or CSV, 1 binary) and the column count. */
export function parseCopyOutResponse(frame: Buffer): { format: number; columns: number } {
  if (frame.length < 8) throw new ProtocolViolation('CopyOutResponse truncated')
  return { format: frame[5]!, columns: frame.readInt16BE(6) }
}

/** The format of column `i` under Bind's result format codes. */
export function formatOf(formats: readonly number[], i: number): number {
  return formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : (formats[i] ?? 0)
}

/** Visits a DataRow's values as [start, end) offsets into the frame; `start` is -1 for NULL. Returns the
 * column count. */
export function scanDataRow(
  frame: Buffer,
  visit: (index: number, start: number, end: number) => void,
): number {
  if (frame.length < 7) throw new ProtocolViolation('DataRow truncated')
  const count = frame.readInt16BE(5)
  let pos = 7
  for (let i = 0; i < count; i++) {
    if (pos + 4 > frame.length) throw new ProtocolViolation('DataRow truncated')
    const length = frame.readInt32BE(pos)
    pos += 4
    if (length < 0) {
      visit(i, -1, -1)
      continue
    }
    if (pos + length > frame.length) throw new ProtocolViolation('DataRow truncated')
    visit(i, pos, pos + length)
    pos += length
  }
  return count
}
