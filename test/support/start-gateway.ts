// A gateway for PostgreSQL tests: core on the embedded store in a temp dir, one postgres resource in front
// of a throwaway database, an agent principal whose policy auto-approves anything, and helpers to get a
// grant with its credential and the libpq environment that uses it.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import pino from 'pino'
import { parseConfigText } from '../../src/config/load.ts'
import type { PostgresResourceConfig } from '../../src/config/schema.ts'
import {
  type Core,
  createCore,
  type Grant,
  type IssuedCredential,
  type Principal,
} from '../../src/core/index.ts'
import { createPostgresServer, type PostgresServerOptions } from '../../src/protocols/postgres/index.ts'
import { roleNameFor } from '../../src/protocols/postgres/provisioner.ts'
import { openEmbeddedStore } from '../../src/store/embedded/index.ts'
import type { Store } from '../../src/store/store.ts'
import { ADMIN_URL, createThrowawayDatabase, type ThrowawayDatabase } from './postgres.ts'

export interface PostgresGateway extends AsyncDisposable {
  core: Core
  /** The temp dir the embedded store lives in (unless `openStore` put it elsewhere). */
  storeDir: string
  store: Store
  db: ThrowawayDatabase
  resource: PostgresResourceConfig
  host: string
  port: number
  agent: Principal
  /** Requests (auto-approved) a grant for `scope` and returns it with its credential. */
  grant(scope: string, options?: { ttl?: string }): Promise<{ grant: Grant; credential: IssuedCredential }>
  /** libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE) for a credential. */
  env(credential: IssuedCredential, extra?: Record<string, string>): NodeJS.ProcessEnv
  /** A connection string for node clients. */
  url(credential: IssuedCredential, query?: string): string
}

export interface StartOptions {
  /** Configure `admin` so each grant gets an ephemeral role. */
  admin?: boolean
  /** SQL run in the throwaway database before the gateway starts (as the superuser). */
  setupSql?: string
  server?: Partial<Omit<PostgresServerOptions, 'core' | 'resource' | 'logger'>>
  sweepIntervalMs?: number
  logLevel?: string
  /** YAML appended to the configuration (top-level keys such as `guardrails:`). */
  extraConfig?: string
  /** YAML lines added to the resource's own mapping, indented four spaces (`    databases: [a, b]`). */
  resourceYaml?: string
  /** The resource's `target` as YAML flow mapping, instead of the throwaway database (plain, `tls: prefer`). */
  target?: string
  /** A password for the throwaway database's login (`target.password`, from an environment variable): the
   * server trusts local logins, so it is never checked, but the gateway holds it like a real one. */
  targetPassword?: string
  /** Opens the store instead of the embedded store in `dir` (a temp dir the gateway removes on dispose). */
  openStore?: (dir: string) => Promise<Store>
  reconcileIntervalMs?: number
  /** More of the listen flow mapping (`proxyProtocol: { trustedSources: [127.0.0.1] }`). */
  listenYaml?: string
}

export async function startPostgresGateway(options: StartOptions = {}): Promise<PostgresGateway> {
  const db = await createThrowawayDatabase()
  if (options.setupSql) await db.query(options.setupSql)
  const dir = await mkdtemp(join(tmpdir(), 'tg-pg-'))
  const id = `pg-${Math.random().toString(36).slice(2, 8)}`
  const passwordVariable = `TG_TEST_TARGET_PW_${id.slice(3).toUpperCase()}`
  if (options.targetPassword) process.env[passwordVariable] = options.targetPassword
  const password = options.targetPassword ? `, password: { env: ${passwordVariable} }` : ''
  const config = parseConfigText(
    `
resources:
  - id: ${id}
    kind: postgres
    listen: { host: 127.0.0.1, port: 0${options.listenYaml ? `, ${options.listenYaml}` : ''} }
    target: ${options.target ?? `{ host: ${db.host}, port: ${db.port}, database: ${db.name}, user: ${db.user}${password}, tls: prefer }`}
${options.admin ? `    admin: { user: ${db.user} }` : ''}
${options.resourceYaml ?? ''}
policies:
  - group: agents
    resources: [${id}]
    ceiling: ["*:*"]
    autoApprove: ["*:*"]
    maxTtl: 1h
${options.extraConfig ?? ''}
`,
    'test.yaml',
  )
  const resource = config.resources[0] as PostgresResourceConfig
  const logger = pino({ level: options.logLevel ?? process.env.TASKGATE_TEST_LOG ?? 'silent' })
  const store = await (options.openStore ?? ((d) => openEmbeddedStore({ dir: d })))(dir)
  const core = createCore({
    config,
    store,
    logger,
    sweepIntervalMs: options.sweepIntervalMs ?? 50,
    reconcileIntervalMs: options.reconcileIntervalMs,
  })
  const server = createPostgresServer({ core, resource, logger, ...options.server })
  const address = await server.listen()
  core.setResourceAddress(resource.id, address)
  const agent: Principal = {
    id: `sa:agent-${id}`,
    kind: 'agent',
    name: `agent-${id}`,
    groups: ['agents'],
    via: 'service-account',
  }
  const grantIds: string[] = []
  return {
    core,
    storeDir: dir,
    store,
    db,
    resource,
    host: address.host,
    port: address.port,
    agent,
    async grant(scope, grantOptions = {}) {
      const result = await core.requestGrant(agent, {
        resourceId: resource.id,
        scope,
        task: 'integration test',
        ttl: grantOptions.ttl ?? '10m',
      })
      if (!result.credential) throw new Error(`grant was not issued: ${result.grant.status}`)
      grantIds.push(result.grant.id)
      return { grant: result.grant, credential: result.credential }
    },
    env(credential, extra = {}) {
      return {
        PATH: process.env.PATH,
        PGHOST: address.host,
        PGPORT: String(address.port),
        PGUSER: credential.username,
        PGPASSWORD: credential.password,
        PGDATABASE: resource.target.database,
        PGSSLMODE: 'disable',
        PGCONNECT_TIMEOUT: '5',
        ...extra,
      }
    },
    url(credential, query = '') {
      const u = new URL(`postgres://${address.host}:${address.port}/${resource.target.database}`)
      u.username = credential.username
      u.password = credential.password
      return `${u.toString()}${query ? `?${query}` : ''}`
    },
    async [Symbol.asyncDispose]() {
      // End live grants first so their ephemeral roles (cluster-wide objects) are dropped.
      for (const grantId of grantIds) await core.endGrant(agent, grantId).catch(() => {})
      await server.close()
      await core.close()
      await store.close()
      await sleep(10)
      await rm(dir, { recursive: true, force: true })
      await db[Symbol.asyncDispose]()
      if (options.admin && grantIds.length > 0) {
        const admin = new pg.Client({ connectionString: ADMIN_URL })
        await admin.connect()
        for (const grantId of grantIds)
          await admin.query(`DROP ROLE IF EXISTS ${roleNameFor(grantId)}`).catch(() => {})
        await admin.end()
      }
    },
  }
}
