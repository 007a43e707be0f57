// The client side of a connection, up to the final OK: the handshake (carrying the target's real server
// version and capabilities, learned by back.ts, so drivers that branch on either behave as against the
// server), CLIENT_SSL and the TLS upgrade, and authentication against the grant credential's verifiers:
// caching_sha2_password's fast path (the gateway minted the password, so it never needs the clear text,
// RSA or a full authentication) and mysql_native_password, each checked in constant time
// (dev.mysql.com/doc/dev/mysql-server/latest/page_protocol_connection_phase.html).
//
// The OK is not sent here: the caller logs in upstream first, so a target that is down or refuses the
// account is an ERR at login rather than after it.
import { randomBytes } from 'node:crypto'
import type net from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import { isTaskgateError } from '../../core/index.ts'
import {
  type MysqlVerifiers,
  mysqlVerifiers,
  verifyCachingSha2,
  verifyNativePassword,
} from './auth-scramble.ts'
import { upstreamCharset } from './client-charset.ts'
import {
  accessDenied,
  characterSetRefused,
  failure,
  protocolViolation,
  refused,
  tlsRequired,
} from './errors.ts'
import { HandshakeChannel } from './handshake-channel.ts'
import { AuthPlugin, CachingSha2Status, CapabilityFlag } from './wire/constants.ts'
import { encodeOkPacket } from './wire/generic-responses.ts'
import {
  encodeAuthMoreData,
  encodeAuthSwitchRequest,
  encodeHandshakeV10,
  type HandshakeV10,
  isSslRequest,
  parseHandshakeResponse41,
} from './wire/handshake.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'

/** What the target said about itself in its handshake (back.ts `Upstream.handshake`). */
export type TargetHandshake = Pick<
  HandshakeV10,
  'serverVersion' | 'capabilities' | 'characterSet' | 'statusFlags'
>

export interface MysqlFrontOptions {
  target: TargetHandshake
  secureContext: tls.SecureContext
  requireTls: boolean
  /** The verifiers of the credential `user` logs in with; undefined when there is none (same answer). */
  verifiersFor(user: string): Promise<MysqlVerifiers | undefined>
  /** The connection id the client sees (the gateway's own: the target's differs per upstream login). */
  connectionId: number
  authTimeoutMs: number
}

export interface AcceptedMysqlClient {
  socket: Duplex
  tls: boolean
  user: string
  /** The database the client named in its handshake (CLIENT_CONNECT_WITH_DB), to be decided like USE. */
  database: string | undefined
  /** The capabilities in force with the client (what it asked, as far as the gateway offered them). */
  capabilities: number
  /** The collation to log in upstream with: the client's own, when the gateway reads its character set. */
  collation: number
  attributes: [string, string][]
  /** Sends the final OK (with the target's status flags) and hands over the socket. */
  accept(statusFlags: number): { socket: Duplex; leftover: Buffer }
  /** Sends an ERR packet and closes the connection. */
  reject(err: Buffer): void
}

/** Capabilities the gateway never offers, whatever the target does: compression (the relay reads every
 * packet), LOCAL INFILE (client files), query attributes (text the classifier would not see), MySQL-8 optional metadata, and MariaDB
 * progress reports (ERR-shaped packets mid-response). */
const WITHHELD =
  CapabilityFlag.CLIENT_COMPRESS |
  CapabilityFlag.CLIENT_ZSTD_COMPRESSION_ALGORITHM |
  CapabilityFlag.CLIENT_LOCAL_FILES |
  CapabilityFlag.CLIENT_QUERY_ATTRIBUTES |
  CapabilityFlag.CLIENT_OPTIONAL_RESULTSET_METADATA |
  CapabilityFlag.CLIENT_PROGRESS_OBSOLETE

/** What the gateway needs from every client. */
const REQUIRED = CapabilityFlag.CLIENT_PROTOCOL_41 | CapabilityFlag.CLIENT_SECURE_CONNECTION

/** The capabilities offered to clients: the target's, minus what the gateway withholds, plus TLS and
 * plugin authentication, which the gateway itself provides. MariaDB's extended capabilities are never
 * offered (they change packet formats the relay reads), so CLIENT_LONG_PASSWORD (MariaDB's CLIENT_MYSQL)
 * is kept as the target sent it. */
function offeredCapabilities(target: TargetHandshake): number {
  return (
    ((target.capabilities & ~WITHHELD) |
      CapabilityFlag.CLIENT_SSL |
      CapabilityFlag.CLIENT_PLUGIN_AUTH |
      CapabilityFlag.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA |
      REQUIRED) >>>
    0
  )
}

/** Runs the connection phase. Returns undefined when the connection is done (refused, failed: already
 * answered with an ERR and closed). Never throws. */
