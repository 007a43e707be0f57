// The MySQL / MariaDB engine for one resource, on the stream kit: the listener hands each raw socket to
// front.ts (the server speaks first, TLS comes inside its handshake), the client's password is checked
// against the credential's MySQL verifiers, then core resolves the grant, back.ts logs in upstream as the
// grant's ephemeral account (provisioner.ts, with `admin`) or the configured user, and session.ts relays
// under the kit's action gate. The target's real version and capabilities go in every handshake: learned by
// logging in at start, again after any start that could not reach it, and refreshed from each upstream
// login.
import type net from 'node:net'
import type tls from 'node:tls'
import type { Logger } from 'pino'
import type { MysqlResourceConfig, SecretRef } from '../../config/schema.ts'
import {
  type Core,
  type Credential,
  type GrantContext,
  parseDurationSeconds,
  type SessionHandle,
  toTaskgateError,
} from '../../core/index.ts'
import { ActionGate } from '../kit/action-gate.ts'
import { openPendingSession } from '../kit/open-session.ts'
import { SchemaChanges } from '../kit/schema-changes.ts'
import { clientTls } from '../kit/secure-context.ts'
import { StreamListener } from '../kit/stream-listener.ts'
import type { ProtocolServer } from '../protocol-server.ts'
import type { MysqlVerifiers } from './auth-scramble.ts'
import { connectUpstream, type MysqlTarget, type Upstream, type UpstreamLogin } from './back.ts'
import { createMysqlClassifier, loadMysqlParser, type MysqlClassifier } from './classify.ts'
import { classifyCommand } from './classify-command.ts'
import { DECISION_DATA_ATTRIBUTE, denied, failure, gatewayShutdown, grantEnded } from './errors.ts'
import { type AcceptedMysqlClient, acceptMysqlClient, type TargetHandshake } from './front.ts'
import { isReadOnlyScope, MYSQL_IMPLICIT_SCOPE } from './implicit-scope.ts'
import { createMysqlMaskingProbe } from './masking-probe.ts'
import { mysqlPlanStatements, mysqlReclassifier } from './plan-statements.ts'
import { MysqlAccountProvisioner } from './provisioner.ts'
import { MysqlRowEstimator } from './row-estimator.ts'
import { type MysqlClientLimits, MysqlSession } from './session.ts'
import { ViewNames } from './view-names.ts'
import { encodeTextCommand } from './wire/commands.ts'
import { Command } from './wire/constants.ts'
import { parseErrPacket } from './wire/generic-responses.ts'
import { encodePacket } from './wire/packet-reader.ts'

export interface MysqlServerOptions {
  core: Core
  resource: MysqlResourceConfig
  logger: Logger
  resolveSecret: (ref: SecretRef, where: string) => Promise<string>
  reusePort?: boolean
  authTimeoutMs?: number
  /** How often expired ephemeral accounts are dropped (a grant end the target missed); default 60 s. */
  sweepIntervalMs?: number
}

