// Issue 11, item 11: BackendKeyData carried a made-up process id, so a client's idea of its own backend
// disagreed with pg_backend_pid(), with the sender of its own NOTIFYs and with pg_stat_activity. Now it is
// the upstream backend's pid, with a secret key the gateway issues: a CancelRequest is routed by that pair,
// and a wrong key (even with the right pid) cancels nothing.
import assert from 'node:assert/strict'
import { connect as connectTcp } from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway()
})
after(() => gw[Symbol.asyncDispose]())

type KeyedClient = pg.Client & { processID: number; secretKey: number }

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

test('the pid a client is told is its backend: pg_backend_pid(), pg_stat_activity, its own NOTIFY', async () => {
  const { credential } = await gw.grant('*:*')
  const client = new pg.Client({
    connectionString: gw.url(credential),
    application_name: 'tg-real-pid',
  }) as KeyedClient
  await client.connect()
  try {
    const { rows } = await client.query('SELECT pg_backend_pid() AS pid')
    assert.equal(client.processID, rows[0].pid)
    const activity = await gw.db.query(
      "SELECT pid FROM pg_stat_activity WHERE application_name = 'tg-real-pid'",
    )
    assert.deepEqual(
      activity.rows.map((r) => r.pid),
      [client.processID],
    )
    const heard = new Promise<pg.Notification>((resolve) => client.once('notification', resolve))
    await client.query('LISTEN tg_self')
    await client.query("NOTIFY tg_self, 'me'")
    assert.equal(
      (await heard).processId,
      client.processID,
      'a reconnect logic can tell its own notifications',
    )
  } finally {
    await client.end()
  }
})

test('a CancelRequest is routed by (pid, gateway key): the right pair cancels, the right pid alone does not', async () => {
  const { credential } = await gw.grant('*:*')
  const client = new pg.Client({
    connectionString: gw.url(credential),
    application_name: 'tg-pid-cancel',
  }) as KeyedClient
  client.on('error', () => {})
  await client.connect()
  try {
    const outcome = client.query('SELECT pg_sleep(20)').then(
      () => 'finished',
      (error: Error & { code?: string }) => error.code ?? String(error),
    )
    for (let i = 0; i < 250; i++) {
      const r = await gw.db.query(
        "SELECT 1 FROM pg_stat_activity WHERE application_name = 'tg-pid-cancel' AND query LIKE '%pg_sleep%' AND state = 'active'",
      )
      if ((r.rowCount ?? 0) > 0) break
      await sleep(20)
    }
    await sendCancelRequest(client.processID, client.secretKey ^ 1)
    await sendCancelRequest(client.processID, 0)
    await sleep(500)
    const sleeping = await gw.db.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = 'tg-pid-cancel' AND query LIKE '%pg_sleep%' AND state = 'active'",
    )
    assert.equal(sleeping.rowCount, 1, 'a wrong key cancelled the query')
    await sendCancelRequest(client.processID, client.secretKey)
    assert.equal(await outcome, '57014')
  } finally {
    await client.end()
  }
})
