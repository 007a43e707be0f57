// The client side of a connection, up to AuthenticationOk: SSLRequest/GSSENCRequest negotiation,
// CancelRequest routing, StartupMessage, and authentication with the grant credential
// (postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-START-UP).
import type net from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import type { Logger } from 'pino'
import { type Core, type GrantContext, isTaskgateError, toTaskgateError } from '../../core/index.ts'
import type { CancelKeys } from './cancel-keys.ts'
import {
  authenticationFailed,
  authenticationRefused,
  protocolViolation,
  taskgateErrorFields,
} from './errors.ts'
import { HandshakeReader } from './handshake-reader.ts'
import { parseScramVerifier, ScramError, ScramServer } from './scram.ts'
import {
  MAX_STARTUP_PACKET_BYTES,
  parsePasswordBody,
  parseSaslInitialResponse,
  parseStartupPacket,
} from './wire/client-messages.ts'
import { ProtocolViolation } from './wire/protocol-violation.ts'
import {
  AUTH_CLEARTEXT,
  AUTH_OK,
  AUTH_SASL,
  AUTH_SASL_CONTINUE,
  AUTH_SASL_FINAL,
  serializeAuthentication,
  serializeErrorResponse,
  serializeNegotiateProtocolVersion,
} from './wire/server-messages.ts'

export interface FrontOptions {
  core: Core
  resourceId: string
  secureContext: tls.SecureContext
  cancelKeys: CancelKeys
  logger: Logger
  /** `scram-sha-256` (default) or `password` (cleartext, accepted only over TLS). */
  authMethod: 'scram-sha-256' | 'password'
  /** Whether clients must use TLS. */
  requireTls: boolean
  authTimeoutMs: number
}

export interface AcceptedClient {
  socket: Duplex
  tls: boolean
  user: string
  /** Startup parameters as the client sent them (user and database included). */
  params: Map<string, string>
  context: GrantContext
  /** Bytes the client sent after its last authentication message (pipelined queries). */
  leftover: Buffer
}

const ACCEPTED_FOR_AUTH = 1024 * 1024

/** Runs the startup phase. Returns undefined when the connection is done (cancel request, failure
 * already answered with a FATAL ErrorResponse and closed). Never throws. */
export async function acceptClient(
  raw: net.Socket,
  options: FrontOptions,
): Promise<AcceptedClient | undefined> {
  let socket: Duplex = raw
  let reader = new HandshakeReader(raw, MAX_STARTUP_PACKET_BYTES)
  let secured = false
  const timer = setTimeout(() => raw.destroy(), options.authTimeoutMs)
  try {
    for (;;) {
      const packet = parseStartupPacket(await reader.startupPacket())
      if (packet.kind === 'ssl' || packet.kind === 'gssenc') {
        if (secured) throw new ProtocolViolation('encryption requested twice')
        if (packet.kind === 'gssenc') {
          raw.write('N')
          continue
        }
        // Bytes sent before the TLS handshake would be read as if encrypted (CVE-2021-23214): refuse them.
        if (reader.buffered > 0)
          throw new ProtocolViolation('data received after SSLRequest before TLS handshake')
        reader.detach()
        raw.write('S')
        socket = new tls.TLSSocket(raw, { isServer: true, secureContext: options.secureContext })
        secured = true
        reader = new HandshakeReader(socket, MAX_STARTUP_PACKET_BYTES)
        continue
      }
      if (packet.kind === 'cancel') {
        reader.detach()
        raw.destroy()
        await options.cancelKeys.cancel(packet.processId, packet.secretKey)
        return undefined
      }
      if (options.requireTls && !secured) {
        return refuse(
          socket,
          reader,
          authenticationRefused('taskgate requires TLS; connect with sslmode=require'),
        )
      }
      if (packet.minorVersion > 0 || packet.unknownOptions.length > 0) {
        socket.write(serializeNegotiateProtocolVersion(0, packet.unknownOptions))
      }
      const user = packet.params.get('user')
      if (!user) {
        return refuse(
          socket,
          reader,
          authenticationRefused('no PostgreSQL user name specified in startup packet'),
        )
      }
      const refused = lexerSettingRefused(packet.params)
      if (refused) return refuse(socket, reader, authenticationRefused(refused, '22023'))
      // The classifier reads SQL as UTF-8 with standard_conforming_strings on: the upstream session is
      // started with both, so no database or role default can make the server read a literal differently.
      packet.params.set('client_encoding', 'UTF8')
      packet.params.set('standard_conforming_strings', 'on')
      // Authentication messages (SASL, password) are small: a tighter limit than the startup packet's.
      const authReader = reader
      const context = await authenticate(socket, authReader, user, secured, options, raw.remoteAddress)
      if (!context) return undefined
      return { socket, tls: secured, user, params: packet.params, context, leftover: authReader.detach() }
    }
  } catch (error) {
    if (error instanceof ProtocolViolation && error.silent) {
      options.logger.info(
        { err: error.message },
        'client protocol violation during startup (closed silently)',
      )
      reader.detach()
      socket.destroy()
      return undefined
    }
    if (error instanceof ProtocolViolation) {
      options.logger.info({ err: error.message }, 'client protocol violation during startup')
      return refuse(socket, reader, protocolViolation(error.message))
    }
    options.logger.info({ err: String(error) }, 'client startup failed')
    reader.detach()
    socket.destroy()
    return undefined
  } finally {
    clearTimeout(timer)
  }
}

