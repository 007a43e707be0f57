// The upstream side: one connection to MySQL/MariaDB per client session, logged in as the account the
// gateway holds (a grant's ephemeral account, or the resource's configured one). It learns the server's
// real version and capabilities from its handshake, which the front end repeats to clients. TLS per
// `target.tls` with libpq's sslmode meanings, as for PostgreSQL (`prefer` falls back to plain text when
// the server does not offer CLIENT_SSL).
// Authentication: mysql_native_password and caching_sha2_password, including an AuthSwitchRequest to
// either; caching_sha2_password's full authentication sends the password only over TLS (MariaDB has no
// RSA key exchange and the gateway does not implement MySQL's).
import { readFileSync } from 'node:fs'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import { TaskgateError } from '../../core/index.ts'
import { cachingSha2Scramble, nativePasswordScramble } from './auth-scramble.ts'
import { HandshakeChannel } from './handshake-channel.ts'
import { isRowPacket } from './response-tracker.ts'
import { encodeTextCommand } from './wire/commands.ts'
import {
  AuthPlugin,
  CachingSha2Status,
  CapabilityFlag,
  Command,
  UTF8MB4_GENERAL_CI,
} from './wire/constants.ts'
import { isErrPacket, isOkPacket, parseErrPacket } from './wire/generic-responses.ts'
import {
  encodeHandshakeResponse41,
  encodeSslRequest,
  type HandshakeResponse41,
  type HandshakeV10,
  isAuthMoreData,
  isAuthSwitchRequest,
  parseAuthSwitchRequest,
  parseHandshakeV10,
} from './wire/handshake.ts'
import { parseTextRow } from './wire/result-rows.ts'

export interface MysqlTarget {
  host: string
  port: number
  tls: 'disable' | 'prefer' | 'require' | 'verify-full'
  /** PEM file of the CA that signed the server's certificate (verify-full). */
  caFile?: string
}

export interface UpstreamLogin {
  user: string
  password: string
  database?: string
}

/** What the session asks of the upstream connection: the client's capabilities (so the server's replies
 * are in the form the client negotiated) and its connection attributes. */
export interface UpstreamSessionOptions {
  /** Start the session with SET SESSION TRANSACTION READ ONLY (a read-only grant), whatever account it
   * logs in as; the classifier keeps the client from switching back (`transaction:read-write`). */
  readOnly?: boolean
  capabilities?: number
  mariadbCapabilities?: number
  /** The client's collation (client-charset.ts); utf8mb4_general_ci when absent. */
  collation?: number
  attributes?: [string, string][]
  /** Read the views the account can see (readViews), for masking: a view's columns are named by the view. */
  readViews?: boolean
}

export interface Upstream {
  socket: Duplex
  /** The server's handshake: its real version, connection id, capabilities, status. */
  handshake: HandshakeV10
  /** The capabilities in force on this connection (what we asked, as far as the server offered them). */
  capabilities: number
  mariadbCapabilities: number
  tls: boolean
  /** Bytes after the final OK (none from a well-behaved server). */
  leftover: Buffer
  /** With `readViews`: the views the account could see at login (`schema.name`, lower case), or 'all' when
   * they could not be read or were more than MAX_VIEWS (every statement then counts as reading one). */
  views?: ReadonlySet<string> | 'all'
}

/** What the gateway needs on every upstream connection, whatever the client asked. */
const REQUIRED =
  CapabilityFlag.CLIENT_PROTOCOL_41 |
  CapabilityFlag.CLIENT_SECURE_CONNECTION |
  CapabilityFlag.CLIENT_PLUGIN_AUTH |
  CapabilityFlag.CLIENT_PLUGIN_AUTH_LENENC_CLIENT_DATA
/** Never asked upstream: the gateway reads every packet uncompressed, answers every LOCAL INFILE request
 * itself, and the login is its own. CLIENT_MULTI_STATEMENTS is asked when the client has it: the session
 * then decides each statement of a text (query-plan.ts). */
