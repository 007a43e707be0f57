// Composition root: loads config, picks the store backend, builds core, starts each resource's engine (the
// one its kind names in engines.ts) and the control-plane API. With engines.ts, the only module that imports
// store backends and protocols/*/index.ts; it names no protocol.
import { access, chmod, readdir, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import pino, { type Logger } from 'pino'
import { createApiServer, createPrometheusMetrics, type ProcessMetrics } from './api/index.ts'
import { unmatchedGroupWarnings } from './config/config-warnings.ts'
import { listenFailure } from './config/listen-failure.ts'
import { loadConfig, resolveSecret } from './config/load.ts'
import { type Config, oidcSettings } from './config/schema.ts'
import {
  type Clock,
  type Core,
  createCore,
  createNotifier,
  createOidcVerifier,
  isTaskgateError,
  parseDurationSeconds,
  resolveAuditSinks,
  resolveNotificationTargets,
  scheduleRetention,
  startAuditExporter,
  systemClock,
  TaskgateError,
} from './core/index.ts'
import { createEngine } from './engines.ts'
import { createMcpHttpHandler } from './mcp/index.ts'
import type { ProcessPeers, ProtocolServer } from './protocols/protocol-server.ts'
import { openStore as openStoreBackend } from './store/open-store.ts'
import { makePrivateDir, refuseExposedFiles } from './store/private-files.ts'
import type { Store } from './store/store.ts'
import { startWaitingForStore } from './store-startup-wait.ts'
import { tracesEnabled } from './telemetry/trace-settings.ts'
import {
  announceWorkerReady,
  answerMetricsRequests,
  PrimaryPeers,
  requestWorkerMetrics,
  shareStoreEvents,
  workerCount,
  workerPeers,
  workerRole,
} from './workers.ts'

/** When this module's imports had all loaded (the first thing it runs). */
const startupMark = performance.now()

export interface GatewayOptions {
  config: Config
  configPath?: string
  logger?: Logger
  clock?: Clock
  /** Print first-start keys to this stream (npm start prints them; tests usually read the files). */
  announce?: (line: string) => void
  sweepIntervalMs?: number
  /** How often an idle audit export sink looks for new entries (1 s by default; tests shorten it). */
  auditExportPollMs?: number
  /** One process of a multi-process gateway (workers.ts); index 0, the primary, bootstraps keys and serves
   * the API. Workers listen on `ports` (what the primary bound), all with SO_REUSEPORT. */
  process?: { index: number; peers: ProcessPeers; ports?: Record<string, number> }
}

export interface Gateway {
  core: Core
  store: Store
  api: { url: string }
  /** Where each resource listens, by resource id. */
  resources: Map<string, { host: string; port: number }>
  /** Keys created at this start, by account name (admin, config agents); empty on later starts. */
  createdKeys: Map<string, string>
  keysDir: string
  /** A graceful stop's first half: the listeners stop accepting and readiness turns 503; resolves true once
   * every live session has ended on its own, false when `deadlineMs` passed first (close() then ends the rest
   * with their protocol's own error). The API keeps serving meanwhile: a held statement still gets its
   * approver. */
  drain(deadlineMs: number): Promise<boolean>
  close(): Promise<void>
}

/** startGateway, tried again while the store is unreachable or busy, for `store.startupWait` (how
 * `taskgate serve` and `node src/main.ts` start; tests call startGateway to see the first failure). */
export function startGatewayWhenStoreReady(options: GatewayOptions): Promise<Gateway> {
  const logger = options.logger ?? gatewayLogger(undefined)
  const waitMs = parseDurationSeconds(options.config.store.startupWait) * 1000
  return startWaitingForStore(() => startGateway({ ...options, logger }), { waitMs, logger })
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
  const { config } = options
  const logger = options.logger ?? gatewayLogger(undefined)
  const announce = options.announce ?? (() => {})
  const role = options.process
  const primary = role === undefined || role.index === 0
  if (primary)
    for (const warning of unmatchedGroupWarnings(config)) logger.warn({ config: warning }, 'config warning')
  // Milliseconds since the process started at each step, logged with "taskgate started": where a slow start
  // (a replica restarted on a loaded host) spent its time.
  const startup: Record<string, number> = { modulesLoaded: Math.round(startupMark) }
  const mark = (step: string) => {
    startup[step] = Math.round(performance.now())
  }
  let store = await openStore(config, role === undefined)
  mark('storeOpened')
  if (role && store.backend === 'embedded') store = shareStoreEvents(store, role.peers)
  const closers: Array<() => Promise<void>> = [() => store.close()]
  const closeAll = async () => {
    for (const close of closers.reverse())
      await close().catch((error: unknown) => logger.error({ err: error }, 'error while stopping'))
  }
  try {
    // Every process counts what it runs; the primary's /metrics adds the workers' counts up (workers.ts).
    const metrics = createPrometheusMetrics()
    // Traces are off by default, and then the OpenTelemetry SDK is not even loaded. On, they are set up
    // first and stopped last, so the spans of the stop still leave.
    const tracing = tracesEnabled(config.telemetry.traces, process.env)
      ? await (await import('./telemetry/start-tracing.ts')).startTracing({
          config: config.telemetry.traces,
          env: process.env,
          logger: logger.child({ component: 'traces' }),
          resolveSecret,
          storeBackend: store.backend,
          onExport: (result, spans) => metrics.traceSpansExported(result, spans),
        })
      : undefined
    if (tracing) closers.push(() => tracing.close())
    const oidc = oidcSettings(config.identity)
    const verifier = oidc ? createOidcVerifier(oidc, options.clock ?? systemClock) : undefined
    const notifier = createNotifier({
      onSettled: (target, outcome) => metrics.notificationSettled(target, outcome),
      targets: await resolveNotificationTargets(config.notifications, resolveSecret),
      clock: options.clock ?? systemClock,
      logger: logger.child({ component: 'notify' }),
      ...(config.api.publicUrl ? { publicUrl: config.api.publicUrl } : {}),
      slackInteractive: config.approvals.slack !== undefined,
    })
    closers.push(() => notifier.close())
    const maskingHashKey = config.masking.hashKey
      ? await resolveSecret(config.masking.hashKey, 'masking.hashKey')
      : undefined
    const identitySecrets = await resolveIdentitySecrets(config)
    // SIEM export runs in the primary only: one reader per sink keeps each sink's entries in order.
    const auditSinks =
      primary && config.audit.sinks.length > 0
        ? await resolveAuditSinks(config.audit.sinks, resolveSecret, options.clock ?? systemClock)
        : []
    const exporter =
      auditSinks.length > 0
        ? startAuditExporter({
            store,
            sinks: auditSinks,
            clock: options.clock ?? systemClock,
            logger: logger.child({ component: 'audit-export' }),
            ...(options.auditExportPollMs ? { pollIntervalMs: options.auditExportPollMs } : {}),
          })
        : undefined
    if (exporter) {
      closers.push(() => exporter.close())
      metrics.readAuditSinksFrom(() => exporter.status())
    }
    const auditCheckpointKey = config.retention.checkpointKey
      ? await resolveSecret(config.retention.checkpointKey, 'retention.checkpointKey')
      : undefined
    const core = createCore({
      config,
      store,
      logger,
      metrics,
      ...(tracing ? { tracer: tracing.core } : {}),
      ...(auditCheckpointKey ? { auditCheckpointKey } : {}),
      ...(identitySecrets.tokenSigningKey ? { gatewayTokenKey: identitySecrets.tokenSigningKey } : {}),
      ...(exporter ? { auditSinkStatus: () => exporter.status() } : {}),
      ...(maskingHashKey ? { maskingHashKey } : {}),
      approvalListeners: [(type, approval) => notifier.notify({ type, approval })],
      ...(options.clock ? { clock: options.clock } : {}),
      ...(verifier ? { verifyOidc: (token: string) => verifier.verify(token) } : {}),
      ...(options.sweepIntervalMs ? { sweepIntervalMs: options.sweepIntervalMs } : {}),
    })
    closers.push(() => core.close())
    if (primary && (config.retention.audit || config.retention.recordings.length > 0)) {
      const retention = scheduleRetention(
        core,
        systemPrincipal(config),
        parseDurationSeconds(config.retention.interval) * 1000,
        logger.child({ component: 'retention' }),
      )
      closers.push(async () => retention.stop())
    }
    mark('coreBuilt')
    if (primary)
      await core.audit({
        type: 'config.loaded',
        actor: 'system',
        data: { file: options.configPath ?? '(in memory)', resources: config.resources.map((r) => r.id) },
      })

    const keysDir = resolve(config.store.dir, 'keys')
    if (primary) await refuseExposedKeys(keysDir)
    const createdKeys = primary
      ? await bootstrapAccounts(store, core, config, keysDir, announce)
      : new Map<string, string>()

    mark('accountsChecked')
    const resources = new Map<string, { host: string; port: number }>()
    const servers: ProtocolServer[] = []
    const drain = (deadlineMs: number) => drainServers(core, servers, deadlineMs, logger)
    for (const [index, configured] of config.resources.entries()) {
      const port = role?.ports?.[configured.id]
      const resource =
        port === undefined ? configured : { ...configured, listen: { ...configured.listen, port } }
      const where = {
        key: `resources[${index}].listen.port`,
        what: `of resource ${resource.id}`,
        ...resource.listen,
      }
      // SO_REUSEPORT would let a second gateway started by mistake share the port silently: the primary
      // makes sure nobody listens there first.
      if (role && primary)
        await assertPortFree(resource.listen).catch((error: unknown) => {
          throw listenFailure(error, where)
        })
      const server: ProtocolServer = await createEngine({
        core,
        resource,
        logger: logger.child({ resource: resource.id }),
        resolveSecret,
        ...(role ? { reusePort: true, peers: role.peers } : {}),
      })
      closers.push(() => server.close())
      servers.push(server)
      const address = await server.listen().catch((error: unknown) => {
        throw listenFailure(error, where)
      })
      resources.set(resource.id, address)
      // Behind a load balancer, grants name the balancer (listen.advertise), not this replica; an engine's
      // certificate authority (Kubernetes kubeconfigs embed it) stays.
      core.setResourceAddress(
        resource.id,
        resource.listen.advertise ? { ...address, ...resource.listen.advertise } : address,
      )
      logger.info({ resource: resource.id, ...address }, 'resource listening')
    }
    mark('resourcesListening')
    metrics.readFrom(() => core.operationalCounts())
    if (!primary) {
      if (role) answerMetricsRequests(role.peers, () => metrics.snapshot())
      logger.info({ store: store.backend }, 'taskgate worker started')
      return { core, store, api: { url: '' }, resources, createdKeys, keysDir, drain, close: closeAll }
    }

    const mcp = createMcpHttpHandler({ core, logger })
    const api = createApiServer({
      core,
      logger,
      listen: config.api.listen,
      ...(config.api.tls ? { tls: config.api.tls } : {}),
      mcp,
      ...(tracing ? { tracing } : {}),
      metrics: {
        contentType: metrics.contentType,
        ...(config.api.metricsToken
          ? { token: await resolveSecret(config.api.metricsToken, 'api.metricsToken') }
          : {}),
        render: async () =>
          metrics.render(
            role?.peers instanceof PrimaryPeers
              ? ((await requestWorkerMetrics(role.peers)) as ProcessMetrics[])
              : [],
          ),
      },
      consoleDir: fileURLToPath(new URL('../web/dist', import.meta.url)),
      // Console sessions and sign-ins in flight, shared with every gateway on this store (replicas).
      sharedState: store.sharedState,
      identitySecrets,
      ...(config.approvals.slack
        ? {
            slackSigningSecret: await resolveSecret(
              config.approvals.slack.signingSecret,
              'approvals.slack.signingSecret',
            ),
          }
        : {}),
      ...(config.approvals.slack?.directory
        ? {
            slackBotToken: await resolveSecret(
              config.approvals.slack.directory.botToken,
              'approvals.slack.directory.botToken',
            ),
          }
        : {}),
    })
    closers.push(() => api.close())
    const { url } = await api.listen().catch((error: unknown) => {
      throw listenFailure(error, {
        key: 'api.listen.port',
        what: 'of the control-plane API',
        ...config.api.listen,
      })
    })
    // Runs before api.close(): open MCP event streams would otherwise hold the API open.
    closers.push(() => mcp.close())
    mark('apiListening')
    await core.audit({ type: 'gateway.started', actor: 'system', data: { api: url, store: store.backend } })
    mark('started')
    logger.info({ api: url, store: store.backend, startupMs: startup }, 'taskgate started')
    return { core, store, api: { url }, resources, createdKeys, keysDir, drain, close: closeAll }
  } catch (error) {
    await closeAll()
    throw error
  }
}

async function drainServers(
  core: Core,
  servers: readonly ProtocolServer[],
  deadlineMs: number,
  logger: Logger,
): Promise<boolean> {
  core.beginDrain()
  logger.info({ deadlineMs }, 'draining: not accepting new sessions; live ones may finish')
  let timer: NodeJS.Timeout | undefined
  const deadline = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), deadlineMs)
  })
  const drained = await Promise.race([Promise.all(servers.map((s) => s.drain())).then(() => true), deadline])
  clearTimeout(timer)
  logger.info(
    { drained },
    drained ? 'drained: every session ended' : 'drain deadline passed: closing the sessions still open',
  )
  return drained
}

