// Session lifecycle: a grant ending under a live session (FATAL 57P01 within 1 s, login refused after),
// TTL expiry, cancel via psql SIGINT, the target killing its backend mid-session, and the ephemeral role
// holding exactly the granted privileges and disappearing with the grant; several credentials of one grant.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import type { Socket } from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { SAMPLE_ROWS } from '../../../src/protocols/postgres/mask-rows.ts'
import { psql } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

const SETUP = `CREATE SCHEMA billing;
  CREATE TABLE billing.invoices (id serial PRIMARY KEY, amount int NOT NULL);
  CREATE TABLE billing.customers (id int PRIMARY KEY);
  CREATE TABLE public.secrets (v text);
  INSERT INTO billing.invoices (amount) VALUES (1), (2);`

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({ admin: true, setupSql: SETUP })
})
after(() => gw[Symbol.asyncDispose]())

async function until(check: () => Promise<boolean>, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (Date.now() < end) {
    if (await check()) return
    await sleep(20)
  }
  assert.fail('condition not reached in time')
}

/** Connects a pg client and collects the error it gets when the server closes it. */
async function connect(url: string, applicationName?: string) {
  const client = new pg.Client({ connectionString: url, application_name: applicationName })
  const errors: Array<Error & { code?: string }> = []
  client.on('error', (e) => errors.push(e))
  await client.connect()
  // Not events.once: it rejects on the 'error' event, which is exactly what we wait for.
  const ended = new Promise<void>((resolve) => client.once('end', resolve))
  return { client, errors, ended }
}