const NEVER =
  CapabilityFlag.CLIENT_COMPRESS |
  CapabilityFlag.CLIENT_ZSTD_COMPRESSION_ALGORITHM |
  CapabilityFlag.CLIENT_LOCAL_FILES |
  CapabilityFlag.CLIENT_CONNECT_WITH_DB |
  CapabilityFlag.CLIENT_SSL |
  CapabilityFlag.CLIENT_QUERY_ATTRIBUTES |
  CapabilityFlag.CLIENT_OPTIONAL_RESULTSET_METADATA |
  CapabilityFlag.CLIENT_PROGRESS_OBSOLETE
const DEFAULT_CAPABILITIES =
  CapabilityFlag.CLIENT_LONG_FLAG |
  CapabilityFlag.CLIENT_TRANSACTIONS |
  CapabilityFlag.CLIENT_MULTI_RESULTS |
  CapabilityFlag.CLIENT_PS_MULTI_RESULTS |
  CapabilityFlag.CLIENT_CONNECT_ATTRS

export async function connectUpstream(
  target: MysqlTarget,
  login: UpstreamLogin,
  session: UpstreamSessionOptions = {},
  timeoutMs = 10_000,
): Promise<Upstream> {
  const raw = net.connect({ host: target.host, port: target.port })
  raw.setNoDelay(true)
  const timer = setTimeout(
    () => raw.destroy(new Error(`upstream login timed out after ${timeoutMs} ms`)),
    timeoutMs,
  )
  try {
    await new Promise<void>((resolve, reject) => {
      raw.once('connect', resolve)
      raw.once('error', reject)
    })
    const channel = new HandshakeChannel(raw)
    const first = await channel.read()
    if (isErrPacket(first)) throw refused(first)
    const handshake = parseHandshakeV10(first)
    if ((handshake.capabilities & REQUIRED) !== REQUIRED)
      throw new Error(
        `the server lacks protocol 4.1 / plugin authentication (capabilities ${handshake.capabilities})`,
      )
    const offersTls = (handshake.capabilities & CapabilityFlag.CLIENT_SSL) !== 0
    const useTls = target.tls !== 'disable' && (offersTls || target.tls !== 'prefer')
    if (useTls && !offersTls) throw new Error(`the server does not offer TLS but target.tls is ${target.tls}`)
    let capabilities = ((session.capabilities ?? DEFAULT_CAPABILITIES) | REQUIRED) & ~NEVER
    if (login.database !== undefined) capabilities |= CapabilityFlag.CLIENT_CONNECT_WITH_DB
    if (useTls) capabilities |= CapabilityFlag.CLIENT_SSL
    capabilities &= handshake.capabilities
    const mariadbCapabilities = (session.mariadbCapabilities ?? 0) & handshake.mariadbCapabilities
    const response: HandshakeResponse41 = {
      capabilities,
      maxPacketSize: 0x40000000,
      characterSet: session.collation ?? UTF8MB4_GENERAL_CI,
      mariadbCapabilities,
      username: login.user,
      authResponse: Buffer.alloc(0),
      database: login.database,
      authPluginName: handshake.authPluginName,
      attributes: session.attributes ?? [],
    }
    if (useTls) {
      channel.write(encodeSslRequest(response))
      const secure = channel.upgrade((plain) => startTls(plain as net.Socket, target)) as tls.TLSSocket
      await new Promise<void>((resolve, reject) => {
        secure.once('secureConnect', resolve)
        secure.once('error', reject)
      })
    }
    response.authResponse = scramble(handshake.authPluginName, login.password, handshake.authPluginData)
    channel.write(encodeHandshakeResponse41(response))
    await authenticate(channel, login.password, useTls)
    if (session.readOnly) await startReadOnly(channel)
    const views = session.readViews ? await readViews(channel, capabilities) : undefined
    const { socket, leftover } = channel.detach()
    return {
      socket,
      handshake,
      capabilities,
      mariadbCapabilities,
      tls: useTls,
      leftover,
      ...(views !== undefined ? { views } : {}),
    }
  } catch (error) {
    raw.destroy()
    if (error instanceof TaskgateError) throw error
    throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', { detail: String(error), cause: error })
  } finally {
    clearTimeout(timer)
  }
}

