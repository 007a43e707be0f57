// The connection phase's packets: Initial Handshake (v10), SSLRequest, HandshakeResponse41,
// AuthSwitchRequest and AuthMoreData (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html;
// MariaDB's additions: mariadb.com/kb/en/connection/).
import { CapabilityFlag, ResponseHeader } from './constants.ts'
import { PayloadReader } from './payload-reader.ts'
import { PayloadWriter } from './payload-writer.ts'
import { ProtocolViolation } from './protocol-violation.ts'

const PROTOCOL_VERSION_10 = 10

export interface HandshakeV10 {
  serverVersion: string
  connectionId: number
  /** auth-plugin-data: the nonce (20 bytes for both plugins the gateway speaks). */
  authPluginData: Buffer
  /** The 32 standard capability bits. */
  capabilities: number
  /** MariaDB's extended capabilities (0 for MySQL servers, which set CLIENT_LONG_PASSWORD). */
  mariadbCapabilities: number
  characterSet: number
  statusFlags: number
  authPluginName: string
}

export function parseHandshakeV10(payload: Buffer): HandshakeV10 {
  const r = new PayloadReader(payload)
  const version = r.int1()
  if (version === ResponseHeader.ERR) throw new ProtocolViolation('the server answered with an error')
  if (version !== PROTOCOL_VERSION_10) throw new ProtocolViolation(`unsupported protocol version ${version}`)
  const serverVersion = r.nulString()
  const connectionId = r.int4()
  const part1 = r.bytes(8)
  r.skip(1)
  let capabilities = r.int2()
  const characterSet = r.int1()
  const statusFlags = r.int2()
  capabilities = (capabilities | (r.int2() << 16)) >>> 0
  const dataLength = r.int1()
  r.skip(6)
  const extended = r.int4()
  const mariadbCapabilities = capabilities & CapabilityFlag.CLIENT_LONG_PASSWORD ? 0 : extended
  let part2: Buffer = Buffer.alloc(0)
  if (capabilities & CapabilityFlag.CLIENT_SECURE_CONNECTION) {
    part2 = r.bytes(Math.max(13, dataLength - 8))
    // The last byte of part 2 is a NUL terminator, not nonce.
    if (part2.length > 0 && part2[part2.length - 1] === 0) part2 = part2.subarray(0, part2.length - 1)
  }
  let authPluginName = ''
  if (capabilities & CapabilityFlag.CLIENT_PLUGIN_AUTH) {
    // Some servers omit the final NUL of the plugin name.
    authPluginName = r.payload.indexOf(0, r.offset) >= 0 ? r.nulString() : r.restString()
  }
  return {
    serverVersion,
    connectionId,
    authPluginData: Buffer.concat([part1, part2]),
    capabilities,
    mariadbCapabilities,
    characterSet,
    statusFlags,
    authPluginName,
  }
}

export function encodeHandshakeV10(h: HandshakeV10): Buffer {
  if (h.authPluginData.length < 8) throw new RangeError('auth-plugin-data shorter than 8 bytes')
  const w = new PayloadWriter()
    .int1(PROTOCOL_VERSION_10)
    .nulString(h.serverVersion)
    .int4(h.connectionId)
    .bytes(h.authPluginData.subarray(0, 8))
    .int1(0)
    .int2(h.capabilities & 0xffff)
    .int1(h.characterSet)
    .int2(h.statusFlags)
    .int2(h.capabilities >>> 16)
    .int1(h.capabilities & CapabilityFlag.CLIENT_PLUGIN_AUTH ? h.authPluginData.length + 1 : 0)
    .zeros(6)
    .int4(h.capabilities & CapabilityFlag.CLIENT_LONG_PASSWORD ? 0 : h.mariadbCapabilities)
  if (h.capabilities & CapabilityFlag.CLIENT_SECURE_CONNECTION) {
    const part2 = h.authPluginData.subarray(8)
    w.bytes(part2).zeros(Math.max(13 - part2.length, 1))
  }
  if (h.capabilities & CapabilityFlag.CLIENT_PLUGIN_AUTH) w.nulString(h.authPluginName)
  return w.build()
}

/** HandshakeResponse41, or an SSLRequest (its first 32 bytes alone) when `ssl` is true. */
export interface HandshakeResponse41 {
  capabilities: number
  maxPacketSize: number
  characterSet: number
  mariadbCapabilities: number
  username: string
  authResponse: Buffer
  database: string | undefined
  authPluginName: string | undefined
  /** Connection attributes as the client sent them, in order. */
  attributes: [string, string][]
}

const SSL_REQUEST_BYTES = 32

export function isSslRequest(payload: Buffer): boolean {
  if (payload.length !== SSL_REQUEST_BYTES) return false
  return (payload.readUInt32LE(0) & CapabilityFlag.CLIENT_SSL) !== 0
}