/** How long a SIGTERM lets live sessions finish (`shutdown.drainTimeout`). */
function drainDeadlineMs(config: Config): number {
  return parseDurationSeconds(config.shutdown.drainTimeout) * 1000
}

function assertPortFree(listen: { host: string; port: number }): Promise<void> {
  if (listen.port === 0) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once('error', reject)
    probe.listen(listen.port, listen.host, () => probe.close(() => resolve()))
  })
}

/** `alone`: this is the gateway's only process, so the embedded store may hold its file exclusively. */
async function openStore(config: Config, alone: boolean): Promise<Store> {
  const url =
    process.env.TASKGATE_DATABASE_URL ??
    (config.store.databaseUrl
      ? await resolveSecret(config.store.databaseUrl, 'store.databaseUrl')
      : undefined)
  return openStoreBackend({
    databaseUrl: url,
    poolSize: config.store.poolSize,
    dir: config.store.dir,
    exclusive: alone,
  })
}

/** The gateway itself, acting as an administrator (bootstrap, scheduled retention). */
function systemPrincipal(config: Config) {
  return {
    id: 'system',
    kind: 'admin' as const,
    name: 'system',
    groups: config.identity.adminGroups,
    via: 'local' as const,
  }
}

/**
 * First start: creates the local admin and the agents named in the config, writing each key once to
 * <store.dir>/keys/<name>.key (0600). Only hashes are stored; a lost key is rotated with `taskgate agents`.
 */
