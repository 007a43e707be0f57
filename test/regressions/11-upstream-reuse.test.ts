// Issue 11 item 6: every client login cost a new upstream connection (a server process and a login), so the
// gateway took 54 new connections/s where the server took 267. A client that ends cleanly now leaves its
// upstream connection, reset with DISCARD ALL, to the next login of the same grant with the same startup
// settings. These checks show the reused session is the one a fresh login would have started.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({ setupSql: 'CREATE TABLE t (id int)' })
})
after(() => gw[Symbol.asyncDispose]())

async function session<T>(url: string, work: (c: pg.Client) => Promise<T>, config: pg.ClientConfig = {}) {
  const client = new pg.Client({ connectionString: url, ...config })
  const status: Record<string, string> = {}
  client.connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => {
    status[m.parameterName] = m.parameterValue
  })
  await client.connect()
  // What the client heard at startup, before the work SETs anything.
  const startup = { ...status }
  try {
    return { result: await work(client), status: startup }
  } finally {
    await client.end()
  }
}

const pid = async (c: pg.Client): Promise<number> => (await c.query('SELECT pg_backend_pid() AS p')).rows[0].p

/** Waits until the released connection has been reset (DISCARD ALL) and can be taken. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 200))

test('the next login of the grant reuses the backend, reset to what a fresh login starts with', async () => {
  const { credential } = await gw.grant('*:*')
  const url = gw.url(credential)
  const options = { options: '-c statement_timeout=1234', application_name: 'first' }
  const first = await session(
    url,
    async (c) => {
      await c.query('CREATE TEMP TABLE scratch (v int)')
      await c.query('PREPARE p AS SELECT 1')
      await c.query('LISTEN reuse_channel')
      await c.query('SELECT pg_advisory_lock(4242)')
      await c.query("SET statement_timeout = '9s'")
      await c.query("SET TimeZone = 'Asia/Tokyo'")
      await c.query("SET application_name = 'changed'")
      return pid(c)
    },
    options,
  )
  await settle()
  const second = await session(
    url,
    async (c) => ({
      pid: await pid(c),
      state: (
        await c.query(`SELECT current_setting('statement_timeout') AS timeout,
          current_setting('application_name') AS app,
          (SELECT count(*)::int FROM pg_prepared_statements) AS prepared,
          (SELECT count(*)::int FROM pg_listening_channels()) AS listening,
          (SELECT count(*)::int FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()) AS locks,
          to_regclass('pg_temp.scratch') IS NULL AS no_temp`)
      ).rows[0],
    }),
    options,
  )
  assert.equal(second.result.pid, first.result, 'the upstream backend was not reused')
  assert.deepEqual(second.result.state, {
    timeout: '1234ms',
    app: 'first',
    prepared: 0,
    listening: 0,
    locks: 0,
    no_temp: true,
  })
  // The client hears the startup values, not what the last client had SET.
  assert.equal(second.status.TimeZone, first.status.TimeZone)
  assert.equal(second.status.application_name, 'first')
})

test('a session that ends inside a transaction is not reused, and its work is rolled back', async () => {
  const { credential } = await gw.grant('*:*')
  const url = gw.url(credential)
  const first = await session(url, async (c) => {
    await c.query('BEGIN')
    await c.query('INSERT INTO t VALUES (1)')
    return pid(c)
  })
  await settle()
  const second = await session(url, async (c) => ({
    pid: await pid(c),
    rows: (await c.query('SELECT count(*)::int AS n FROM t')).rows[0].n,
  }))
  assert.notEqual(second.result.pid, first.result)
  assert.equal(second.result.rows, 0)
})

test('another grant, or other startup settings, never get the backend', async () => {
  const a = await gw.grant('*:*')
  const b = await gw.grant('*:*')
  const first = await session(gw.url(a.credential), pid)
  await settle()
  const other = await session(gw.url(b.credential), pid)
  assert.notEqual(other.result, first.result)
  const otherSettings = await session(gw.url(a.credential), pid, { application_name: 'different' })
  assert.notEqual(otherSettings.result, first.result)
  const same = await session(gw.url(a.credential), pid)
  assert.equal(same.result, first.result)
})

test('ending the grant closes its idle upstream connection at once', async () => {
  const { grant, credential } = await gw.grant('*:*')
  const first = await session(gw.url(credential), pid)
  await settle()
  await gw.core.endGrant(gw.agent, grant.id)
  let alive = 1
  for (let i = 0; i < 15 && alive > 0; i++) {
    await settle()
    alive = (
      await gw.db.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [first.result])
    ).rows[0].n
  }
  assert.equal(alive, 0)
})
