// Parsers for what clients send (postgresql.org/docs/current/protocol-message-formats.html), and the few
// client messages the gateway writes itself. Parsers take a whole frame (type byte + length included) and
// decode only the fields the relay reads; every read is bounds-checked and throws ProtocolViolation.
import { ProtocolViolation } from './protocol-violation.ts'

export const SSL_REQUEST_CODE = 80877103
export const GSSENC_REQUEST_CODE = 80877104
export const CANCEL_REQUEST_CODE = 80877102
export const PROTOCOL_3_0 = 196608

/** Startup-phase packets have no type byte: int32 length, int32 code, body. */
export type StartupPacket =
  | { kind: 'ssl' }
  | { kind: 'gssenc' }
  | { kind: 'cancel'; processId: number; secretKey: Buffer }
  | { kind: 'startup'; minorVersion: number; params: Map<string, string>; unknownOptions: string[] }

/** 10 000 bytes: the server's own limit for a startup packet (MAX_STARTUP_PACKET_LENGTH). */
export const MAX_STARTUP_PACKET_BYTES = 10_000

export function parseStartupPacket(packet: Buffer): StartupPacket {
  if (packet.length < 8) throw new ProtocolViolation('startup packet too short', { silent: true })
  const code = packet.readInt32BE(4)
  if (code === SSL_REQUEST_CODE && packet.length === 8) return { kind: 'ssl' }
  if (code === GSSENC_REQUEST_CODE && packet.length === 8) return { kind: 'gssenc' }
  if (code === CANCEL_REQUEST_CODE && packet.length >= 16 && packet.length <= 264) {
    return { kind: 'cancel', processId: packet.readInt32BE(8), secretKey: Buffer.from(packet.subarray(12)) }
  }
  const major = code >>> 16
  if (major !== 3) throw new ProtocolViolation(`unsupported frontend protocol ${major}.${code & 0xffff}`)
  const params = new Map<string, string>()
  const unknownOptions: string[] = []
  const reader = new FieldReader(packet, 8)
  for (;;) {
    const key = reader.cstring()
    if (key === '') break
    const value = reader.cstring()
    // `_pq_.` options are protocol extensions we do not implement; they are reported back as unknown.
    if (key.startsWith('_pq_.')) unknownOptions.push(key)
    else params.set(key, value)
  }
  if (!reader.done) throw new ProtocolViolation('trailing bytes after startup parameters')
  return { kind: 'startup', minorVersion: code & 0xffff, params, unknownOptions }
}

/** Query ('Q'): the SQL text. */
export function parseQuery(frame: Buffer): string {
  return new FieldReader(frame, 5).cstring()
}

/** Parse ('P'): statement name and SQL text (parameter types are left in the frame). */
export function parseParse(frame: Buffer): { name: string; text: string } {
  const reader = new FieldReader(frame, 5)
  return { name: reader.cstring(), text: reader.cstring() }
}

/** Bind ('B'): portal and statement names. */
export function parseBind(frame: Buffer): { portal: string; statement: string } {
  const reader = new FieldReader(frame, 5)
  return { portal: reader.cstring(), statement: reader.cstring() }
}

/** One Bind parameter: its format code (0 text, 1 binary) and its bytes (null for SQL NULL). */
export interface BindParameter {
  format: number
  value: Buffer | null
}

/** Bind ('B') with its parameter values, for an approval that must bind them. The format codes apply as
 * the spec says: none means all text, one applies to every parameter, else one per parameter. */
export function parseBindParameters(frame: Buffer): {
  portal: string
  statement: string
  parameters: BindParameter[]
} {
  const reader = new FieldReader(frame, 5)
  const portal = reader.cstring()
  const statement = reader.cstring()
  const formats: number[] = []
  for (let n = reader.int16(); n > 0; n--) formats.push(reader.int16())
  const count = reader.int16()
  if (formats.length > 1 && formats.length !== count)
    throw new ProtocolViolation(`Bind has ${formats.length} format codes for ${count} parameters`)
  const parameters: BindParameter[] = []
  for (let i = 0; i < count; i++) {
    const length = reader.int32()
    const format = formats.length === 0 ? 0 : formats.length === 1 ? formats[0]! : formats[i]!
    parameters.push({ format, value: length < 0 ? null : reader.bytes(length) })
  }
  return { portal, statement, parameters }
}

