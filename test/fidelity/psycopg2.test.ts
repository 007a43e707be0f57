// psycopg2 (Debian python3-psycopg2, on libpq) through the gateway and directly: psycopg2_checks.py runs
// every check against one endpoint and prints JSON; each check is a test comparing the two reports.
import { before } from 'node:test'
import { fileURLToPath } from 'node:url'
import { run } from '../support/clients/psql.ts'
import { compareReports, type Endpoint, fidelitySides } from './support.ts'

const SCRIPT = fileURLToPath(new URL('psycopg2_checks.py', import.meta.url))
/** Debian's interpreter: python3-psycopg2 is installed for it, not for another python3 on PATH. */
const PYTHON = '/usr/bin/python3'
const CHECKS = [
  'simple query',
  'parameters',
  'type round trips',
  'transactions and savepoints',
  'errors with fields',
  'notices',
  'LISTEN/NOTIFY',
  'COPY in and out',
  'named cursor with itersize',
  'cancel',
  'large result',
  'parameter status',
  'several statements',
  'large object (FunctionCall)',
  'backend pid',
  'executemany',
  'connection close',
]

const sides = fidelitySides()
let reports: { direct: Record<string, unknown>; gateway: Record<string, unknown> } | undefined

async function report(e: Endpoint): Promise<Record<string, unknown>> {
  const keywords = {
    host: e.host,
    port: e.port,
    user: e.user,
    dbname: e.database,
    sslmode: 'disable',
    ...(e.password ? { password: e.password } : {}),
  }
  const r = await run(
    PYTHON,
    [SCRIPT, JSON.stringify(keywords)],
    { PATH: process.env.PATH },
    { timeoutMs: 60_000 },
  )
  if (r.code !== 0) return { __error: r.stderr }
  return JSON.parse(r.stdout) as Record<string, unknown>
}

before(async () => {
  const { direct, gateway } = await sides()
  reports = { direct: await report(direct), gateway: await report(gateway) }
})

compareReports(CHECKS, () => reports!)