export async function acceptMysqlClient(
  raw: net.Socket,
  options: MysqlFrontOptions,
): Promise<AcceptedMysqlClient | undefined> {
  raw.setNoDelay(true)
  const channel = new HandshakeChannel(raw)
  const timer = setTimeout(() => raw.destroy(), options.authTimeoutMs)
  const reject = (err: Buffer) => {
    channel.write(err)
    channel.socket.end()
  }
  try {
    const offered = offeredCapabilities(options.target)
    const nonce = scrambleNonce()
    channel.write(
      encodeHandshakeV10({
        serverVersion: options.target.serverVersion,
        connectionId: options.connectionId,
        authPluginData: nonce,
        capabilities: offered,
        mariadbCapabilities: 0,
        characterSet: options.target.characterSet,
        statusFlags: options.target.statusFlags,
        authPluginName: AuthPlugin.caching_sha2_password,
      }),
    )
    let payload = await channel.read()
    let secured = false
    if (isSslRequest(payload)) {
      const socket = channel.upgrade(
        (plain) =>
          new tls.TLSSocket(plain as net.Socket, { isServer: true, secureContext: options.secureContext }),
      )
      await new Promise<void>((resolve, reject) => {
        socket.once('secure', resolve)
        socket.once('error', reject)
      })
      secured = true
      payload = await channel.read()
    }
    const response = parseHandshakeResponse41(payload)
    if (options.requireTls && !secured) return void reject(tlsRequired())
    if (
      response.capabilities &
      (CapabilityFlag.CLIENT_COMPRESS | CapabilityFlag.CLIENT_ZSTD_COMPRESSION_ALGORITHM)
    )
      return void reject(refused('compression', 'the gateway reads every packet; connect without --compress'))
    const charset = upstreamCharset(response.characterSet, options.target.characterSet)
    if ('refused' in charset) return void reject(characterSetRefused(charset.refused))
    const verifiers = await options.verifiersFor(response.username)
    const auth = await authenticate(channel, response.authPluginName, response.authResponse, nonce, verifiers)
    if (!auth.ok) return void reject(accessDenied(response.username, auth.withPassword))
    const capabilities = (response.capabilities & offered) >>> 0
    clearTimeout(timer)
    return {
      socket: channel.socket,
      tls: secured,
      user: response.username,
      database: response.database || undefined,
      capabilities,
      collation: charset.collation,
      attributes: response.attributes,
      accept(statusFlags) {
        channel.write(
          encodeOkPacket(
            { affectedRows: 0, lastInsertId: 0, statusFlags, warnings: 0, info: '' },
            capabilities,
          ),
        )
        return channel.detach()
      },
      reject,
    }
  } catch (error) {
    if (error instanceof ProtocolViolation) reject(protocolViolation(error.message))
    else if (isTaskgateError(error)) reject(failure(error))
    else channel.socket.destroy()
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

const UNKNOWN_LOGIN = mysqlVerifiers(randomBytes(24).toString('base64url'))

/** 20 bytes of auth-plugin-data. Servers avoid NUL and '$' in it (the handshake NUL-terminates part 2). */
function scrambleNonce(): Buffer {
  const nonce = randomBytes(20)
  for (let i = 0; i < nonce.length; i++) nonce[i] = nonce[i]! & 0x7f || 0x41
  for (let i = 0; i < nonce.length; i++) if (nonce[i] === 0x24) nonce[i] = 0x25
  return nonce
}

/** Checks the client's scramble with the plugin it chose. A client that chose another plugin is asked to
 * switch to caching_sha2_password; one that chose ours but sent no scramble (libmariadb does so when its
 * default plugin is not the one the handshake named) is asked to switch to the plugin it chose. Without
 * verifiers (no such login) the answer is the same false, after the same exchange. */
async function authenticate(
  channel: HandshakeChannel,
  plugin: string | undefined,
  authResponse: Buffer,
  nonce: Buffer,
  verifiers: MysqlVerifiers | undefined,
): Promise<{ ok: boolean; withPassword: boolean }> {
  const native = plugin === AuthPlugin.mysql_native_password
  let scramble = authResponse
  if (scramble.length === 0 || (!native && plugin !== AuthPlugin.caching_sha2_password)) {
    const authPluginName = native ? AuthPlugin.mysql_native_password : AuthPlugin.caching_sha2_password
    channel.write(encodeAuthSwitchRequest({ authPluginName, authPluginData: nonce }))
    scramble = await channel.read()
  }
  const withPassword = scramble.length > 0
  // An unknown login is checked against a throwaway verifier, so it takes as long as a wrong password.
  const known = verifiers !== undefined
  const against = verifiers ?? UNKNOWN_LOGIN
  if (native) {
    const ok = verifyNativePassword(scramble, nonce, against.mysqlNativePassword) && known
    return { ok, withPassword }
  }
  const ok = verifyCachingSha2(scramble, nonce, against.cachingSha2Password) && known
  if (ok) channel.write(encodeAuthMoreData(Buffer.from([CachingSha2Status.fast_auth_success])))
  return { ok, withPassword }
}