/** FunctionCall ('F'): the function's OID and the number of arguments it is called with. */
export function parseFunctionCall(frame: Buffer): { oid: number; argumentCount: number } {
  const reader = new FieldReader(frame, 5)
  const oid = reader.int32() >>> 0
  const formats = reader.int16()
  if (formats < 0) throw new ProtocolViolation('FunctionCall with a negative format count')
  reader.bytes(2 * formats)
  const argumentCount = reader.int16()
  if (argumentCount < 0) throw new ProtocolViolation('FunctionCall with a negative argument count')
  return { oid, argumentCount }
}

/** Execute ('E'): portal name. */
export function parseExecute(frame: Buffer): string {
  return new FieldReader(frame, 5).cstring()
}

/** Close ('C') and Describe ('D'): 'S' statement or 'P' portal, and its name. */
export function parseTarget(frame: Buffer): { target: 'S' | 'P'; name: string } {
  const reader = new FieldReader(frame, 5)
  const t = reader.byte()
  if (t !== 0x53 && t !== 0x50) throw new ProtocolViolation(`invalid target '${String.fromCharCode(t)}'`)
  return { target: t === 0x53 ? 'S' : 'P', name: reader.cstring() }
}

/** SASLInitialResponse ('p' during SASL): mechanism and the client-first message. */
export function parseSaslInitialResponse(frame: Buffer): { mechanism: string; data: Buffer } {
  const reader = new FieldReader(frame, 5)
  const mechanism = reader.cstring()
  const length = reader.int32()
  return { mechanism, data: length < 0 ? Buffer.alloc(0) : reader.bytes(length) }
}

/** SASLResponse and PasswordMessage ('p'): the raw body. */
export function parsePasswordBody(frame: Buffer): Buffer {
  return frame.subarray(5)
}

export function serializeQuery(text: string): Buffer {
  const length = Buffer.byteLength(text)
  const out = Buffer.allocUnsafe(6 + length)
  out[0] = 0x51
  out.writeInt32BE(5 + length, 1)
  out.write(text, 5)
  out[5 + length] = 0
  return out
}

/** Parse of statement `name` (unnamed by default) with no parameter types. */
export function serializeParse(text: string, name = ''): Buffer {
  const nameLength = Buffer.byteLength(name)
  const length = Buffer.byteLength(text)
  const out = Buffer.allocUnsafe(9 + nameLength + length)
  out[0] = 0x50
  out.writeInt32BE(8 + nameLength + length, 1)
  out.write(name, 5)
  out[5 + nameLength] = 0
  out.write(text, 6 + nameLength)
  out[6 + nameLength + length] = 0
  out.writeInt16BE(0, 7 + nameLength + length)
  return out
}

export const SYNC = Buffer.from([0x53, 0, 0, 0, 4])
export const TERMINATE = Buffer.from([0x58, 0, 0, 0, 4])

/** Sequential bounds-checked reads over one message. */
export class FieldReader {
  readonly #buf: Buffer
  #pos: number
  constructor(buf: Buffer, offset: number) {
    this.#buf = buf
    this.#pos = offset
  }
  get done(): boolean {
    return this.#pos >= this.#buf.length
  }
  byte(): number {
    if (this.#pos >= this.#buf.length) throw new ProtocolViolation('message truncated')
    return this.#buf[this.#pos++]!
  }
  int16(): number {
    if (this.#pos + 2 > this.#buf.length) throw new ProtocolViolation('message truncated')
    const v = this.#buf.readInt16BE(this.#pos)
    this.#pos += 2
    return v
  }
  int32(): number {
    if (this.#pos + 4 > this.#buf.length) throw new ProtocolViolation('message truncated')
    const v = this.#buf.readInt32BE(this.#pos)
    this.#pos += 4
    return v
  }
  bytes(n: number): Buffer {
    if (this.#pos + n > this.#buf.length) throw new ProtocolViolation('message truncated')
    const v = this.#buf.subarray(this.#pos, this.#pos + n)
    this.#pos += n
    return v
  }
  /** bytes(n) for bytes nobody reads: the same checks, no Buffer view made. */
  skip(n: number): void {
    if (this.#pos + n > this.#buf.length) throw new ProtocolViolation('message truncated')
    this.#pos += n
  }
  cstring(): string {
    const zero = this.#buf.indexOf(0, this.#pos)
    if (zero < 0) throw new ProtocolViolation('unterminated string in message')
    const v = zero === this.#pos ? '' : this.#buf.toString('utf8', this.#pos, zero)
    this.#pos = zero + 1
    return v
  }
}