async function bootstrapAccounts(
  store: Store,
  core: Core,
  config: Config,
  keysDir: string,
  announce: (line: string) => void,
) {
  const created = new Map<string, string>()
  const system = systemPrincipal(config)
  const wanted = [
    {
      name: 'admin',
      groups: [config.identity.adminGroups[0] ?? 'taskgate-admins'],
      kind: 'service' as const,
    },
    ...config.agents.map((a) => ({ name: a.name, groups: a.groups, kind: 'agent' as const })),
  ]
  for (const account of wanted) {
    const file = join(keysDir, `${account.name}.key`)
    const label = account.name === 'admin' ? 'local admin' : `agent "${account.name}"`
    if (await store.serviceAccounts.get(account.name)) {
      // A first start that failed after writing the keys (a busy port) printed where they went once, above
      // the error: say it again while the file is there, or nobody finds the admin key.
      if (await fileExists(file)) announce(`${label}: key in ${file} (written at an earlier start)`)
      continue
    }
    const { key } = await core.createServiceAccount(system, account)
    makePrivateDir(keysDir)
    await writeFile(file, `${key}\n`, { mode: 0o600 })
    await chmod(file, 0o600)
    created.set(account.name, key)
    announce(
      `created ${label} (groups ${account.groups.join(', ')}); key written to ${file}${account.name === 'admin' ? ' — sign in to the web console with the key in that file' : ''}`,
    )
  }
  return created
}

