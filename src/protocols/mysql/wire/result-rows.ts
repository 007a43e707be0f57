// Result set rows: ProtocolText::ResultsetRow (COM_QUERY) and ProtocolBinary::ResultsetRow (COM_STMT_EXECUTE)
// (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_row.html,
// .../page_protocol_binary_resultset.html#sect_protocol_binary_resultset_row).
import { readBinaryValue } from './binary-values.ts'
import { PayloadReader } from './payload-reader.ts'
import { PayloadWriter } from './payload-writer.ts'
import { ProtocolViolation } from './protocol-violation.ts'

/** One cell: the value's bytes (text: the string; binary: the value's wire form), or null for SQL NULL. */
export type Cell = Buffer | null

export function parseTextRow(payload: Buffer, columnCount: number): Cell[] {
  const r = new PayloadReader(payload)
  const cells: Cell[] = []
  for (let i = 0; i < columnCount; i++) cells.push(r.lenencBytesOrNull())
  if (r.remaining !== 0) throw new ProtocolViolation('text row longer than its columns')
  return cells
}

const NULL_CELL = Buffer.from([0xfb])

export function encodeTextRow(cells: readonly Cell[]): Buffer {
  const w = new PayloadWriter()
  for (const cell of cells) {
    if (cell === null) w.bytes(NULL_CELL)
    else w.lenencBytes(cell)
  }
  return w.build()
}

/** The binary row's packet header. */
const BINARY_ROW_HEADER = 0x00
/** Result rows offset their NULL bitmap by 2 bits (COM_STMT_EXECUTE parameters by 0). */
const ROW_NULL_BITMAP_OFFSET = 2

export const nullBitmapBytes = (count: number, offset: number) => (count + offset + 7) >> 3

export function isNull(bitmap: Buffer, index: number, offset: number): boolean {
  const bit = index + offset
  return (bitmap[bit >> 3]! & (1 << (bit & 7))) !== 0
}

export function buildNullBitmap(cells: readonly Cell[], offset: number): Buffer {
  const bitmap = Buffer.alloc(nullBitmapBytes(cells.length, offset))
  cells.forEach((cell, i) => {
    if (cell === null) bitmap[(i + offset) >> 3]! |= 1 << ((i + offset) & 7)
  })
  return bitmap
}

/** `types`: each column's ColumnType from its definition. */
export function parseBinaryRow(payload: Buffer, types: readonly number[]): Cell[] {
  const r = new PayloadReader(payload)
  if (r.int1() !== BINARY_ROW_HEADER) throw new ProtocolViolation('binary row without its 0x00 header')
  const bitmap = r.bytes(nullBitmapBytes(types.length, ROW_NULL_BITMAP_OFFSET))
  const cells: Cell[] = types.map((type, i) =>
    isNull(bitmap, i, ROW_NULL_BITMAP_OFFSET) ? null : readBinaryValue(r, type),
  )
  if (r.remaining !== 0) throw new ProtocolViolation('binary row longer than its columns')
  return cells
}

/** Cells in their binary wire form (as parseBinaryRow returns them). */
export function encodeBinaryRow(cells: readonly Cell[]): Buffer {
  const w = new PayloadWriter().int1(BINARY_ROW_HEADER).bytes(buildNullBitmap(cells, ROW_NULL_BITMAP_OFFSET))
  for (const cell of cells) if (cell !== null) w.bytes(cell)
  return w.build()
}
