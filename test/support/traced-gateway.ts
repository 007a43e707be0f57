// A whole gateway (API + a PostgreSQL listener in front of a throwaway database, embedded store) with
// `telemetry.traces` set as the test says, an agent whose select grants are auto-approved and anything else
// needs the dba, a guardrail holding deletes, and an e-mail masking rule. Logs are kept for assertions.
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import pino from 'pino'
import { loadConfig } from '../../src/config/load.ts'
import { type Gateway, startGateway } from '../../src/main.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from './postgres.ts'

export interface TracedGateway extends AsyncDisposable {
  gateway: Gateway
  api: string
  resourceId: string
  db: ThrowawayDatabase
  keys: { admin: string; agent: string; dba: string }
  /** Every log line so far, parsed. */
  logs: Array<Record<string, unknown>>
  /** Stops the gateway (exporting what is queued); dispose afterwards removes the rest. */
  close(): Promise<void>
}

export async function startTracedGateway(options: {
  /** YAML of `telemetry.traces`, as a flow mapping. */
  traces: string
  setupSql?: string
}): Promise<TracedGateway> {
  const suffix = randomBytes(3).toString('hex')
  const dir = await mkdtemp(join(tmpdir(), 'tg-traces-'))
  const db = await createThrowawayDatabase()
  if (options.setupSql) await db.query(options.setupSql)
  const resourceId = `pg-${suffix}`
  const yaml = `
store: { dir: ${JSON.stringify(join(dir, 'data'))} }
api: { listen: { host: 127.0.0.1, port: 0 } }
agents:
  - { name: bot-${suffix}, groups: [agents-${suffix}] }
  - { name: dba-${suffix}, groups: [dbas-${suffix}] }
resources:
  - id: ${resourceId}
    kind: postgres
    listen: { host: 127.0.0.1, port: 0 }
    target: { host: ${db.host}, port: ${db.port}, database: ${db.name}, user: ${db.user}, tls: disable }
policies:
  - group: agents-${suffix}
    resources: [${resourceId}]
    ceiling: ["*:*"]
    autoApprove: ["select:*"]
    approvers: [dbas-${suffix}]
    maxTtl: 1h
guardrails:
  - id: hold-deletes
    description: deletes need a second pair of eyes
    action: approve
    match: { needs: ["delete:public.*"] }
masking:
  rules:
    - { id: emails, style: partial, detectors: [email] }
telemetry:
  traces: ${options.traces}
`
  const configPath = join(dir, 'taskgate.yaml')
  await writeFile(configPath, yaml)
  const logs: Array<Record<string, unknown>> = []
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line) logs.push(JSON.parse(line))
      done()
    },
  })
  const gateway = await startGateway({
    config: await loadConfig(configPath),
    configPath,
    logger: pino({ level: 'info' }, sink),
    sweepIntervalMs: 100,
  })
  const key = async (name: string) =>
    (await readFile(join(dir, 'data', 'keys', `${name}.key`), 'utf8')).trim()
  let closed = false
  const close = async () => {
    if (closed) return
    closed = true
    await gateway.close()
  }
  return {
    gateway,
    api: gateway.api.url,
    resourceId,
    db,
    keys: { admin: await key('admin'), agent: await key(`bot-${suffix}`), dba: await key(`dba-${suffix}`) },
    logs,
    close,
    async [Symbol.asyncDispose]() {
      await close()
      await db[Symbol.asyncDispose]()
      await rm(dir, { recursive: true, force: true })
    },
  }
}