const UTF8_NAMES = new Set(['utf8', 'unicode'])
const ON_VALUES = new Set(['on', 'true', 'yes', '1', 't', 'y'])
/** `-c name=value` or `--name=value` in the `options` startup parameter (libpq's PGOPTIONS). */
const OPTION_SETTING = /(?:^|\s)(?:-c\s*|--)([a-z_-]+)=(\S*)/gi

/** Why a client's startup parameters would make the server lex SQL differently from the gateway's
 * classifier (another client encoding, backslash escapes in strings), or undefined when they would not. */
function lexerSettingRefused(params: Map<string, string>): string | undefined {
  const settings: Array<[string, string]> = [...params]
  for (const m of (params.get('options') ?? '').matchAll(OPTION_SETTING))
    settings.push([m[1]!.replaceAll('-', '_'), m[2]!])
  for (const [name, value] of settings) {
    const key = name.toLowerCase()
    if (key === 'client_encoding' && !UTF8_NAMES.has(value.toLowerCase().replace(/[^a-z0-9]/g, '')))
      return `taskgate supports only client_encoding UTF8, got "${value}"; connect with PGCLIENTENCODING=UTF8`
    if (key === 'standard_conforming_strings' && !ON_VALUES.has(value.toLowerCase()))
      return 'taskgate requires standard_conforming_strings=on; remove the setting from the connection options'
  }
  return undefined
}

async function authenticate(
  socket: Duplex,
  reader: HandshakeReader,
  user: string,
  secured: boolean,
  options: FrontOptions,
  client: string | undefined,
): Promise<GrantContext | undefined> {
  const { core, resourceId } = options
  try {
    await core.admitLogin(resourceId, user, client)
    if (options.authMethod === 'password') {
      if (!secured) {
        refuse(
          socket,
          reader,
          authenticationRefused('cleartext password authentication requires TLS (sslmode=require)'),
        )
        return undefined
      }
      socket.write(serializeAuthentication(AUTH_CLEARTEXT))
      const body = parsePasswordBody(await expectPasswordMessage(reader))
      const secret = body.toString('utf8', 0, Math.max(0, body.indexOf(0)))
      const context = await core.authenticateCredential(resourceId, user, secret, client)
      socket.write(serializeAuthentication(AUTH_OK))
      return context
    }
    const credential = await core.findCredential(resourceId, user)
    const scram = new ScramServer(parseScramVerifier(credential?.verifiers.postgres?.scramSha256))
    socket.write(serializeAuthentication(AUTH_SASL, Buffer.from('SCRAM-SHA-256\0\0')))
    const initial = parseSaslInitialResponse(await expectPasswordMessage(reader))
    if (initial.mechanism !== 'SCRAM-SHA-256')
      throw new ScramError(`unsupported SASL mechanism ${initial.mechanism}`)
    const serverFirst = scram.first(initial.data.toString('utf8'))
    socket.write(serializeAuthentication(AUTH_SASL_CONTINUE, Buffer.from(serverFirst)))
    const clientFinal = parsePasswordBody(await expectPasswordMessage(reader)).toString('utf8')
    const serverFinal = scram.final(clientFinal)
    if (!credential) throw new ScramError('unknown user')
    const context = await core.resolveLogin(credential, client)
    socket.write(
      Buffer.concat([
        serializeAuthentication(AUTH_SASL_FINAL, Buffer.from(serverFinal)),
        serializeAuthentication(AUTH_OK),
      ]),
    )
    return context
  } catch (error) {
    if (error instanceof ProtocolViolation) throw error
    if (error instanceof ScramError || (isTaskgateError(error) && error.code === 'TG_CREDENTIAL_INVALID')) {
      options.logger.info({ user, reason: error.message }, 'client authentication failed')
      // Core audits the failures it detects itself; a failed SCRAM exchange only this side sees.
      if (error instanceof ScramError)
        await core.loginFailed(resourceId, user, `scram: ${error.message}`, client)
      refuse(socket, reader, authenticationFailed(user))
      return undefined
    }
    const failure = toTaskgateError(error)
    options.logger.info({ user, code: failure.code, detail: failure.detail }, 'client login refused')
    refuse(socket, reader, serializeErrorResponse(taskgateErrorFields(failure, 'FATAL')))
    return undefined
  }
}

async function expectPasswordMessage(reader: HandshakeReader): Promise<Buffer> {
  const frame = await reader.frame()
  if (frame[0] !== 0x70) throw new ProtocolViolation(`expected a password message, got type ${frame[0]}`)
  if (frame.length > ACCEPTED_FOR_AUTH) throw new ProtocolViolation('password message too long')
  return frame
}

function refuse(socket: Duplex, reader: HandshakeReader, error: Buffer): undefined {
  reader.detach()
  socket.end(error)
  // A client that never reads must not keep the socket open.
  setTimeout(() => socket.destroy(), 1_000).unref()
  return undefined
}
