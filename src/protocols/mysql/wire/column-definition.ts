// Column Count and Column Definition packets of a result set (Protocol::ColumnDefinition41,
// dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_com_query_response_text_resultset_column_definition.html).
// MariaDB's extended type info (MARIADB_CLIENT_EXTENDED_TYPE_INFO) and metadata caching are never negotiated
// by the gateway, so neither appears here.
import { PayloadReader } from './payload-reader.ts'
import { PayloadWriter } from './payload-writer.ts'
import { ProtocolViolation } from './protocol-violation.ts'

export interface ColumnDefinition41 {
  catalog: string
  schema: string
  table: string
  orgTable: string
  name: string
  orgName: string
  characterSet: number
  columnLength: number
  /** ColumnType. */
  type: number
  /** ColumnFlag bits. */
  flags: number
  decimals: number
  /** COM_FIELD_LIST answers carry the column's default value after the fixed fields. */
  defaultValue?: Buffer
}

const FIXED_FIELDS_LENGTH = 0x0c

export function parseColumnCount(payload: Buffer): number {
  return new PayloadReader(payload).lenencInt()
}

export function encodeColumnCount(count: number): Buffer {
  return new PayloadWriter().lenencInt(count).build()
}

export function parseColumnDefinition41(payload: Buffer): ColumnDefinition41 {
  const r = new PayloadReader(payload)
  const column: ColumnDefinition41 = {
    catalog: r.lenencString(),
    schema: r.lenencString(),
    table: r.lenencString(),
    orgTable: r.lenencString(),
    name: r.lenencString(),
    orgName: r.lenencString(),
    characterSet: 0,
    columnLength: 0,
    type: 0,
    flags: 0,
    decimals: 0,
  }
  const fixedLength = r.lenencInt()
  if (fixedLength < 10) throw new ProtocolViolation(`column definition with ${fixedLength} fixed bytes`)
  const fixedEnd = r.offset + fixedLength
  column.characterSet = r.int2()
  column.columnLength = r.int4()
  column.type = r.int1()
  column.flags = r.int2()
  column.decimals = r.int1()
  r.skip(fixedEnd - r.offset)
  if (r.remaining > 0) column.defaultValue = r.lenencBytes()
  return column
}

export function encodeColumnDefinition41(c: ColumnDefinition41): Buffer {
  const w = new PayloadWriter()
    .lenencString(c.catalog)
    .lenencString(c.schema)
    .lenencString(c.table)
    .lenencString(c.orgTable)
    .lenencString(c.name)
    .lenencString(c.orgName)
    .lenencInt(FIXED_FIELDS_LENGTH)
    .int2(c.characterSet)
    .int4(c.columnLength)
    .int1(c.type)
    .int2(c.flags)
    .int1(c.decimals)
    .zeros(2)
  if (c.defaultValue !== undefined) w.lenencBytes(c.defaultValue)
  return w.build()
}
