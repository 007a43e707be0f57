// Cancelling through the gateway with two busy sessions: psql SIGINT or a CancelRequest carrying one
// session's key cancels that session's query only, and a CancelRequest with a wrong key cancels nothing
// (postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-CANCELING-REQUESTS).
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { connect as connectTcp } from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({ setupSql: 'CREATE SCHEMA billing;' })
})
after(() => gw[Symbol.asyncDispose]())

type KeyedClient = pg.Client & { processID: number; secretKey: number }

/** A session busy in pg_sleep; `outcome` is 'finished' or the SQLSTATE the query failed with. */
async function busySession(credentialUrl: string, applicationName: string, seconds = 20) {
  const client = new pg.Client({
    connectionString: credentialUrl,
    application_name: applicationName,
  }) as KeyedClient
  client.on('error', () => {})
  await client.connect()
  const outcome = client.query(`SELECT pg_sleep(${seconds})`).then(
    () => 'finished',
    (error: Error & { code?: string }) => error.code ?? String(error),
  )
  await waitUntilSleeping(applicationName)
  return { client, outcome }
}

/** Waits until the upstream backend of `applicationName` is inside pg_sleep (so a cancel lands on it). */
async function waitUntilSleeping(applicationName: string): Promise<void> {
  const end = Date.now() + 5_000
  while (Date.now() < end) {
    const r = await gw.db.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%pg_sleep%'",
      [applicationName],
    )
    if ((r.rowCount ?? 0) > 0) return
    await sleep(20)
  }
  assert.fail(`${applicationName} never started sleeping`)
}

async function sendCancelRequest(processId: number, secretKey: number): Promise<void> {
  const packet = Buffer.alloc(16)
  packet.writeInt32BE(16, 0)
  packet.writeInt32BE(80877102, 4)
  packet.writeInt32BE(processId, 8)
  packet.writeInt32BE(secretKey, 12)
  await new Promise<void>((resolve, reject) => {
    const socket = connectTcp(gw.port, gw.host, () => socket.end(packet))
    socket.on('close', () => resolve())
    socket.on('error', reject)
  })
}

const stillSleeping = async (applicationName: string) =>
  (
    await gw.db.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query LIKE '%pg_sleep%'",
      [applicationName],
    )
  ).rowCount === 1

test('a CancelRequest with one session key cancels that session only; a wrong key cancels nothing', async () => {
  const { credential } = await gw.grant('select:billing.*,execute:pg_catalog.pg_sleep')
  const a = await busySession(gw.url(credential), 'tg-cancel-a')
  const b = await busySession(gw.url(credential), 'tg-cancel-b')
  try {
    // Wrong secret for a real process id, and a process id no session has: both ignored, as PostgreSQL does.
    await sendCancelRequest(a.client.processID, a.client.secretKey ^ 1)
    await sendCancelRequest(b.client.processID ^ 0x5a5a, b.client.secretKey)
    await sleep(1_000)
    assert.ok(await stillSleeping('tg-cancel-a'), 'a wrong key cancelled session a')
    assert.ok(await stillSleeping('tg-cancel-b'), 'a wrong key cancelled session b')

    const started = Date.now()
    await sendCancelRequest(a.client.processID, a.client.secretKey)
    assert.equal(await a.outcome, '57014')
    assert.ok(Date.now() - started < 3_000)
    assert.ok(await stillSleeping('tg-cancel-b'), 'cancelling a cancelled b too')
    // Session a is still usable after its cancel.
    assert.equal((await a.client.query('SELECT 1 AS one')).rows[0].one, 1)
  } finally {
    await sendCancelRequest(b.client.processID, b.client.secretKey)
    await b.outcome
    await Promise.all([a.client.end(), b.client.end()])
  }
})

test('psql SIGINT cancels its own session and leaves another busy session running', async () => {
  const { credential } = await gw.grant('select:billing.*,execute:pg_catalog.pg_sleep')
  const other = await busySession(gw.url(credential), 'tg-cancel-other')
  const child = spawn('psql', ['-X', '-c', 'SELECT pg_sleep(20)'], {
    env: gw.env(credential, { PGAPPNAME: 'tg-cancel-psql' }),
  })
  let stderr = ''
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString()
  })
  try {
    await waitUntilSleeping('tg-cancel-psql')
    const started = Date.now()
    child.kill('SIGINT')
    await once(child, 'close')
    assert.ok(Date.now() - started < 3_000)
    assert.match(stderr, /canceling statement due to user request/)
    assert.ok(await stillSleeping('tg-cancel-other'), 'psql SIGINT cancelled the other session')
  } finally {
    child.kill('SIGKILL')
    await sendCancelRequest(other.client.processID, other.client.secretKey)
    await other.outcome
    await other.client.end()
  }
})
