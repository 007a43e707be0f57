// Masking of result rows, text (COM_QUERY) and binary (COM_STMT_EXECUTE), under a plan core made from the
// result's columns (planMasking). A row in which no masked value changes leaves as the payload it came in
// (HOUSE-STYLE rule 4); only masked columns are decoded. In a binary row a masked value of a string type is
// re-encoded in place; one of a numeric or temporal type cannot carry a mask in its own type and is sent as
// NULL, as the PostgreSQL kind does for binary values.
import {
  type ColumnTypeHint,
  type MaskingPlan,
  maskValue,
  needsMasking,
  type ResultColumn,
} from '../../core/index.ts'
import { binaryValueText } from './wire/binary-values.ts'
import type { ColumnDefinition41 } from './wire/column-definition.ts'
import { ColumnFlag, ColumnType } from './wire/constants.ts'
import { lenencIntBytes } from './wire/payload-writer.ts'
import {
  type Cell,
  encodeBinaryRow,
  encodeTextRow,
  parseBinaryRow,
  parseTextRow,
} from './wire/result-rows.ts'

/** The character set number of binary strings (BINARY, VARBINARY, BLOB). */
const BINARY_CHARSET = 63

const NUMBER_TYPES = new Set<number>([
  ColumnType.MYSQL_TYPE_DECIMAL,
  ColumnType.MYSQL_TYPE_NEWDECIMAL,
  ColumnType.MYSQL_TYPE_TINY,
  ColumnType.MYSQL_TYPE_SHORT,
  ColumnType.MYSQL_TYPE_LONG,
  ColumnType.MYSQL_TYPE_INT24,
  ColumnType.MYSQL_TYPE_LONGLONG,
  ColumnType.MYSQL_TYPE_FLOAT,
  ColumnType.MYSQL_TYPE_DOUBLE,
  ColumnType.MYSQL_TYPE_YEAR,
  ColumnType.MYSQL_TYPE_BIT,
])
const STRING_TYPES = new Set<number>([
  ColumnType.MYSQL_TYPE_VARCHAR,
  ColumnType.MYSQL_TYPE_VAR_STRING,
  ColumnType.MYSQL_TYPE_STRING,
  ColumnType.MYSQL_TYPE_ENUM,
  ColumnType.MYSQL_TYPE_SET,
  ColumnType.MYSQL_TYPE_TINY_BLOB,
  ColumnType.MYSQL_TYPE_MEDIUM_BLOB,
  ColumnType.MYSQL_TYPE_LONG_BLOB,
  ColumnType.MYSQL_TYPE_BLOB,
  ColumnType.MYSQL_TYPE_JSON,
])

function typeHintOf(c: ColumnDefinition41): ColumnTypeHint {
  if (c.type === ColumnType.MYSQL_TYPE_JSON) return 'json'
  if (NUMBER_TYPES.has(c.type)) return 'number'
  if (STRING_TYPES.has(c.type)) return c.characterSet === BINARY_CHARSET ? 'binary' : 'text'
  return 'other'
}

/** The result's columns as core's masking reads them. The server names each column's source (org_table,
 * org_name) when it is a plain column reference, under an alias too; a computed value has none, and is
 * marked originUnknown so every rule naming columns applies to it (fail closed). A stored function's
 * result has an org_name (its call, `db.f(1)`) but no org_table: its body may read any column, so it is
 * computed too. So is every column of a statement reading a view (`readsView`): MariaDB names a view's
 * column by the view (a TEMPTABLE view's by its base table and the view's alias), never by the column it
 * renames. */
export function resultColumnsOf(columns: readonly ColumnDefinition41[], readsView = false): ResultColumn[] {
  return columns.map((c) => {
    const table = c.orgTable === '' ? undefined : c.schema === '' ? c.orgTable : `${c.schema}.${c.orgTable}`
    const column: ResultColumn = { name: c.name, typeHint: typeHintOf(c) }
    if (table !== undefined) column.table = table
    if (c.orgName !== '' && c.orgName !== c.name)
      column.origins = [{ name: c.orgName, ...(table ? { table } : {}) }]
    if (readsView || c.orgName === '' || c.orgTable === '') column.originUnknown = true
    return column
  })
}

/** A ProtocolText::ResultsetRow with masked values masked; the same payload when nothing changed. */
export function maskTextRow(plan: MaskingPlan, payload: Buffer, columnCount: number): Buffer {
  if (plan.passthrough) return payload
  const cells = parseTextRow(payload, columnCount)
  let changed = false
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!
    if (cell === null || !needsMasking(plan, i)) continue
    const value = cell.toString('utf8')
    const masked = maskValue(plan, i, value)
    if (masked === value) continue
    cells[i] = masked === null ? null : Buffer.from(masked, 'utf8')
    changed = true
  }
  return changed ? encodeTextRow(cells) : payload
}

/** A ProtocolBinary::ResultsetRow with masked values masked; the same payload when nothing changed. */
export function maskBinaryRow(
  plan: MaskingPlan,
  payload: Buffer,
  columns: readonly ColumnDefinition41[],
): Buffer {
  if (plan.passthrough) return payload
  const cells: Cell[] = parseBinaryRow(
    payload,
    columns.map((c) => c.type),
  )
  let changed = false
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i]!
    const column = columns[i]!
    if (cell === null || !needsMasking(plan, i)) continue
    const value = binaryValueText(column.type, (column.flags & ColumnFlag.UNSIGNED_FLAG) !== 0, cell)
    const masked = maskValue(plan, i, value)
    if (masked === value) continue
    const bytes = masked === null ? undefined : Buffer.from(masked, 'utf8')
    cells[i] =
      bytes !== undefined && STRING_TYPES.has(column.type)
        ? Buffer.concat([lenencIntBytes(bytes.length), bytes])
        : null
    changed = true
  }
  return changed ? encodeBinaryRow(cells) : payload
}
