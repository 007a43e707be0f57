// The command phase's client packets the gateway reads (dev.mysql.com/doc/dev/mysql-server/latest/
// page_protocol_command_phase.html). COM_QUERY's query attributes (CLIENT_QUERY_ATTRIBUTES, MySQL 8) are
// never negotiated by the gateway, so a COM_QUERY is the command byte and the text.
import { readBinaryValue } from './binary-values.ts'
import { Command } from './constants.ts'
import { PayloadReader } from './payload-reader.ts'
import { PayloadWriter } from './payload-writer.ts'
import { ProtocolViolation } from './protocol-violation.ts'
import { buildNullBitmap, type Cell, isNull, nullBitmapBytes } from './result-rows.ts'

/** Commands that carry one string<EOF> after the command byte. */
type TextCommand = typeof Command.COM_QUERY | typeof Command.COM_INIT_DB | typeof Command.COM_STMT_PREPARE

export function parseTextCommand(payload: Buffer): string {
  return payload.subarray(1).toString('utf8')
}

export function encodeTextCommand(command: TextCommand, text: string): Buffer {
  return new PayloadWriter().int1(command).string(text).build()
}

/** COM_FIELD_LIST: a table and a column wildcard (deprecated, still sent by the mysql CLI's completion). */
export interface ComFieldList {
  table: string
  wildcard: string
}

export function parseComFieldList(payload: Buffer): ComFieldList {
  const r = new PayloadReader(payload, 1)
  return { table: r.nulString(), wildcard: r.restString() }
}

export function encodeComFieldList(c: ComFieldList): Buffer {
  return new PayloadWriter().int1(Command.COM_FIELD_LIST).nulString(c.table).string(c.wildcard).build()
}

/** COM_STMT_CLOSE, COM_STMT_RESET: the command byte and a statement id. */
export function parseStatementId(payload: Buffer): number {
  return new PayloadReader(payload, 1).int4()
}

export function encodeStatementCommand(
  command: typeof Command.COM_STMT_CLOSE | typeof Command.COM_STMT_RESET,
  statementId: number,
): Buffer {
  return new PayloadWriter().int1(command).int4(statementId).build()
}

/** COM_STMT_PREPARE_OK: the answer that gives a statement its id and counts. */
export interface StmtPrepareOk {
  statementId: number
  columnCount: number
  paramCount: number
  warnings: number
}

export function parseStmtPrepareOk(payload: Buffer): StmtPrepareOk {
  const r = new PayloadReader(payload, 1)
  const statementId = r.int4()
  const columnCount = r.int2()
  const paramCount = r.int2()
  r.skip(1)
  const warnings = r.remaining >= 2 ? r.int2() : 0
  return { statementId, columnCount, paramCount, warnings }
}

export function encodeStmtPrepareOk(p: StmtPrepareOk): Buffer {
  return new PayloadWriter()
    .int1(0)
    .int4(p.statementId)
    .int2(p.columnCount)
    .int2(p.paramCount)
    .int1(0)
    .int2(p.warnings)
    .build()
}

/** A parameter's type: ColumnType and whether it is unsigned (the high bit of the second type byte). */
export interface ParameterType {
  type: number
  unsigned: boolean
}

export interface ComStmtExecute {
  statementId: number
  /** Cursor flags (CURSOR_TYPE_*). */
  flags: number
  iterationCount: number
  /** Whether this packet carries the types (else the previous execute's apply). */
  newParamsBound: boolean
  types: readonly ParameterType[]
  /** Each parameter's value in its binary wire form, or null. A parameter sent by COM_STMT_SEND_LONG_DATA
   * has no value here, so this parse is only right for sessions that refuse that command. */
  values: Cell[]
}

const UNSIGNED_TYPE_BIT = 0x80

/** `paramCount` comes from the statement's COM_STMT_PREPARE_OK; `previousTypes` are the types the last
 * execute of the same statement bound (used when this one does not rebind them). */
export function parseComStmtExecute(
  payload: Buffer,
  paramCount: number,
  previousTypes: readonly ParameterType[] | undefined,
): ComStmtExecute {
  const r = new PayloadReader(payload, 1)
  const statementId = r.int4()
  const flags = r.int1()
  const iterationCount = r.int4()
  const execute: ComStmtExecute = {
    statementId,
    flags,
    iterationCount,
    newParamsBound: false,
    types: [],
    values: [],
  }
  if (paramCount === 0) return execute
  const bitmap = r.bytes(nullBitmapBytes(paramCount, 0))
  execute.newParamsBound = r.int1() === 1
  if (execute.newParamsBound) {
    const types: ParameterType[] = []
    for (let i = 0; i < paramCount; i++) {
      const type = r.int1()
      types.push({ type, unsigned: (r.int1() & UNSIGNED_TYPE_BIT) !== 0 })
    }
    execute.types = types
  } else {
    if (previousTypes === undefined || previousTypes.length !== paramCount)
      throw new ProtocolViolation('COM_STMT_EXECUTE without parameter types before any were bound')
    // Shared, never changed: an execute that binds new types gets a new array.
    execute.types = previousTypes
  }
  for (let i = 0; i < paramCount; i++) {
    execute.values.push(isNull(bitmap, i, 0) ? null : readBinaryValue(r, execute.types[i]!.type))
  }
  if (r.remaining !== 0) throw new ProtocolViolation('COM_STMT_EXECUTE longer than its parameters')
  return execute
}

export function encodeComStmtExecute(e: ComStmtExecute): Buffer {
  const w = new PayloadWriter()
    .int1(Command.COM_STMT_EXECUTE)
    .int4(e.statementId)
    .int1(e.flags)
    .int4(e.iterationCount)
  if (e.values.length === 0) return w.build()
  w.bytes(buildNullBitmap(e.values, 0)).int1(e.newParamsBound ? 1 : 0)
  if (e.newParamsBound) for (const t of e.types) w.int1(t.type).int1(t.unsigned ? UNSIGNED_TYPE_BIT : 0)
  for (const v of e.values) if (v !== null) w.bytes(v)
  return w.build()
}

/** COM_SET_OPTION's argument (SetOption). */
export function parseComSetOption(payload: Buffer): number {
  return new PayloadReader(payload, 1).int2()
}
