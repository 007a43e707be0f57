// A whole gateway (startGateway, as `taskgate serve` runs it) with one MySQL resource in front of the
// machine's MariaDB (127.0.0.1:3306, root), a throwaway database with a table of customers, an agent whose
// policy auto-approves what it asks, and an approver group for held statements.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import pino from 'pino'
import { parseConfigText } from '../../src/config/load.ts'
import type { Grant, IssuedCredential, Principal } from '../../src/core/index.ts'
import { type Gateway, startGateway } from '../../src/main.ts'

export interface MysqlGateway extends AsyncDisposable {
  gateway: Gateway
  resourceId: string
  database: string
  port: number
  agent: Principal
  approver: Principal
  admin: Principal
  /** The key of the configured agent (in the agents group), for the CLI. */
  agentKey: string
  grant(scope: string): Promise<{ grant: Grant; credential: IssuedCredential }>
  /** A mysql2 connection with a credential (plain unless `ssl`). */
  connect(credential: IssuedCredential, options?: { ssl?: boolean }): Promise<mysql.Connection>
  /** As root, straight to the server (setup and checks). */
  root(): Promise<mysql.Connection>
}

export async function startMysqlGateway(
  options: {
    extraConfig?: string
    /** Ephemeral accounts per grant, made by root. */
    admin?: boolean
    /** The target's port instead of 3306 (a closed one: the target is down). */
    targetPort?: number
    /** Another MariaDB on this port (start-mariadb.ts) for everything: setup, root and target. */
    serverPort?: number
    /** The resource's `clients` settings, as YAML flow mapping content (`maxStatementBytes: 2048`). */
    clients?: string
    /** Log in upstream as an account of its own with this password (all privileges on the database only),
     * instead of root without one. */
    targetPassword?: string
    /** More of the listen flow mapping (`proxyProtocol: { trustedSources: [127.0.0.1] }`). */
    listenYaml?: string
  } = {},
): Promise<MysqlGateway> {
  const suffix = randomBytes(3).toString('hex')
  const database = `tg_seam_${suffix}`
  const resourceId = `my-${suffix}`
  const serverPort = options.serverPort ?? 3306
  const root = () => mysql.createConnection({ host: '127.0.0.1', port: serverPort, user: 'root' })
  const setup = await root()
  await setup.query(`CREATE DATABASE ${database}`)
  await setup.query(
    `CREATE TABLE ${database}.customers (id INT PRIMARY KEY, name VARCHAR(50), email VARCHAR(100))`,
  )
  await setup.query(
    `INSERT INTO ${database}.customers VALUES (1, 'Ada', 'ada@example.com'), (2, 'Grace', 'grace@example.com')`,
  )
  const targetUser = options.targetPassword ? `tg_tgt_${suffix}` : 'root'
  if (options.targetPassword) {
    await setup.query(`CREATE USER ${targetUser}@'127.0.0.1' IDENTIFIED BY ?`, [options.targetPassword])
    await setup.query(`GRANT ALL ON ${database}.* TO ${targetUser}@'127.0.0.1'`)
  }
  const passwordVariable = `TG_TEST_TARGET_PW_${suffix.toUpperCase()}`
  if (options.targetPassword) process.env[passwordVariable] = options.targetPassword
  await setup.end()
  const dir = await mkdtemp(join(tmpdir(), 'tg-my-'))
  const config = parseConfigText(
    `
store: { dir: ${JSON.stringify(join(dir, 'data'))} }
api: { listen: { host: 127.0.0.1, port: 0 } }
agents:
  - { name: bot-${suffix}, groups: [agents-${suffix}] }
resources:
  - id: ${resourceId}
    kind: mysql
    listen: { host: 127.0.0.1, port: 0${options.listenYaml ? `, ${options.listenYaml}` : ''} }
    target: { host: 127.0.0.1, port: ${options.targetPort ?? serverPort}, user: ${targetUser}${options.targetPassword ? `, password: { env: ${passwordVariable} }` : ''}, database: ${database}, tls: disable }
${options.admin ? '    admin: { user: root, accountHost: 127.0.0.1 }' : ''}
${options.clients ? `    clients: { ${options.clients} }` : ''}
policies:
  - group: agents-${suffix}
    resources: [${resourceId}]
    ceiling: ["*:*"]
    autoApprove: ["*:*"]
    approvers: [dbas-${suffix}]
    maxTtl: 1h
${options.extraConfig?.replaceAll('$DB', database).replaceAll('$APPROVERS', `dbas-${suffix}`) ?? ''}
`,
    'mysql-test.yaml',
  )
  const gateway = await startGateway({
    config,
    logger: pino({ level: process.env.TASKGATE_TEST_LOG ?? 'silent' }),
  })
  const port = gateway.resources.get(resourceId)!.port
  const principal = (name: string, group: string): Principal => ({
    id: `sa:${name}-${suffix}`,
    kind: 'agent',
    name: `${name}-${suffix}`,
    groups: [group],
    via: 'service-account',
  })
  const agent = principal('agent', `agents-${suffix}`)
  const approver = principal('dba', `dbas-${suffix}`)
  const admin: Principal = { ...principal('admin', 'taskgate-admins'), kind: 'admin' }
  return {
    gateway,
    resourceId,
    database,
    port,
    agent,
    approver,
    admin,
    agentKey: gateway.createdKeys.get(`bot-${suffix}`)!,
    async grant(scope) {
      const result = await gateway.core.requestGrant(agent, {
        resourceId,
        scope: scope.replaceAll('$DB', database),
        task: 'mysql integration test',
        ttl: '10m',
      })
      if (!result.credential) throw new Error(`grant not issued: ${result.grant.status}`)
      return { grant: result.grant, credential: result.credential }
    },
    connect: (credential, connectOptions = {}) =>
      mysql.createConnection({
        host: '127.0.0.1',
        port,
        user: credential.connection.user,
        password: credential.connection.password,
        database,
        ...(connectOptions.ssl ? { ssl: { rejectUnauthorized: false } } : {}),
      }),
    root,
    async [Symbol.asyncDispose]() {
      await gateway.close()
      const cleanup = await root()
      await cleanup.query(`DROP DATABASE IF EXISTS ${database}`)
      if (options.targetPassword) await cleanup.query(`DROP USER IF EXISTS ${targetUser}@'127.0.0.1'`)
      await cleanup.end()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
