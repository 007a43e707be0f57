// OK_Packet, ERR_Packet and EOF_Packet, assuming CLIENT_PROTOCOL_41 (the gateway requires it on both sides)
// (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_basic_response_packets.html).
import { CapabilityFlag, ResponseHeader, ServerStatus } from './constants.ts'
import { PayloadReader } from './payload-reader.ts'
import { PayloadWriter } from './payload-writer.ts'

export interface OkPacket {
  affectedRows: number
  lastInsertId: number
  statusFlags: number
  warnings: number
  info: string
  /** The raw session-state-change block (CLIENT_SESSION_TRACK with SERVER_SESSION_STATE_CHANGED), forwarded
   * as it came; undefined when absent. */
  sessionStateInfo?: Buffer
}

export interface ErrPacket {
  errorCode: number
  /** Five characters; MariaDB and MySQL use `HY000` when an error has no specific state. */
  sqlState: string
  message: string
}

export interface EofPacket {
  warnings: number
  statusFlags: number
}

/** An OK packet, or (with CLIENT_DEPRECATE_EOF) the 0xfe-headed OK that ends a result set. */
export function isOkPacket(payload: Buffer): boolean {
  return payload[0] === ResponseHeader.OK
}

export function isErrPacket(payload: Buffer): boolean {
  return payload[0] === ResponseHeader.ERR
}

/** An EOF packet: 0xfe and shorter than 9 bytes (a row may start with 0xfe, an 8-byte length, and is longer). */
export function isEofPacket(payload: Buffer): boolean {
  return payload[0] === ResponseHeader.EOF && payload.length < 9
}

/** Whether the client or server that sent `capabilities` tracks session state in OK packets. */
const tracksSession = (capabilities: number) => (capabilities & CapabilityFlag.CLIENT_SESSION_TRACK) !== 0

export function parseOkPacket(payload: Buffer, capabilities: number): OkPacket {
  const r = new PayloadReader(payload, 1)
  const affectedRows = r.lenencInt()
  const lastInsertId = r.lenencInt()
  const statusFlags = r.remaining >= 2 ? r.int2() : 0
  const warnings = r.remaining >= 2 ? r.int2() : 0
  const ok: OkPacket = { affectedRows, lastInsertId, statusFlags, warnings, info: '' }
  if (r.remaining === 0) return ok
  if (tracksSession(capabilities)) {
    ok.info = r.lenencString()
    if (statusFlags & ServerStatus.SERVER_SESSION_STATE_CHANGED && r.remaining > 0)
      ok.sessionStateInfo = r.lenencBytes()
  } else {
    ok.info = r.restString()
  }
  return ok
}

export function encodeOkPacket(
  ok: OkPacket,
  capabilities: number,
  header: number = ResponseHeader.OK,
): Buffer {
  const w = new PayloadWriter()
    .int1(header)
    .lenencInt(ok.affectedRows)
    .lenencInt(ok.lastInsertId)
    .int2(ok.statusFlags)
    .int2(ok.warnings)
  if (tracksSession(capabilities)) {
    if (ok.info !== '' || ok.sessionStateInfo !== undefined) w.lenencString(ok.info)
    if (ok.sessionStateInfo !== undefined) w.lenencBytes(ok.sessionStateInfo)
  } else {
    w.string(ok.info)
  }
  return w.build()
}

export function parseErrPacket(payload: Buffer): ErrPacket {
  const r = new PayloadReader(payload, 1)
  const errorCode = r.int2()
  let sqlState = 'HY000'
  if (r.remaining > 0 && r.payload[r.offset] === 0x23) {
    r.skip(1)
    sqlState = r.bytes(5).toString('latin1')
  }
  return { errorCode, sqlState, message: r.restString() }
}

export function encodeErrPacket(err: ErrPacket): Buffer {
  if (!/^[0-9A-Z]{5}$/.test(err.sqlState)) throw new RangeError(`invalid SQLSTATE ${err.sqlState}`)
  return new PayloadWriter()
    .int1(ResponseHeader.ERR)
    .int2(err.errorCode)
    .string(`#${err.sqlState}`)
    .string(err.message)
    .build()
}

export function parseEofPacket(payload: Buffer): EofPacket {
  const r = new PayloadReader(payload, 1)
  if (r.remaining < 4) return { warnings: 0, statusFlags: 0 }
  return { warnings: r.int2(), statusFlags: r.int2() }
}

export function encodeEofPacket(eof: EofPacket): Buffer {
  return new PayloadWriter().int1(ResponseHeader.EOF).int2(eof.warnings).int2(eof.statusFlags).build()
}
