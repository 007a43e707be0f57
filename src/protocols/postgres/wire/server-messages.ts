// Serializers for what the gateway says to clients as a server, and parsers for the few server messages
// the relay reads (postgresql.org/docs/current/protocol-message-formats.html).
import { FieldReader } from './client-messages.ts'
import { ProtocolViolation } from './protocol-violation.ts'

export type TransactionStatus = 'I' | 'T' | 'E'

/** ErrorResponse / NoticeResponse fields; names follow protocol-error-fields.html. */
export interface ErrorFields {
  severity: 'ERROR' | 'FATAL' | 'PANIC' | 'WARNING' | 'NOTICE'
  code: string
  message: string
  detail?: string
  hint?: string
  /** 'P': 1-based character position in the statement text the error points at. */
  position?: number
  /** 'R': the routine that raised it; taskgate's own denials and holds put their decision data here
   * (core's encodeDecisionData), which clients pass on and psql shows only with VERBOSITY verbose. */
  routine?: string
}

function frame(type: number, bodyLength: number): Buffer {
  const out = Buffer.allocUnsafe(5 + bodyLength)
  out[0] = type
  out.writeInt32BE(4 + bodyLength, 1)
  return out
}

export function serializeErrorResponse(fields: ErrorFields, type = 0x45): Buffer {
  const parts: Array<[string, string]> = [
    ['S', fields.severity],
    ['V', fields.severity],
    ['C', fields.code],
    ['M', fields.message],
  ]
  if (fields.detail) parts.push(['D', fields.detail])
  if (fields.hint) parts.push(['H', fields.hint])
  if (fields.position !== undefined) parts.push(['P', String(fields.position)])
  if (fields.routine) parts.push(['R', fields.routine])
  let length = 1
  for (const [, v] of parts) length += 2 + Buffer.byteLength(v)
  const out = frame(type, length)
  let pos = 5
  for (const [k, v] of parts) {
    out[pos++] = k.charCodeAt(0)
    pos += out.write(v, pos)
    out[pos++] = 0
  }
  out[pos] = 0
  return out
}

const READY: Record<TransactionStatus, Buffer> = {
  I: Buffer.from([0x5a, 0, 0, 0, 5, 0x49]),
  T: Buffer.from([0x5a, 0, 0, 0, 5, 0x54]),
  E: Buffer.from([0x5a, 0, 0, 0, 5, 0x45]),
}

export function serializeReadyForQuery(status: TransactionStatus): Buffer {
  return READY[status]
}

/** Authentication request ('R') with its int32 code and optional payload. */
export function serializeAuthentication(code: number, payload?: Buffer): Buffer {
  const out = frame(0x52, 4 + (payload?.length ?? 0))
  out.writeInt32BE(code, 5)
  payload?.copy(out, 9)
  return out
}

export const AUTH_OK = 0
export const AUTH_CLEARTEXT = 3
export const AUTH_MD5 = 5
export const AUTH_SASL = 10
export const AUTH_SASL_CONTINUE = 11
export const AUTH_SASL_FINAL = 12

export function serializeBackendKeyData(processId: number, secretKey: number): Buffer {
  const out = frame(0x4b, 8)
  out.writeInt32BE(processId, 5)
  out.writeInt32BE(secretKey, 9)
  return out
}

/** NegotiateProtocolVersion ('v'): the newest minor version we speak and the options we ignored. */
export function serializeNegotiateProtocolVersion(minor: number, unknownOptions: string[]): Buffer {
  let length = 8
  for (const o of unknownOptions) length += Buffer.byteLength(o) + 1
  const out = frame(0x76, length)
  out.writeInt32BE(minor, 5)
  out.writeInt32BE(unknownOptions.length, 9)
  let pos = 13
  for (const o of unknownOptions) {
    pos += out.write(o, pos)
    out[pos++] = 0
  }
  return out
}

/** ReadyForQuery ('Z'): the transaction status byte. */
export function parseReadyForQuery(f: Buffer): TransactionStatus {
  const s = f[5]
  if (s === 0x49 || s === 0x54 || s === 0x45) return String.fromCharCode(s) as TransactionStatus
  throw new ProtocolViolation('invalid ReadyForQuery status')
}

/** Rows affected or returned, from a CommandComplete tag: `SELECT 3`, `INSERT 0 5`, `COPY 10`. */
export function parseCommandCompleteRows(f: Buffer): number | undefined {
  // The tag ends with the count when there is one; read digits backwards from the terminating zero.
  let pos = f.length - 2
  let value = 0
  let scale = 1
  while (pos > 5) {
    const c = f[pos]!
    if (c < 0x30 || c > 0x39) break
    value += (c - 0x30) * scale
    scale *= 10
    pos--
  }
  return scale > 1 && f[pos] === 0x20 ? value : undefined
}

/** ErrorResponse/NoticeResponse fields by their one-letter code. */
export function parseErrorFields(f: Buffer): Map<string, string> {
  const reader = new FieldReader(f, 5)
  const fields = new Map<string, string>()
  for (;;) {
    const k = reader.byte()
    if (k === 0) break
    fields.set(String.fromCharCode(k), reader.cstring())
  }
  return fields
}

/** Authentication ('R'): code and payload. */
export function parseAuthentication(f: Buffer): { code: number; payload: Buffer } {
  if (f.length < 9) throw new ProtocolViolation('authentication message truncated')
  return { code: f.readInt32BE(5), payload: f.subarray(9) }
}

/** BackendKeyData ('K'). The key is 4 bytes in protocol 3.0. */
export function parseBackendKeyData(f: Buffer): { processId: number; secretKey: Buffer } {
  if (f.length < 13) throw new ProtocolViolation('BackendKeyData truncated')
  return { processId: f.readInt32BE(5), secretKey: Buffer.from(f.subarray(9)) }
}
