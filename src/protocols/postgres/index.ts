// The PostgreSQL protocol server for one resource, on the stream kit: the kit's listener accepts clients,
// front.ts logs them in, the kit opens the core session, back.ts logs in upstream as the grant's ephemeral
// role or the configured user, then session.ts relays.
import type net from 'node:net'
import type { Logger } from 'pino'
import type { PostgresResourceConfig, SecretRef } from '../../config/schema.ts'
import { type Core, parseDurationSeconds, toTaskgateError } from '../../core/index.ts'
import { openPendingSession, type PendingSession } from '../kit/open-session.ts'
import { SchemaChanges } from '../kit/schema-changes.ts'
import { clientTls } from '../kit/secure-context.ts'
import { type LiveSession, StreamListener } from '../kit/stream-listener.ts'
import type { ProcessPeers, ProtocolServer } from '../protocol-server.ts'
import { connectUpstream, type Upstream, type UpstreamLogin } from './back.ts'
import { CancelKeys } from './cancel-keys.ts'
import { type Classifier, createClassifier, loadSqlParser } from './classify.ts'
import { decideStartup } from './decide-startup.ts'
import { gatewayShutdown, grantEnded, taskgateErrorFields, upstreamFailed } from './errors.ts'
import { acceptClient, type FrontOptions } from './front.ts'
import { FunctionNames } from './function-names.ts'
import { isReadOnlyScope, POSTGRES_IMPLICIT_SCOPE } from './implicit-scope.ts'
import { createMaskingProbe } from './masking-probe.ts'
import { planStatementsWith } from './plan-statements.ts'
import { RoleProvisioner } from './provisioner.ts'
import { RowEstimator } from './row-estimator.ts'
import { RelaySession } from './session.ts'
import { sendCancelRequest, terminateBackend } from './stop-backend.ts'
import { TableCatalog } from './table-catalog.ts'
import { poolKey, UpstreamPool } from './upstream-pool.ts'
import {
  serializeBackendKeyData,
  serializeErrorResponse,
  serializeReadyForQuery,
} from './wire/server-messages.ts'

export interface PostgresServerOptions {
  core: Core
  resource: PostgresResourceConfig
  logger: Logger
  /** Reads a secret reference from the configuration (main.ts passes config/load.ts's). */
  resolveSecret?: (ref: SecretRef, where: string) => Promise<string>
  /** Largest client message accepted; the protocol's own limit is 1 GiB. Default: the resource's
   * clients.maxMessageBytes. */
  maxMessageBytes?: number
  /** Overrides of the resource's clients.* limits (tests). */
  incompleteMessageTimeoutMs?: number
  maxStatementBytes?: number
  maxStatementsPerQuery?: number
  authMethod?: FrontOptions['authMethod']
  requireTls?: boolean
  authTimeoutMs?: number
  /** Listen with SO_REUSEPORT, sharing the port with the other gateway processes. */
  reusePort?: boolean
  /** The other gateway processes: a CancelRequest may reach a process other than its session's. */
  peers?: ProcessPeers
}

