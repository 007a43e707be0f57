// The PostgreSQL store fails closed and typed when its server goes away: TG_STORE_UNAVAILABLE, never a
// crash, and it recovers (queries and LISTEN) when the server is back.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import { createThrowawayDatabase } from '../support/postgres.ts'
import { freePort, startRelay } from '../support/tcp-relay.ts'

async function eventually<T>(fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      return await fn()
    } catch (error) {
      if (Date.now() > deadline) throw error
      await sleep(100)
    }
  }
}

test('postgres store: opening against a closed port rejects with TG_STORE_UNAVAILABLE', async () => {
  const port = await freePort()
  const started = Date.now()
  await assert.rejects(openPostgresStore({ url: `postgres://postgres@127.0.0.1:${port}/postgres` }), {
    name: 'TaskgateError',
    code: 'TG_STORE_UNAVAILABLE',
  })
  assert.ok(Date.now() - started < 5_000, 'fails fast, does not hang')
})

test('postgres store: a database that does not exist is TG_STORE_UNAVAILABLE', async () => {
  await using db = await createThrowawayDatabase('tg_store')
  const url = new URL(db.url)
  url.pathname = `/${db.name}_missing`
  await assert.rejects(openPostgresStore({ url: url.toString() }), { code: 'TG_STORE_UNAVAILABLE' })
})

test('postgres store: when the server becomes unreachable every call rejects with TG_STORE_UNAVAILABLE; it recovers', async () => {
  await using db = await createThrowawayDatabase('tg_store')
  let relay = await startRelay({ host: db.host, port: db.port })
  const url = new URL(db.url)
  url.host = `127.0.0.1:${relay.port}`
  const store = await openPostgresStore({ url: url.toString() })
  try {
    const received: string[] = []
    store.subscribe('grant_changed', (payload) => received.push(payload))
    assert.equal(await store.grants.get('nope'), undefined)

    await relay.cut()
    const calls = [
      store.grants.get('nope'),
      store.grants.findNotLive(['g1'], new Date()),
      store.credentials.findByUsername('db', 'u'),
      store.audit.append({ type: 'gateway.started', actor: 'gw' }, new Date(), () => 'h'),
      store.sessions.appendActions([
        { sessionId: 's', seq: 1, at: new Date(), kind: 'SelectStmt', text: 'SELECT 1', outcome: 'allow' },
      ]),
      store.publish('grant_changed', 'lost'),
    ]
    for (const call of calls) await assert.rejects(call, { code: 'TG_STORE_UNAVAILABLE' })

    relay = await startRelay({ host: db.host, port: db.port }, relay.port)
    assert.equal(await eventually(() => store.grants.get('nope')), undefined)
    // The LISTEN connection reconnects on its own: a publish is delivered again.
    await eventually(async () => {
      await store.publish('grant_changed', 'back')
      await sleep(100)
      assert.ok(received.includes('back'))
    })
  } finally {
    await store.close()
    await relay.cut()
  }
})
