// pgjdbc (Debian libpostgresql-jdbc-java, run by default-jdk-headless's java in source-file mode) through the
// gateway and directly: named server-side statements (prepareThreshold=1), fetch size as a portal row limit,
// CopyManager, savepoints, getNotifications, Statement.cancel, parameter statuses.
import { fileURLToPath } from 'node:url'
import { compareDriverReports } from './support.ts'

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

compareDriverReports(CHECKS, (e) => ({
  command: 'java',
  args: [
    '-cp',
    DRIVER,
    SOURCE,
    `jdbc:postgresql://${e.host}:${e.port}/${e.database}`,
    e.user,
    e.password ?? '',
  ],
  timeoutMs: 90_000,
}))
