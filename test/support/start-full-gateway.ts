// A whole gateway as `taskgate serve` runs it (API + PostgreSQL listener, config from a YAML file), in this
// process or as a child process (`node src/main.ts --config FILE`), with an agent and an approver whose
// keys the first start wrote. Used by tests that drive approvals through the API and the CLI.
import { type ChildProcess, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import pino from 'pino'
import { loadConfig } from '../../src/config/load.ts'
import { type Gateway, startGateway } from '../../src/main.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from './postgres.ts'

const MAIN = fileURLToPath(new URL('../../src/main.ts', import.meta.url))

export interface GatewaySetupOptions {
  /** SQL run in the target database first (as the superuser). */
  setupSql?: string
  /** YAML appended at the top level (guardrails, approvals, notifications, ...). */
  extraConfig?: string
  /** A PostgreSQL store shared by several gateways; the embedded store otherwise. */
  storeUrl?: string
}

/** The config file, target database and names one or more gateway processes share. */
export interface GatewaySetup extends AsyncDisposable {
  dir: string
  configPath: string
  db: ThrowawayDatabase
  resourceId: string
  agentName: string
  approverName: string
  /** The keys written at first start (read after the first gateway started). */
  keys(): Promise<{ admin: string; agent: string; approver: string }>
}

export async function prepareGateway(options: GatewaySetupOptions = {}): Promise<GatewaySetup> {
  const suffix = randomBytes(3).toString('hex')
  const dir = await mkdtemp(join(tmpdir(), 'tg-full-'))
  const db = await createThrowawayDatabase()
  if (options.setupSql) await db.query(options.setupSql)
  const resourceId = `pg-${suffix}`
  const agentName = `bot-${suffix}`
  const approverName = `dba-${suffix}`
  let store = `store: { dir: ${JSON.stringify(join(dir, 'data'))} }`
  if (options.storeUrl) {
    await writeFile(join(dir, 'store-url'), options.storeUrl, { mode: 0o600 })
    store = `store: { dir: ${JSON.stringify(join(dir, 'data'))}, databaseUrl: { file: ${JSON.stringify(join(dir, 'store-url'))} } }`
  }
  const yaml = `
${store}
api: { listen: { host: 127.0.0.1, port: 0 }, publicUrl: "https://taskgate.example.test" }
agents:
  - { name: ${agentName}, groups: [agents-${suffix}] }
  - { name: ${approverName}, groups: [dbas-${suffix}] }
resources:
  - id: ${resourceId}
    kind: postgres
    listen: { host: 127.0.0.1, port: 0 }
    target: { host: ${db.host}, port: ${db.port}, database: ${db.name}, user: ${db.user}, tls: disable }
policies:
  - group: agents-${suffix}
    resources: [${resourceId}]
    ceiling: ["*:*"]
    autoApprove: ["*:*"]
    approvers: [dbas-${suffix}]
    maxTtl: 1h
${(options.extraConfig ?? '').replaceAll('{dbas}', `dbas-${suffix}`)}
`
  const configPath = join(dir, 'taskgate.yaml')
  await writeFile(configPath, yaml)
  const key = async (name: string) =>
    (await readFile(join(dir, 'data', 'keys', `${name}.key`), 'utf8')).trim()
  return {
    dir,
    configPath,
    db,
    resourceId,
    agentName,
    approverName,
    keys: async () => ({
      admin: await key('admin'),
      agent: await key(agentName),
      approver: await key(approverName),
    }),
    async [Symbol.asyncDispose]() {
      await db[Symbol.asyncDispose]()
      await rm(dir, { recursive: true, force: true })
    },
  }
}

/** A running gateway: its API URL and where the resource listens. */
export interface RunningGateway extends AsyncDisposable {
  api: string
  resource: { host: string; port: number }
  /** Only for an in-process gateway. */
  gateway?: Gateway
  /** Only for a child process: sends `signal` and resolves once it exited. */
  kill?(signal: NodeJS.Signals): Promise<void>
  /** Only for a child process: its pid (the primary's, with `workers`). */
  pid?: number
}

/** `storeShared`: open the embedded store as one of several processes would (not exclusively), so a test
 * can reach its file behind the gateway's back while it runs. */
export async function startInProcess(
  setup: GatewaySetup,
  options: { storeShared?: boolean } = {},
): Promise<RunningGateway> {
  const config = await loadConfig(setup.configPath)
  const gateway = await startGateway({
    config,
    configPath: setup.configPath,
    logger: pino({ level: process.env.TASKGATE_TEST_LOG ?? 'silent' }),
    sweepIntervalMs: 100,
    ...(options.storeShared ? { process: { index: 0, peers: { broadcast() {}, on() {} } } } : {}),
  })
  return {
    api: gateway.api.url,
    resource: gateway.resources.get(setup.resourceId)!,
    gateway,
    [Symbol.asyncDispose]: () => gateway.close(),
  }
}

/** `node src/main.ts --config FILE` as its own process; resolves once it prints where it listens. */
/** `env`: variables added to the child's environment (OTEL_* for the traces tests). */
export async function startChildProcess(
  setup: GatewaySetup,
  options: { env?: Record<string, string> } = {},
): Promise<RunningGateway> {
  const child: ChildProcess = spawn(process.execPath, [MAIN, '--config', setup.configPath], {
    env: { ...process.env, TASKGATE_LOG_LEVEL: process.env.TASKGATE_TEST_LOG ?? 'warn', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()))
  const started = new Promise<{ api: string; host: string; port: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gateway did not start:\n${output}`)), 30_000)
    const onData = (d: Buffer) => {
      output += d.toString()
      const api = /control plane at (\S+)/.exec(output)?.[1]
      const at = new RegExp(`resource ${setup.resourceId} at ([^:\\s]+):(\\d+)`).exec(output)
      if (api && at) {
        clearTimeout(timer)
        resolve({ api, host: at[1]!, port: Number(at[2]) })
      }
    }
    child.stdout!.on('data', onData)
    child.stderr!.on('data', onData)
    child.on('close', (code) => reject(new Error(`gateway exited (${code}):\n${output}`)))
  })
  const { api, host, port } = await started
  return {
    api,
    resource: { host, port },
    pid: child.pid,
    async kill(signal) {
      child.kill(signal)
      await exited
    },
    async [Symbol.asyncDispose]() {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      const killer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(killer)
    },
  }
}

export interface ApiAnswer<T = Record<string, unknown>> {
  status: number
  body: T
}

/** One JSON call to the control plane as the holder of `token`. */
export async function callApi<T = Record<string, unknown>>(
  api: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<ApiAnswer<T>> {
  const res = await fetch(`${api}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  })
  const text = await res.text()
  return { status: res.status, body: (text ? JSON.parse(text) : {}) as T }
}

export interface Connection {
  host: string
  port: number
  user: string
  password: string
  database?: string
}

/** Requests an (auto-approved) grant through the API; returns its id and the libpq environment. */
export async function requestGrant(
  api: string,
  token: string,
  resourceId: string,
  scope: string,
): Promise<{ grantId: string; connection: Connection }> {
  const res = await callApi<{
    grant: { id: string; status: string }
    credential?: { connection: Connection }
  }>(api, token, 'POST', '/v1/grants', {
    resource: resourceId,
    scope,
    task: 'integration test of held statements',
    ttl: '30m',
  })
  if (res.status !== 201 || !res.body.credential)
    throw new Error(`grant not issued: ${res.status} ${JSON.stringify(res.body)}`)
  return { grantId: res.body.grant.id, connection: res.body.credential.connection }
}

/** libpq environment for a connection, optionally pointed at another listener of the same resource. */
export function libpqEnv(c: Connection, at?: { host: string; port: number }): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    PGHOST: at?.host ?? c.host,
    PGPORT: String(at?.port ?? c.port),
    PGUSER: c.user,
    PGPASSWORD: c.password,
    PGDATABASE: c.database ?? 'postgres',
    PGSSLMODE: 'disable',
    PGCONNECT_TIMEOUT: '5',
  }
}