/** Parses a HandshakeResponse41 (CLIENT_PROTOCOL_41 is required: older clients are refused). */
export function parseHandshakeResponse41(payload: Buffer, maxAttributes = 64): HandshakeResponse41 {
  const r = new PayloadReader(payload)
  const capabilities = r.int4()
  if (!(capabilities & CapabilityFlag.CLIENT_PROTOCOL_41))
    throw new ProtocolViolation('the client does not speak protocol 4.1')
  const maxPacketSize = r.int4()
  const characterSet = r.int1()
  r.skip(19)
  const extended = r.int4()
  const mariadbCapabilities = capabilities & CapabilityFlag.CLIENT_LONG_PASSWORD ? 0 : extended
  const username = r.nulString()
  let authResponse: Buffer
  if (capabilities & CapabilityFlag.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.lenencBytes()
  else if (capabilities & CapabilityFlag.CLIENT_SECURE_CONNECTION) authResponse = r.bytes(r.int1())
  else authResponse = r.nulBytes()
  let database: string | undefined
  if (capabilities & CapabilityFlag.CLIENT_CONNECT_WITH_DB && r.remaining > 0) database = r.nulString()
  let authPluginName: string | undefined
  if (capabilities & CapabilityFlag.CLIENT_PLUGIN_AUTH && r.remaining > 0) authPluginName = r.nulString()
  const attributes: [string, string][] = []
  if (capabilities & CapabilityFlag.CLIENT_CONNECT_ATTRS && r.remaining > 0) {
    const attrs = new PayloadReader(r.lenencBytes())
    while (attrs.remaining > 0) {
      if (attributes.length >= maxAttributes) throw new ProtocolViolation('too many connection attributes')
      attributes.push([attrs.lenencString(), attrs.lenencString()])
    }
  }
  return {
    capabilities,
    maxPacketSize,
    characterSet,
    mariadbCapabilities,
    username,
    authResponse,
    database,
    authPluginName,
    attributes,
  }
}

function responseHead(r: HandshakeResponse41): PayloadWriter {
  return new PayloadWriter()
    .int4(r.capabilities)
    .int4(r.maxPacketSize)
    .int1(r.characterSet)
    .zeros(19)
    .int4(r.capabilities & CapabilityFlag.CLIENT_LONG_PASSWORD ? 0 : r.mariadbCapabilities)
}

export function encodeSslRequest(r: HandshakeResponse41): Buffer {
  return responseHead({ ...r, capabilities: r.capabilities | CapabilityFlag.CLIENT_SSL }).build()
}

export function encodeHandshakeResponse41(r: HandshakeResponse41): Buffer {
  const w = responseHead(r).nulString(r.username)
  if (r.capabilities & CapabilityFlag.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA) w.lenencBytes(r.authResponse)
  else if (r.capabilities & CapabilityFlag.CLIENT_SECURE_CONNECTION) {
    if (r.authResponse.length > 0xff) throw new RangeError('auth response longer than 255 bytes')
    w.int1(r.authResponse.length).bytes(r.authResponse)
  } else w.nulString(r.authResponse)
  if (r.capabilities & CapabilityFlag.CLIENT_CONNECT_WITH_DB) w.nulString(r.database ?? '')
  if (r.capabilities & CapabilityFlag.CLIENT_PLUGIN_AUTH) w.nulString(r.authPluginName ?? '')
  if (r.capabilities & CapabilityFlag.CLIENT_CONNECT_ATTRS) {
    const attrs = new PayloadWriter()
    for (const [k, v] of r.attributes) attrs.lenencString(k).lenencString(v)
    w.lenencBytes(attrs.build())
  }
  return w.build()
}

/** Protocol::AuthSwitchRequest: 0xfe, plugin name, plugin data. */
export interface AuthSwitchRequest {
  authPluginName: string
  authPluginData: Buffer
}

export function isAuthSwitchRequest(payload: Buffer): boolean {
  return payload[0] === ResponseHeader.EOF
}

export function parseAuthSwitchRequest(payload: Buffer): AuthSwitchRequest {
  const r = new PayloadReader(payload, 1)
  const authPluginName = r.nulString()
  let authPluginData = r.restBytes()
  if (authPluginData.length > 0 && authPluginData[authPluginData.length - 1] === 0)
    authPluginData = authPluginData.subarray(0, authPluginData.length - 1)
  return { authPluginName, authPluginData }
}

export function encodeAuthSwitchRequest(s: AuthSwitchRequest): Buffer {
  return new PayloadWriter()
    .int1(ResponseHeader.EOF)
    .nulString(s.authPluginName)
    .nulString(s.authPluginData)
    .build()
}

/** Protocol::AuthMoreData: 0x01 then plugin data. */
export function isAuthMoreData(payload: Buffer): boolean {
  return payload[0] === ResponseHeader.AUTH_MORE_DATA
}

export function encodeAuthMoreData(data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([ResponseHeader.AUTH_MORE_DATA]), data])
}