export function createPostgresServer(options: PostgresServerOptions): ProtocolServer {
  const { core, resource, logger } = options
  const cancelTopic = `postgres.cancel:${resource.id}`
  const { peers } = options
  const cancelKeys = new CancelKeys(
    peers &&
      ((processId, secretKey) =>
        peers.broadcast(cancelTopic, { processId, secretKey: secretKey.toString('hex') })),
  )
  peers?.on(cancelTopic, (payload) => {
    const { processId, secretKey } = payload as { processId: number; secretKey: string }
    void cancelKeys.cancel(processId, Buffer.from(secretKey, 'hex'), true)
  })
  const pool = new UpstreamPool(logger)
  let unsubscribe: (() => void) | undefined
  let front: FrontOptions | undefined
  let provisioner: RoleProvisioner | undefined
  let targetLogin: UpstreamLogin = { user: resource.target.user }
  let classifier: Classifier | undefined
  // DDL through any session of the resource (in any gateway process) empties every lineage cache.
  const schemaTopic = `postgres.schema:${resource.id}`
  const changes = new SchemaChanges(peers && (() => peers.broadcast(schemaTopic, {})))
  peers?.on(schemaTopic, () => changes.heard())
  // Masking's metadata lookups and tests log in as the gateway's own target account.
  const catalog = new TableCatalog(resource.target, () => targetLogin, changes)
  // Function OIDs are per database: one name cache per catalog (per database the resource serves).
  const functionNames = new WeakMap<TableCatalog, FunctionNames>()
  const functionsOf = (c: TableCatalog): FunctionNames => {
    const known = functionNames.get(c)
    if (known !== undefined) return known
    const names = new FunctionNames(c)
    functionNames.set(c, names)
    return names
  }
  // Table OIDs are per database: a session in another of the resource's databases learns its names there.
  const otherCatalogs = new Map(
    resource.databases
      .filter((name) => name !== resource.target.database)
      .map((name) => [
        name,
        new TableCatalog({ ...resource.target, database: name }, () => targetLogin, changes),
      ]),
  )

  async function serve(raw: net.Socket, live: (session: LiveSession) => void): Promise<void> {
    const accepted = await acceptClient(raw, front!)
    if (!accepted) return
    const { socket, context } = accepted
    socket.on('error', (error) => logger.debug({ err: error.message }, 'client socket error'))
    let pending: PendingSession
    try {
      pending = await openPendingSession(core, {
        context,
        protocol: 'postgres',
        client: `${raw.remoteAddress}:${raw.remotePort}`,
      })
    } catch (error) {
      // Over a session limit (53300, as PostgreSQL's own max_connections), or the store cannot record it.
      const failure = toTaskgateError(error)
      logger.info({ code: failure.code, grantId: context.grant.id }, 'session refused')
      socket.end(serializeErrorResponse(taskgateErrorFields(failure, 'FATAL')))
      return
    }
    const { handle } = pending
    const log = logger.child({
      sessionId: handle.id,
      grantId: context.grant.id,
      principal: context.grant.principalName,
    })
    const startup = decideStartup(core, handle, classifier!, resource, accepted.params)
    if ('refused' in startup) {
      log.info({ reason: startup.reason }, 'startup refused')
      socket.end(serializeErrorResponse(startup.refused))
      await core.closeSession(handle, startup.reason).catch(() => {})
      return
    }
    let upstream: Upstream
    let login: UpstreamLogin
    let reuseKey: string
    try {
      login = provisioner ? await provisioner.loginFor(context.grant) : targetLogin
      const readOnly = isReadOnlyScope(context.grant.scope)
      const { database, settings } = startup
      reuseKey = poolKey({ grantId: context.grant.id, user: login.user, database, readOnly, settings })
      upstream =
        pool.take(reuseKey) ??
        (await connectUpstream(resource.target, login, { readOnly, database, settings }))
    } catch (error) {
      const failure = toTaskgateError(error)
      log.warn({ code: failure.code, detail: failure.detail }, 'upstream login failed')
      socket.end(upstreamFailed('connect'))
      await core.closeSession(handle, 'upstream unavailable').catch(() => {})
      return
    }
    const ended = pending.endedBeforeRelay
    if (ended !== undefined) {
      socket.end(grantEnded(ended))
      upstream.socket.destroy()
      await core.closeSession(handle, `grant ended: ${ended}`).catch(() => {})
      return
    }
    const key = cancelKeys.register({
      host: resource.target.host,
      port: resource.target.port,
      processId: upstream.processId,
      secretKey: upstream.secretKey,
    })
    socket.write(
      Buffer.concat([
        ...upstream.startupFrames,
        serializeBackendKeyData(key.processId, key.secretKey),
        serializeReadyForQuery('I'),
      ]),
    )
    const session = new RelaySession({
      core,
      handle,
      client: socket,
      upstream: upstream.socket,
      logger: log,
      maxMessageBytes: options.maxMessageBytes ?? resource.clients.maxMessageBytes,
      limits: {
        incompleteMessageTimeoutMs:
          options.incompleteMessageTimeoutMs ??
          parseDurationSeconds(resource.clients.incompleteMessageTimeout) * 1000,
        maxStatementBytes: options.maxStatementBytes ?? resource.clients.maxStatementBytes,
        maxStatementsPerQuery: options.maxStatementsPerQuery ?? resource.clients.maxStatementsPerQuery,
      },
      classifier: classifier!,
      catalog: otherCatalogs.get(startup.database) ?? catalog,
      changes,
      functions: functionsOf(otherCatalogs.get(startup.database) ?? catalog),
      // Logged in as the session, so EXPLAIN sees what the session may see; it connects on first use.
      estimator: new RowEstimator({ ...resource.target, database: startup.database }, login, log),
      stopUpstream: {
        cancel: () => sendCancelRequest(resource.target, upstream.processId, upstream.secretKey),
        terminate: () => terminateBackend(resource.target, startup.database, login, upstream.processId),
      },
      release: (socket) => void pool.release(reuseKey, { ...upstream, socket }),
    })
    pending.attach((reason, ending) => session.terminate(reason, ending))
    live({ shutdown: () => session.stop(gatewayShutdown()), done: session.done })
    log.info({ tls: accepted.tls }, 'session started')
    session.start(accepted.leftover, upstream.leftover)
    const reason = await session.done
    key.release()
    log.info({ reason }, 'session ended')
  }

  const listener = new StreamListener({
    listen: resource.listen,
    ...(options.reusePort !== undefined ? { reusePort: options.reusePort } : {}),
    logger,
    serve,
  })

  return {
    name: `postgres:${resource.id}`,
    async listen() {
      await loadSqlParser()
      classifier = createClassifier()
      const secret = async (ref: SecretRef | undefined, where: string) =>
        ref && options.resolveSecret ? options.resolveSecret(ref, where) : undefined
      targetLogin = {
        user: resource.target.user,
        password: await secret(resource.target.password, `resources.${resource.id}.target.password`),
      }
      core.registerImplicitScope('postgres', POSTGRES_IMPLICIT_SCOPE)
      // A cache of its own: replaying a week of statements must not evict the live sessions' entries.
      const replayClassifier = createClassifier()
      core.registerReclassifier('postgres', (text) => replayClassifier.classify(text))
      core.registerPlanner('postgres', planStatementsWith(replayClassifier))
      unsubscribe = core.subscribe('grant_changed', (grantId) => pool.dropGrant(grantId))
      core.registerMaskingProbe(
        resource.id,
        createMaskingProbe(resource.target, () => targetLogin, catalog),
      )
      if (resource.admin) {
        provisioner = new RoleProvisioner({
          resource,
          adminPassword: await secret(resource.admin.password, `resources.${resource.id}.admin.password`),
          logger,
        })
        core.registerProvisioner(resource.id, provisioner)
      }
      const tlsOffered = await clientTls(resource, core.config.store.dir)
      front = {
        core,
        resourceId: resource.id,
        secureContext: tlsOffered.context,
        cancelKeys,
        logger,
        authMethod: options.authMethod ?? 'scram-sha-256',
        requireTls: options.requireTls ?? false,
        authTimeoutMs: options.authTimeoutMs ?? 60_000,
      }
      const address = await listener.listen()
      const { certificateAuthority } = tlsOffered
      return certificateAuthority ? { ...address, certificateAuthority } : address
    },
    drain: () => listener.drain(),
    async close() {
      await listener.close()
      unsubscribe?.()
      pool.close()
      await Promise.all([catalog, ...otherCatalogs.values()].map((c) => c.close()))
    },
  }
}