test('ending the grant closes a live session with FATAL 57P01 within 1 s; logging in again is refused, saying why', async () => {
  const { grant, credential } = await gw.grant('select:billing.*')
  const { client, errors, ended } = await connect(gw.url(credential))
  await client.query('SELECT 1')
  const start = Date.now()
  await gw.core.endGrant(gw.agent, grant.id)
  await ended
  assert.ok(Date.now() - start < 1000, `closed after ${Date.now() - start} ms`)
  assert.equal(errors[0]?.code, '57P01')
  assert.match(errors[0]?.message ?? '', /grant ended: the task was marked done/)
  const again = await psql(gw.env(credential), 'SELECT 1')
  assert.notEqual(again.code, 0)
  assert.match(again.stderr, /FATAL: {2}The grant \S+ is ended \(completed at /)
})

test('a grant ending mid-way through a large row: the row is finished, then FATAL 57P01 tells why', async () => {
  const { grant, credential } = await gw.grant('select:billing.*')
  const { client, errors, ended } = await connect(gw.url(credential))
  const socket = (client as unknown as { connection: { stream: Socket } }).connection.stream
  // The first SAMPLE_ROWS rows of a result are sampled for the recording and the next one is read whole
  // too (it is where the relay stops looking); the row after that streams through as it arrives.
  const sql = `SELECT CASE WHEN g <= ${SAMPLE_ROWS + 1} THEN '' ELSE repeat('x', 4000000) END
    FROM generate_series(1, ${SAMPLE_ROWS + 5}) g`
  const failed = client.query(sql).then(
    () => assert.fail('the query should not complete'),
    (error: Error & { code?: string }) => error,
  )
  // Stop reading once the rows have begun: the relay is then in the middle of one of them. Four rows of 4 MB:
  // more than the sockets between client and target buffer (so the query cannot finish before the grant
  // ends), while the rest of any one row passes within the session's 500 ms grace on a loaded CI box.
  let received = 0
  const begun = new Promise<void>((resolve) => {
    const onData = (chunk: Buffer) => {
      received += chunk.length
      if (received < 1_000_000) return
      socket.pause()
      socket.off('data', onData)
      resolve()
    }
    socket.on('data', onData)
  })
  await begun
  // endGrant waits for the session to close before it removes the target's access; the client reads on.
  const ending = gw.core.endGrant(gw.agent, grant.id)
  await sleep(100)
  socket.resume()
  await ending
  const error = await failed
  await ended
  assert.equal(error.code ?? errors[0]?.code, '57P01', `got ${error.message}`)
  assert.match(error.message, /grant ended/)
})

test('an expired grant closes its session and refuses logins', async () => {
  const { credential } = await gw.grant('select:billing.*', { ttl: '2s' })
  const { client, errors, ended } = await connect(gw.url(credential))
  await client.query('SELECT 1')
  await ended
  assert.equal(errors[0]?.code, '57P01')
  assert.match(errors[0]?.message ?? '', /expired/)
  const again = await psql(gw.env(credential), 'SELECT 1')
  assert.notEqual(again.code, 0)
})

test('psql SIGINT cancels pg_sleep through the gateway', async () => {
  const { credential } = await gw.grant('select:billing.*,execute:pg_catalog.pg_sleep')
  const child = spawn('psql', ['-X', '-c', 'SELECT pg_sleep(10)'], { env: gw.env(credential) })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  // SIGINT once the statement runs upstream: psql interrupted before it has sent the query (its login can
  // take longer than any fixed wait on a loaded machine) exits without a cancel to relay.
  for (let i = 0; i < 300; i++) {
    const running = await gw.db.query(
      "SELECT 1 FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(10)' AND state = 'active'",
    )
    if (running.rowCount) break
    await sleep(50)
  }
  const start = Date.now()
  child.kill('SIGINT')
  await once(child, 'close')
  assert.ok(Date.now() - start < 3000)
  assert.match(stderr, /canceling statement due to user request/)
})

test('the target killing the backend mid-session: the client gets an error, the gateway serves others', async () => {
  const { credential } = await gw.grant('select:billing.*')
  const { client, errors, ended } = await connect(gw.url(credential), 'tg-victim')
  await client.query('SELECT 1')
  await gw.db.query(
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'tg-victim'",
  )
  await ended
  assert.equal(errors[0]?.code, '57P01')
  const other = await psql(gw.env(credential), 'SELECT count(*) FROM billing.invoices')
  assert.equal(other.stdout.trim(), '2', other.stderr)
})

test('the ephemeral role holds only the granted privileges and is dropped when the grant ends', async () => {
  const { grant, credential } = await gw.grant('select:billing.*')
  const role = `tg_${grant.id}`
  const priv = async (table: string, p: string) =>
    (await gw.db.query('SELECT has_table_privilege($1, $2, $3) AS ok', [role, table, p])).rows[0]
      .ok as boolean
  assert.equal(await priv('billing.invoices', 'SELECT'), true)
  assert.equal(await priv('billing.customers', 'SELECT'), true)
  assert.equal(await priv('billing.invoices', 'DELETE'), false)
  assert.equal(await priv('billing.invoices', 'INSERT'), false)
  assert.equal(await priv('public.secrets', 'SELECT'), false)
  const who = await psql(gw.env(credential), 'SELECT current_user; SHOW default_transaction_read_only')
  assert.equal(who.stdout.trim(), `${role}\non`, who.stderr)
  await gw.core.endGrant(gw.agent, grant.id)
  await until(
    async () => (await gw.db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 0,
  )
})

test('two credentials of one grant: both log in with psql as the one ephemeral role; both refused after the end', async () => {
  const { grant, credential: first } = await gw.grant('select:billing.*')
  const role = `tg_${grant.id}`
  // A shell holding a session on the first credential while a second shell gets its own.
  const { client, ended } = await connect(gw.url(first))
  const second = await gw.core.issueCredential(gw.agent, grant.id)
  assert.notEqual(second.username, first.username)
  for (const credential of [first, second]) {
    const who = await psql(gw.env(credential), 'SELECT current_user')
    assert.equal(who.stdout.trim(), role, who.stderr)
  }
  assert.equal((await client.query('SELECT count(*)::int AS n FROM billing.invoices')).rows[0].n, 2)
  await gw.core.endGrant(gw.agent, grant.id)
  await ended
  for (const credential of [first, second]) {
    const again = await psql(gw.env(credential), 'SELECT 1')
    assert.notEqual(again.code, 0)
    assert.match(again.stderr, /FATAL: {2}The grant \S+ is ended \(completed at /)
  }
  await until(
    async () => (await gw.db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 0,
  )
})

test('a write grant gets table and sequence privileges for its tables only', async () => {
  const { grant, credential } = await gw.grant('select:billing.invoices,insert:billing.invoices')
  const role = `tg_${grant.id}`
  const ins = await psql(
    gw.env(credential),
    'INSERT INTO billing.invoices (amount) VALUES (3) RETURNING amount',
  )
  assert.equal(ins.stdout.trim().split('\n')[0], '3', ins.stderr)
  const r = await gw.db.query('SELECT has_table_privilege($1, $2, $3) AS ok', [
    role,
    'billing.customers',
    'SELECT',
  ])
  assert.equal(r.rows[0].ok, false)
  await gw.core.endGrant(gw.agent, grant.id)
})