async function fileExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  )
}

/** The keys directory and the keys in it are refused at start when other users can read them. */
async function refuseExposedKeys(keysDir: string): Promise<void> {
  const names = await readdir(keysDir).catch(() => [])
  refuseExposedFiles([keysDir, ...names.map((name) => join(keysDir, name))])
}

async function runFromCommandLine(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } },
  })
  if (values.help) {
    process.stdout.write(
      'usage: node src/main.ts --config taskgate.yaml   (same as `taskgate serve --config FILE`;\n' +
        '`taskgate help serve` lists the environment variables, OTEL_* for traces included)\n',
    )
    return
  }
  const configPath = values.config ?? process.env.TASKGATE_CONFIG ?? 'taskgate.yaml'
  const worker = workerRole()
  try {
    const config = await loadConfig(configPath)
    if (worker) return await runWorker(config, configPath, worker)
    const count = workerCount(config.workers)
    const peers = count > 1 ? new PrimaryPeers() : undefined
    const logger = gatewayLogger(count > 1 ? 0 : undefined)
    const gateway = await startGatewayWhenStoreReady({
      config,
      configPath,
      logger,
      announce: (line) => process.stdout.write(`taskgate: ${line}\n`),
      ...(peers ? { process: { index: 0, peers } } : {}),
    })
    let stopping = false
    const stop = async () => {
      if (stopping) return
      stopping = true
      // Workers drain on their own SIGTERM, alongside this process.
      const deadlineMs = drainDeadlineMs(config)
      await Promise.all([peers?.stop(deadlineMs), gateway.drain(deadlineMs)])
      await gateway.close()
      process.exit(0)
    }
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    if (peers) {
      // Workers bind the ports the primary got (a configured port 0 picks one here).
      const ports = Object.fromEntries([...gateway.resources].map(([id, a]) => [id, a.port]))
      await peers.start({ count, script: fileURLToPath(import.meta.url), args: argv, ports, logger })
      logger.info({ workers: count }, 'gateway workers started')
    }
    process.stdout.write(`taskgate: control plane at ${gateway.api.url}\n`)
    for (const [id, a] of gateway.resources)
      process.stdout.write(`taskgate: resource ${id} at ${a.host}:${a.port}\n`)
  } catch (error) {
    process.stderr.write(
      isTaskgateError(error)
        ? `taskgate: error [${error.code}]: ${error.message}\n`
        : `taskgate: ${String(error)}\n`,
    )
    process.exit(1)
  }
}

