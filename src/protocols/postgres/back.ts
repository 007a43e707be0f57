// The upstream side: one connection to the target per client session, logged in with credentials the
// gateway holds (an ephemeral role's, or the resource's configured user). TLS per `target.tls`, with the
// semantics of libpq's sslmode of the same name.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import net from 'node:net'
import type { Duplex } from 'node:stream'
import tls from 'node:tls'
import { serialize } from 'pg-protocol'
import type { PostgresResourceConfig } from '../../config/schema.ts'
import { parseDurationSeconds, TaskgateError } from '../../core/index.ts'
import { DEFAULT_SCHEMA } from './classify-names.ts'
import { HandshakeReader } from './handshake-reader.ts'
import { ScramClient } from './scram.ts'
import {
  AUTH_CLEARTEXT,
  AUTH_MD5,
  AUTH_OK,
  AUTH_SASL,
  AUTH_SASL_CONTINUE,
  AUTH_SASL_FINAL,
  parseAuthentication,
  parseBackendKeyData,
  parseErrorFields,
} from './wire/server-messages.ts'

export interface UpstreamLogin {
  user: string
  password?: string
}

export interface Upstream {
  socket: Duplex
  processId: number
  secretKey: Buffer
  /** ParameterStatus and NoticeResponse frames of the startup, to relay to the client as they came. */
  startupFrames: Buffer[]
  /** Bytes after the first ReadyForQuery (none from a well-behaved server). */
  leftover: Buffer
}

type Target = PostgresResourceConfig['target']

/** The search path every upstream session starts with: the schema unqualified names are classified in. */
export const PINNED_SEARCH_PATH = DEFAULT_SCHEMA

export interface UpstreamSessionOptions {
  /** Start the session with default_transaction_read_only=on (a read-only grant), whatever role it logs in as. */
  readOnly?: boolean
  /** The database to log in to; target.database when absent. */
  database?: string
  /** Run-time settings to start the session with, each one already allowed by policy (startup-settings.ts). */
  settings?: ReadonlyArray<{ name: string; value: string }>
}

export async function connectUpstream(
  target: Target,
  login: UpstreamLogin,
  session: UpstreamSessionOptions = {},
  timeoutMs = parseDurationSeconds(target.loginTimeout) * 1000,
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
    const socket = await negotiateTls(raw, target)
    const params: Record<string, string> = {}
    // A GUC may come as a startup parameter by any name but these (protocol-message-formats StartupMessage).
    for (const { name, value } of session.settings ?? []) params[name] = value
    // Unqualified names are classified as `public.x` (classify-names.ts): the session's path must say so
    // whatever ALTER DATABASE / ALTER ROLE ... SET search_path made the default. A startup value is also what
    // RESET, DISCARD ALL and SET ... TO DEFAULT go back to. A client's own search_path, already decided by
    // policy (it needs set:search_path), replaces the pin.
    if (!Object.keys(params).some((name) => name.toLowerCase() === 'search_path'))
      params.search_path = PINNED_SEARCH_PATH
    params.user = login.user
    params.database = session.database ?? target.database
    // Set at startup, so it holds without an ephemeral role too (no `admin` configured: the session logs in
    // as target.user); the classifier keeps the client from turning it off (classify-statements.ts).
    if (session.readOnly) params.options = '-c default_transaction_read_only=on'
    const reader = new HandshakeReader(socket, 1024 * 1024)
    socket.write(serialize.startup(params))
    const upstream = await logIn(socket, reader, login)
    return upstream
  } catch (error) {
    raw.destroy()
    if (error instanceof TaskgateError) throw error
    throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', { detail: String(error), cause: error })
  } finally {
    clearTimeout(timer)
  }
}

async function negotiateTls(raw: net.Socket, target: Target): Promise<Duplex> {
  if (target.tls === 'disable') return raw
  raw.write(serialize.requestSsl())
  const answer = await new Promise<Buffer>((resolve, reject) => {
    raw.once('data', resolve)
    raw.once('close', () => reject(new Error('upstream closed during SSL negotiation')))
  })
  raw.pause()
  if (answer.length !== 1 || (answer[0] !== 0x53 && answer[0] !== 0x4e)) {
    throw new Error('unexpected answer to SSLRequest')
  }
  if (answer[0] === 0x4e) {
    if (target.tls === 'prefer') return raw
    throw new Error(`target refuses TLS but target.tls is ${target.tls}`)
  }
  const verify = target.tls === 'verify-full'
  const secure = tls.connect({
    socket: raw,
    servername: net.isIP(target.host) ? undefined : target.host,
    rejectUnauthorized: verify,
    ca: verify && target.caFile ? readFileSync(target.caFile) : undefined,
  })
  await new Promise<void>((resolve, reject) => {
    secure.once('secureConnect', resolve)
    secure.once('error', reject)
  })
  return secure
}

async function logIn(socket: Duplex, reader: HandshakeReader, login: UpstreamLogin): Promise<Upstream> {
  const startupFrames: Buffer[] = []
  let scram: ScramClient | undefined
  let processId = 0
  let secretKey: Buffer = Buffer.alloc(4)
  for (;;) {
    const frame = await reader.frame()
    switch (frame[0]) {
      case 0x52: {
        const { code, payload } = parseAuthentication(frame)
        if (code === AUTH_OK) break
        const password = login.password
        if (password === undefined)
          throw new Error(`target asks for a password (auth ${code}) but none is configured`)
        if (code === AUTH_CLEARTEXT) socket.write(serialize.password(password))
        else if (code === AUTH_MD5) {
          const inner = createHash('md5')
            .update(password + login.user)
            .digest('hex')
          const outer = createHash('md5').update(inner).update(payload.subarray(0, 4)).digest('hex')
          socket.write(serialize.password(`md5${outer}`))
        } else if (code === AUTH_SASL) {
          if (!payload.toString('latin1').split('\0').includes('SCRAM-SHA-256'))
            throw new Error('target offers no SCRAM-SHA-256')
          scram = new ScramClient(password)
          socket.write(serialize.sendSASLInitialResponseMessage('SCRAM-SHA-256', scram.first()))
        } else if (code === AUTH_SASL_CONTINUE && scram) {
          socket.write(serialize.sendSCRAMClientFinalMessage(await scram.final(payload.toString('utf8'))))
        } else if (code === AUTH_SASL_FINAL && scram) {
          scram.verify(payload.toString('utf8'))
        } else throw new Error(`unsupported upstream authentication request ${code}`)
        break
      }
      case 0x53: // ParameterStatus
      case 0x4e: // NoticeResponse
        startupFrames.push(Buffer.from(frame))
        break
      case 0x4b: {
        const key = parseBackendKeyData(frame)
        processId = key.processId
        secretKey = key.secretKey
        break
      }
      case 0x5a: // ReadyForQuery
        return { socket, processId, secretKey, startupFrames, leftover: reader.detach() }
      case 0x45: {
        const fields = parseErrorFields(frame)
        // Upstream text stays in our log (detail); the client sees only TG_UPSTREAM_UNAVAILABLE.
        throw new TaskgateError('TG_UPSTREAM_UNAVAILABLE', {
          detail: `target refused login: ${fields.get('C')} ${fields.get('M')}`,
        })
      }
      case 0x76: // NegotiateProtocolVersion: we asked for 3.0 only, nothing to adjust
        break
      default:
        throw new Error(`unexpected upstream message type ${frame[0]} during login`)
    }
  }
}
