// psycopg2 (Debian python3-psycopg2, on libpq) through the gateway and directly: psycopg2_checks.py runs
// every check against one endpoint and prints JSON; each check is a test comparing the two reports.
import { fileURLToPath } from 'node:url'
import { compareDriverReports } from './support.ts'

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

compareDriverReports(CHECKS, (e) => {
  const keywords = {
    host: e.host,
    port: e.port,
    user: e.user,
    dbname: e.database,
    sslmode: 'disable',
    ...(e.password ? { password: e.password } : {}),
  }
  return { command: PYTHON, args: [SCRIPT, JSON.stringify(keywords)], timeoutMs: 60_000 }
})