/** A worker process: the resource listeners only; it stops with the primary (SIGTERM or the IPC channel
 * closing, which also covers a primary killed outright). */
async function runWorker(
  config: Config,
  configPath: string,
  role: { index: number; ports: Record<string, number> },
): Promise<void> {
  const gateway = await startGatewayWhenStoreReady({
    config,
    configPath,
    logger: gatewayLogger(role.index),
    process: { ...role, peers: workerPeers() },
  })
  let stopping = false
  const stop = async (drain: boolean) => {
    if (stopping) return
    stopping = true
    if (drain) await gateway.drain(drainDeadlineMs(config))
    await gateway.close()
    process.exit(0)
  }
  process.once('SIGINT', () => stop(true))
  process.once('SIGTERM', () => stop(true))
  // The primary is gone (killed outright): nobody is left to finish the drain for, stop now.
  process.once('disconnect', () => stop(false))
  announceWorkerReady()
}

/** Logs name the process when there are several (`worker`: 0 is the primary). */
function gatewayLogger(worker: number | undefined): Logger {
  const logger = pino({
    level: process.env.TASKGATE_LOG_LEVEL ?? 'info',
    redact: ['password', '*.password', 'key', '*.key', 'token'],
  })
  return worker === undefined ? logger : logger.child({ worker })
}

if (import.meta.main) await runFromCommandLine(process.argv.slice(2))

/** identity.tokenSigningKey and each SAML provider's SP signing key, read from their secrets once at start. */
async function resolveIdentitySecrets(config: Config) {
  const samlPrivateKeys = new Map<string, string>()
  for (const [index, provider] of config.identity.providers.entries()) {
    if (provider.kind !== 'saml') continue
    samlPrivateKeys.set(
      provider.id,
      await resolveSecret(provider.spPrivateKey, `identity.providers[${index}].spPrivateKey`),
    )
  }
  const ref = config.identity.tokenSigningKey
  const tokenSigningKey = ref ? await resolveSecret(ref, 'identity.tokenSigningKey') : undefined
  // Checked at start, not at the first sign-in: a short key would otherwise fail every SAML sign-in later.
  if (tokenSigningKey !== undefined && tokenSigningKey.length < 32) {
    throw new TaskgateError('TG_CONFIG_INVALID', {
      message: `identity.tokenSigningKey: the secret holds ${tokenSigningKey.length} characters, at least 32 are needed (e.g. \`openssl rand -base64 48\`).`,
    })
  }
  return { samlPrivateKeys, ...(tokenSigningKey ? { tokenSigningKey } : {}) }
}