function scramble(plugin: string, password: string, authPluginData: Buffer): Buffer {
  if (plugin === AuthPlugin.mysql_native_password || plugin === '')
    return nativePasswordScramble(password, authPluginData)
  if (plugin === AuthPlugin.caching_sha2_password) return cachingSha2Scramble(password, authPluginData)
  throw new Error(`the server asks for authentication plugin ${plugin}, which the gateway does not speak`)
}

async function authenticate(channel: HandshakeChannel, password: string, overTls: boolean): Promise<void> {
  for (let round = 0; round < 4; round++) {
    const packet = await channel.read()
    if (isOkPacket(packet)) return
    if (isErrPacket(packet)) throw refused(packet)
    if (isAuthSwitchRequest(packet)) {
      const request = parseAuthSwitchRequest(packet)
      channel.write(scramble(request.authPluginName, password, request.authPluginData))
    } else if (isAuthMoreData(packet) && packet[1] === CachingSha2Status.fast_auth_success) {
      // The OK packet follows.
    } else if (isAuthMoreData(packet) && packet[1] === CachingSha2Status.perform_full_authentication) {
      if (!overTls) throw new Error('caching_sha2_password full authentication needs TLS to the target')
      channel.write(Buffer.from(`${password}\0`, 'utf8'))
    } else {
      throw new Error(`unexpected packet 0x${(packet[0] ?? 0).toString(16)} during upstream authentication`)
    }
  }
  throw new Error('upstream authentication did not finish')
}

/** A new command starts a new exchange: sequence ids restart at 0 (HandshakeChannel.restart). */
async function startReadOnly(channel: HandshakeChannel): Promise<void> {
  channel.restart()
  channel.write(encodeTextCommand(Command.COM_QUERY, 'SET SESSION TRANSACTION READ ONLY'))
  const answer = await channel.read()
  if (!isOkPacket(answer))
    throw isErrPacket(answer) ? refused(answer) : new Error('no OK to SET SESSION TRANSACTION')
}

/** More views than this and every statement counts as reading one (fail closed); bounds what is read. */
export const MAX_VIEWS = 10_000
const VIEWS_QUERY = `SELECT CONCAT(TABLE_SCHEMA, '.', TABLE_NAME) FROM information_schema.VIEWS LIMIT ${MAX_VIEWS + 1}`

/** The views the account can see, in every database (so a USE needs no new read): MariaDB names a view's
 * columns by the view (or, for a TEMPTABLE view, by the base table and the view's alias), never by the
 * column a view renames, so masking treats every column of a statement reading one as computed. An ERR,
 * or more than MAX_VIEWS, gives 'all'. */
async function readViews(
  channel: HandshakeChannel,
  capabilities: number,
): Promise<ReadonlySet<string> | 'all'> {
  channel.restart()
  channel.write(encodeTextCommand(Command.COM_QUERY, VIEWS_QUERY))
  const count = await channel.read()
  if (isErrPacket(count) || count[0] !== 1) {
    if (!isErrPacket(count)) throw new Error("unexpected answer to the gateway's view query")
    return 'all'
  }
  await channel.read() // the one column definition
  if ((capabilities & CapabilityFlag.CLIENT_DEPRECATE_EOF) === 0) await channel.read() // its EOF
  const views = new Set<string>()
  let over = false
  for (;;) {
    const packet = await channel.read()
    if (isErrPacket(packet)) return 'all'
    if (!isRowPacket(packet[0] ?? 0, packet.length)) break
    const name = parseTextRow(packet, 1)[0]
    if (views.size >= MAX_VIEWS) over = true
    else if (name) views.add(name.toString('utf8').toLowerCase())
  }
  return over ? 'all' : views
}

/** The server's ERR at login: its text stays in our log (detail); the client sees TG_UPSTREAM_UNAVAILABLE. */
function refused(packet: Buffer): TaskgateError {
  const err = parseErrPacket(packet)
  return new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
    detail: `target refused login: ${err.errorCode} ${err.sqlState} ${err.message}`,
  })
}

function startTls(raw: net.Socket, target: MysqlTarget): tls.TLSSocket {
  const verify = target.tls === 'verify-full'
  return tls.connect({
    socket: raw,
    servername: net.isIP(target.host) ? undefined : target.host,
    rejectUnauthorized: verify,
    ca: verify && target.caFile ? readFileSync(target.caFile) : undefined,
  })
}
