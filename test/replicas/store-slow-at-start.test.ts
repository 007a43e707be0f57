// A replica started again on a loaded host found its PostgreSQL store slow to accept (a backend fork taking
// longer than a request's 5 s connect timeout) and exited with TG_STORE_UNAVAILABLE (bench/replica-soak.ts).
// The start-up connections (migration, LISTEN) may now take store.startupConnectTimeoutMs (30 s): a slow
// store delays the start, a refused connection still fails it at once (store-postgres-unavailable.test.ts).
// Then the replica's first pooled queries timed out the same way: a pooled connection slow to open is now
// waited for like a saturated pool (up to 15 s in all), not reported as an unreachable store.
import assert from 'node:assert/strict'
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { PgDatabase } from '../../src/store/postgres/database.ts'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import { createThrowawayDatabase } from '../support/postgres.ts'

/** A relay that holds new connections `holdMs` before they reach the server (a slow postmaster); with
 * `only`, just the first `only` connections. */
async function startSlowRelay(target: { host: string; port: number }, holdMs: number, only = Infinity) {
  const sockets = new Set<Socket>()
  let accepted = 0
  const server: Server = createServer((client) => {
    const hold = accepted++ < only ? holdMs : 0
    client.pause()
    sockets.add(client)
    client.on('error', () => {})
    const timer = setTimeout(() => {
      const upstream = tcpConnect(target.port, target.host)
      sockets.add(upstream)
      upstream.on('error', () => {})
      for (const s of [client, upstream])
        s.on('close', () => {
          client.destroy()
          upstream.destroy()
        })
      client.pipe(upstream).pipe(client)
      client.resume()
    }, hold)
    client.on('close', () => clearTimeout(timer))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    async close(): Promise<void> {
      const closed = new Promise((resolve) => server.close(resolve))
      for (const s of sockets) s.destroy()
      await closed
    },
  }
}

let db: Awaited<ReturnType<typeof createThrowawayDatabase>>
let relay: Awaited<ReturnType<typeof startSlowRelay>>
before(async () => {
  db = await createThrowawayDatabase()
  // Longer than the 5 s a request's connection may take.
  relay = await startSlowRelay({ host: db.host, port: db.port }, 6_000)
})
after(async () => {
  await relay.close()
  await db[Symbol.asyncDispose]()
})

const urlThrough = (port: number) => {
  const url = new URL(db.url)
  url.port = String(port)
  return url.toString()
}
const urlThroughRelay = () => urlThrough(relay.port)

test('a store slow to accept connections at start is waited for, not given up on', async () => {
  const store = await openPostgresStore({ url: urlThroughRelay(), poolSize: 2 })
  await store.close()
  // Migrated (asked directly, not through the slow relay).
  const direct = new pg.Client({ connectionString: db.url })
  await direct.connect()
  try {
    const { rows } = await direct.query('SELECT count(*)::int AS n FROM taskgate.schema_migrations')
    assert.ok(rows[0].n > 0)
  } finally {
    await direct.end()
  }
})

test('store start-up connections are bounded by startupConnectTimeoutMs', async () => {
  await assert.rejects(openPostgresStore({ url: urlThroughRelay(), startupConnectTimeoutMs: 1_000 }), {
    code: 'TG_STORE_UNAVAILABLE',
  })
})

test('a pooled connection that was slow to open is tried again, not reported as an unreachable store', async () => {
  // The store is migrated (above); the first pooled connection is held past the 5 s connect timeout.
  const once = await startSlowRelay({ host: db.host, port: db.port }, 6_000, 1)
  const database = new PgDatabase(urlThrough(once.port), 2)
  try {
    const { rows } = await database.query<{ one: number }>({ text: 'SELECT 1 AS one' })
    assert.deepEqual(rows, [{ one: 1 }])
  } finally {
    await database.close()
    await once.close()
  }
})
