// Values of the binary protocol (COM_STMT_EXECUTE parameters and binary result rows), by column type
// (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_binary_resultset.html#sect_protocol_binary_resultset_row_value).
// A value is kept as the bytes it has on the wire, so forwarding needs no re-encoding; `binaryValueText`
// renders one as the text protocol would, for recording and masking.
import { ColumnType } from './constants.ts'
import { PayloadReader } from './payload-reader.ts'
import { ProtocolViolation } from './protocol-violation.ts'

const FIXED_WIDTH: Partial<Record<number, number>> = {
  [ColumnType.MYSQL_TYPE_TINY]: 1,
  [ColumnType.MYSQL_TYPE_SHORT]: 2,
  [ColumnType.MYSQL_TYPE_YEAR]: 2,
  [ColumnType.MYSQL_TYPE_LONG]: 4,
  [ColumnType.MYSQL_TYPE_INT24]: 4,
  [ColumnType.MYSQL_TYPE_FLOAT]: 4,
  [ColumnType.MYSQL_TYPE_LONGLONG]: 8,
  [ColumnType.MYSQL_TYPE_DOUBLE]: 8,
  [ColumnType.MYSQL_TYPE_NULL]: 0,
}

/** Temporal types: int<1> length (0, 4, 7, 11 for dates; 0, 8, 12 for TIME) then that many bytes. */
const LENGTH_PREFIXED = new Set<number>([
  ColumnType.MYSQL_TYPE_DATE,
  ColumnType.MYSQL_TYPE_DATETIME,
  ColumnType.MYSQL_TYPE_TIMESTAMP,
  ColumnType.MYSQL_TYPE_NEWDATE,
  ColumnType.MYSQL_TYPE_TIME,
])

/** Reads one value of `type` (its whole wire form, length prefix included). */
export function readBinaryValue(r: PayloadReader, type: number): Buffer {
  const start = r.offset
  const width = FIXED_WIDTH[type]
  if (width !== undefined) r.skip(width)
  else if (LENGTH_PREFIXED.has(type)) r.skip(r.int1())
  else if (isStringType(type)) r.skip(r.lenencInt())
  else throw new ProtocolViolation(`binary value of unknown column type ${type}`)
  return r.payload.subarray(start, r.offset)
}

/** The string types, which carry string<lenenc> in the binary protocol. */
function isStringType(type: number): boolean {
  return (
    type === ColumnType.MYSQL_TYPE_DECIMAL ||
    type === ColumnType.MYSQL_TYPE_NEWDECIMAL ||
    type === ColumnType.MYSQL_TYPE_VARCHAR ||
    type === ColumnType.MYSQL_TYPE_BIT ||
    type === ColumnType.MYSQL_TYPE_JSON ||
    (type >= ColumnType.MYSQL_TYPE_ENUM && type <= ColumnType.MYSQL_TYPE_GEOMETRY)
  )
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** The value as the text protocol would show it (strings as their bytes read as UTF-8). */
export function binaryValueText(type: number, unsigned: boolean, value: Buffer): string {
  switch (type) {
    case ColumnType.MYSQL_TYPE_TINY:
      return String(unsigned ? value.readUInt8(0) : value.readInt8(0))
    case ColumnType.MYSQL_TYPE_SHORT:
    case ColumnType.MYSQL_TYPE_YEAR:
      return String(
        unsigned || type === ColumnType.MYSQL_TYPE_YEAR ? value.readUInt16LE(0) : value.readInt16LE(0),
      )
    case ColumnType.MYSQL_TYPE_LONG:
    case ColumnType.MYSQL_TYPE_INT24:
      return String(unsigned ? value.readUInt32LE(0) : value.readInt32LE(0))
    case ColumnType.MYSQL_TYPE_LONGLONG: {
      // Exact as a Number while the high word is under 2^21 (|value| < 2^53): no BigInt for the usual ids.
      const high = unsigned ? value.readUInt32LE(4) : value.readInt32LE(4)
      if (high < 0x200000 && high >= -0x200000) return String(high * 0x100000000 + value.readUInt32LE(0))
      return String(unsigned ? value.readBigUInt64LE(0) : value.readBigInt64LE(0))
    }
    case ColumnType.MYSQL_TYPE_FLOAT:
      return String(value.readFloatLE(0))
    case ColumnType.MYSQL_TYPE_DOUBLE:
      return String(value.readDoubleLE(0))
    case ColumnType.MYSQL_TYPE_NULL:
      return ''
    case ColumnType.MYSQL_TYPE_TIME:
      return timeText(new PayloadReader(value, 1), value[0]!)
  }
  if (LENGTH_PREFIXED.has(type)) return dateText(new PayloadReader(value, 1), value[0]!)
  return new PayloadReader(value).lenencString()
}

function dateText(r: PayloadReader, length: number): string {
  if (length === 0) return '0000-00-00 00:00:00'
  const date = `${pad(r.int2(), 4)}-${pad(r.int1())}-${pad(r.int1())}`
  if (length < 7) return date
  const time = `${pad(r.int1())}:${pad(r.int1())}:${pad(r.int1())}`
  return length < 11 ? `${date} ${time}` : `${date} ${time}.${pad(r.int4(), 6)}`
}

function timeText(r: PayloadReader, length: number): string {
  if (length === 0) return '00:00:00'
  const negative = r.int1() === 1
  const days = r.int4()
  const hours = days * 24 + r.int1()
  const text = `${negative ? '-' : ''}${pad(hours)}:${pad(r.int1())}:${pad(r.int1())}`
  return length < 12 ? text : `${text}.${pad(r.int4(), 6)}`
}
