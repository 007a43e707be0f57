// pgjdbc (Debian libpostgresql-jdbc-java, run by default-jdk-headless's java in source-file mode) through the
// gateway and directly: named server-side statements (prepareThreshold=1), fetch size as a portal row limit,
// CopyManager, savepoints, getNotifications, Statement.cancel, parameter statuses.
import { before } from 'node:test'
import { fileURLToPath } from 'node:url'
import { run } from '../support/clients/psql.ts'
import { compareReports, type Endpoint, fidelitySides } from './support.ts'

const SOURCE = fileURLToPath(new URL('PgjdbcChecks.java', import.meta.url))
const DRIVER = '/usr/share/java/postgresql.jar'
const CHECKS = [
  'simple statement',
  'prepared statement reused',
  'type round trips',
  'transactions and savepoints',
  'errors with fields',
  'notices as warnings',
  'LISTEN/NOTIFY',
  'COPY in and out',
  'fetch size (portal with a row limit)',
  'cancel',
  'large result',
  'parameter status',
  'several statements',
  'large object (FunctionCall)',
  'batch with a failing statement',
  'backend pid',
  'connection close',
]

const sides = fidelitySides()
let reports: { direct: Record<string, unknown>; gateway: Record<string, unknown> } | undefined

async function report(e: Endpoint): Promise<Record<string, unknown>> {
  const url = `jdbc:postgresql://${e.host}:${e.port}/${e.database}`
  const r = await run(
    'java',
    ['-cp', DRIVER, SOURCE, url, e.user, e.password ?? ''],
    { PATH: process.env.PATH },
    { timeoutMs: 90_000 },
  )
  if (r.code !== 0) return { __error: r.stderr }
  return JSON.parse(r.stdout) as Record<string, unknown>
}

before(async () => {
  const { direct, gateway } = await sides()
  reports = { direct: await report(direct), gateway: await report(gateway) }
})

compareReports(CHECKS, () => reports!)