export function createMysqlServer(options: MysqlServerOptions): ProtocolServer {
  const { core, resource, logger } = options
  const target: MysqlTarget = {
    host: resource.target.host,
    port: resource.target.port,
    tls: resource.target.tls,
    ...(resource.target.caFile ? { caFile: resource.target.caFile } : {}),
  }
  let targetLogin: UpstreamLogin = { user: resource.target.user, password: '' }
  let handshake: TargetHandshake | undefined
  let classifier: MysqlClassifier | undefined
  let secureContext: tls.SecureContext | undefined
  let provisioner: MysqlAccountProvisioner | undefined
  let sweep: NodeJS.Timeout | undefined
  let connectionId = 1
  // DDL through any session of the resource empties every session's view names (view-names.ts).
  const changes = new SchemaChanges()
  const { clients } = resource
  const limits: MysqlClientLimits = {
    maxPacketBytes: clients.maxPacketBytes,
    incompletePacketTimeoutMs: parseDurationSeconds(clients.incompletePacketTimeout) * 1000,
    maxStatementBytes: clients.maxStatementBytes,
    maxStatementsPerQuery: clients.maxStatementsPerQuery,
    maxPreparedStatements: clients.maxPreparedStatements,
  }

  /** The target's handshake: learned at start, or now when the target was down then. */
  async function targetHandshake(): Promise<TargetHandshake> {
    if (handshake) return handshake
    const probe = await connectUpstream(target, targetLogin)
    probe.socket.destroy()
    handshake = probe.handshake
    return handshake
  }

  async function serve(raw: net.Socket, live: Parameters<StreamListenerServe>[1]): Promise<void> {
    const client = `${raw.remoteAddress}:${raw.remotePort}`
    let target0: TargetHandshake
    try {
      target0 = await targetHandshake()
    } catch (error) {
      // Without the target's handshake there is none to send: an ERR in its place, as a server refusing a
      // host before its handshake does, which clients show.
      const failed = toTaskgateError(error)
      logger.warn({ code: failed.code }, 'target unreachable')
      raw.end(encodePacket(beforeHandshake(failure(failed)), 0).bytes)
      return
    }
    let credential: Credential | undefined
    let user: string | undefined
    const accepted = await acceptMysqlClient(raw, {
      target: target0,
      secureContext: secureContext!,
      requireTls: resource.clients.requireTls,
      connectionId: connectionId++,
      authTimeoutMs: options.authTimeoutMs ?? 60_000,
      verifiersFor: async (name) => {
        user = name
        await core.admitLogin(resource.id, name, client)
        credential = await core.findCredential(resource.id, name)
        return verifiersOf(credential)
      },
    })
    if (!accepted) {
      if (user !== undefined)
        await core.loginFailed(resource.id, user, 'wrong password', client).catch(() => {})
      return
    }
    let context: GrantContext
    try {
      context = await core.resolveLogin(credential!, client)
    } catch (error) {
      return accepted.reject(failure(toTaskgateError(error)))
    }
    await relay(accepted, context, client, live)
  }

  async function relay(
    accepted: AcceptedMysqlClient,
    context: GrantContext,
    client: string,
    live: Parameters<StreamListenerServe>[1],
  ): Promise<void> {
    let pending: Awaited<ReturnType<typeof openPendingSession>>
    try {
      pending = await openPendingSession(core, { context, protocol: 'mysql', client })
    } catch (error) {
      return accepted.reject(failure(toTaskgateError(error)))
    }
    const { handle } = pending
    const log = logger.child({ sessionId: handle.id, grantId: context.grant.id })
    const refusal = decideDatabase(handle, accepted.database, wantsDecisionData(accepted))
    if (refusal) {
      accepted.reject(refusal)
      return void (await core.closeSession(handle, 'database refused').catch(() => {}))
    }
    let upstream: Upstream
    let login: UpstreamLogin
    const masking = core.maskingFor(resource.id, context.grant.groups)
    const readOnly = isReadOnlyScope(context.grant.scope)
    try {
      login = provisioner ? await provisioner.loginFor(context.grant) : targetLogin
      if (accepted.database) login = { ...login, database: accepted.database }
      upstream = await connectUpstream(target, login, {
        readOnly,
        capabilities: accepted.capabilities,
        collation: accepted.collation,
        attributes: accepted.attributes,
        readViews: masking?.namesColumns === true,
      })
      handshake = upstream.handshake
    } catch (error) {
      const err = toTaskgateError(error)
      log.warn({ code: err.code, detail: err.detail }, 'upstream login failed')
      accepted.reject(failure(err))
      return void (await core.closeSession(handle, 'upstream unavailable').catch(() => {}))
    }
    if (pending.endedBeforeRelay !== undefined) {
      accepted.reject(grantEnded(pending.endedBeforeRelay))
      upstream.socket.destroy()
      return void (await core
        .closeSession(handle, `grant ended: ${pending.endedBeforeRelay}`)
        .catch(() => {}))
    }
    const { socket, leftover } = accepted.accept(upstream.handshake.statusFlags)
    const abort = new AbortController()
    const estimator = new MysqlRowEstimator(target, login)
    const gate = new ActionGate({
      core,
      handle,
      logger: log,
      signal: abort.signal,
      estimateRows: (action) => estimator.estimate(action.text, action.kind),
    })
    const session = new MysqlSession({
      gate,
      logger: log,
      client: socket,
      upstream: upstream.socket,
      capabilities: accepted.capabilities,
      classifier: classifier!,
      database: accepted.database,
      statusFlags: upstream.handshake.statusFlags,
      masking,
      views:
        upstream.views === undefined ? undefined : new ViewNames(upstream.views, changes, { target, login }),
      changes,
      limits,
      decisionData: wantsDecisionData(accepted),
      readOnly,
      recordRefusal: ({ kind, text, reason }) =>
        core.recordAction(handle, { kind, text, outcome: 'deny', rule: 'limits', reason }),
    })
    pending.attach((reason) => session.terminate(reason))
    live({ shutdown: () => session.shutdown(gatewayShutdown()), done: session.done })
    log.info({ tls: accepted.tls }, 'session started')
    session.start(leftover, upstream.leftover)
    const reason = await session.done
    abort.abort()
    estimator.close()
    await core.closeSession(handle, reason).catch(() => {})
    log.info({ reason }, 'session ended')
  }

  /** The database a client names in its handshake is decided as its USE would be. */
  function decideDatabase(
    handle: SessionHandle,
    database: string | undefined,
    withData: boolean,
  ): Buffer | undefined {
    if (!database) return undefined
    const payload = encodeTextCommand(Command.COM_INIT_DB, database)
    const { action } = classifyCommand(payload, undefined)!
    const decision = core.decide(handle, action)
    if (decision.outcome === 'allow') return undefined
    return denied(
      decision.outcome === 'deny'
        ? decision
        : {
            ...decision,
            outcome: 'deny',
            code: 'TG_FORBIDDEN',
            reason: `${decision.reason} (an approval cannot be given at login)`,
          },
      withData,
    )
  }

  const listener = new StreamListener({
    listen: resource.listen,
    ...(options.reusePort ? { reusePort: true } : {}),
    logger,
    serve,
  })

  return {
    name: `mysql:${resource.id}`,
    async listen() {
      await loadMysqlParser()
      classifier = createMysqlClassifier()
      const secret = async (ref: SecretRef | undefined, where: string) =>
        ref ? options.resolveSecret(ref, where) : ''
      targetLogin = {
        user: resource.target.user,
        password: await secret(resource.target.password, `resources.${resource.id}.target.password`),
      }
      const tlsOffered = await clientTls(resource, core.config.store.dir)
      secureContext = tlsOffered.context
      core.registerImplicitScope('mysql', MYSQL_IMPLICIT_SCOPE)
      core.registerReclassifier('mysql', mysqlReclassifier(classifier))
      core.registerPlanner('mysql', mysqlPlanStatements(classifier))
      core.registerMaskingProbe(
        resource.id,
        createMysqlMaskingProbe(target, () => targetLogin),
      )
      if (resource.admin) {
        const { admin } = resource
        const accounts = new MysqlAccountProvisioner({
          target,
          admin: {
            user: admin.user,
            password: await secret(admin.password, `resources.${resource.id}.admin.password`),
          },
          accountHost: admin.accountHost,
          maxConnections: admin.maxConnections,
          logger,
        })
        provisioner = accounts
        core.registerProvisioner(resource.id, accounts)
        sweep = setInterval(() => {
          accounts
            .dropExpired(core.clock.now())
            .catch((error: unknown) => logger.warn({ err: String(error) }, 'expired account sweep failed'))
        }, options.sweepIntervalMs ?? 60_000)
        sweep.unref()
      }
      // Policy when the target is down at start: the gateway starts (other resources keep working) and
      // learns the version at the first client instead, each client refused until the target answers.
      await targetHandshake().catch((error: unknown) =>
        logger.warn(
          { code: toTaskgateError(error).code },
          'target unreachable at start: version unknown yet',
        ),
      )
      const address = await listener.listen()
      const { certificateAuthority } = tlsOffered
      return certificateAuthority ? { ...address, certificateAuthority } : address
    },
    drain: () => listener.drain(),
    async close() {
      if (sweep) clearInterval(sweep)
      await listener.close()
    },
  }
}

/** The client sent the connection attribute that asks for decision data in taskgate's ERR packets. */
const wantsDecisionData = (client: AcceptedMysqlClient): boolean =>
  client.attributes.some(([key, value]) => key === DECISION_DATA_ATTRIBUTE && value === '1')

type StreamListenerServe = ConstructorParameters<typeof StreamListener>[0]['serve']

function verifiersOf(credential: Credential | undefined): MysqlVerifiers | undefined {
  const v = credential?.verifiers.mysql
  if (!v?.mysqlNativePassword || !v.cachingSha2Password) return undefined
  return {
    mysqlNativePassword: Buffer.from(v.mysqlNativePassword, 'hex'),
    cachingSha2Password: Buffer.from(v.cachingSha2Password, 'hex'),
  }
}

/** An ERR sent in place of the handshake has no SQLSTATE (CLIENT_PROTOCOL_41 is not agreed yet): 0xFF, the
 * error number, the message. */
function beforeHandshake(err: Buffer): Buffer {
  const parsed = parseErrPacket(err)
  const code = Buffer.alloc(3)
  code[0] = 0xff
  code.writeUInt16LE(parsed.errorCode, 1)
  return Buffer.concat([code, Buffer.from(parsed.message, 'utf8')])
}
