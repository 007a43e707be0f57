import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import { test } from 'node:test'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import type { Store } from '../../src/store/store.ts'
import { createThrowawayDatabase } from '../support/postgres.ts'
import { runStoreContract } from './store.contract.ts'

async function throwawayStore() {
  const db = await createThrowawayDatabase('tg_store')
  const stores: Store[] = []
  const openOne = async () => {
    const store = await openPostgresStore({ url: db.url })
    stores.push(store)
    return store
  }
  try {
    const store = await openOne()
    return {
      db,
      store,
      openAnother: openOne,
      async [Symbol.asyncDispose]() {
        for (const s of stores) await s.close()
        await db[Symbol.asyncDispose]()
      },
    }
  } catch (error) {
    await db[Symbol.asyncDispose]()
    throw error
  }
}

runStoreContract({ name: 'postgres', open: throwawayStore, eventsAcrossInstances: true })

test('postgres: tables live in the schema taskgate, every migration recorded once', async () => {
  await using t = await throwawayStore()
  assert.equal(t.store.backend, 'postgres')
  const tables = await t.db.query(
    `SELECT table_name FROM information_schema.tables WHERE table_schema = 'taskgate' ORDER BY table_name`,
  )
  assert.deepEqual(
    tables.rows.map((r) => r.table_name),
    [
      'approvals',
      'audit_checkpoint',
      'audit_dead_letters',
      'audit_events',
      'audit_head',
      'audit_sink_cursors',
      'credentials',
      'gateway_processes',
      'grants',
      'leases',
      'schema_migrations',
      'service_accounts',
      'session_actions',
      'session_legal_holds',
      'sessions',
      'shared_state',
    ],
  )
  const versions = await t.db.query('SELECT version FROM taskgate.schema_migrations ORDER BY version')
  assert.deepEqual(
    versions.rows.map((r) => r.version),
    // 1..N, one per migration file (not a literal list: every new migration would edit it).
    readdirSync(new URL('../../src/store/postgres/migrations/', import.meta.url))
      .filter((f) => f.endsWith('.sql'))
      .map((_, i) => i + 1),
  )
})

test('postgres: several gateways starting at once on an empty database all migrate and open', async () => {
  await using db = await createThrowawayDatabase('tg_store')
  const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore({ url: db.url })))
  try {
    const versions = await db.query(
      'SELECT version, count(*)::int AS n FROM taskgate.schema_migrations GROUP BY version',
    )
    assert.deepEqual(
      versions.rows.toSorted((a, b) => a.version - b.version),
      // Every migration file, each applied once.
      readdirSync(new URL('../../src/store/postgres/migrations/', import.meta.url))
        .filter((f) => f.endsWith('.sql'))
        .map((_, i) => ({ version: i + 1, n: 1 })),
    )
    await Promise.all(
      stores.map((s, i) =>
        s.audit.append({ type: 'gateway.started', actor: `gw${i}` }, new Date(), () => `${i}`),
      ),
    )
    assert.equal((await stores[0]!.audit.list({})).length, 4)
  } finally {
    await Promise.all(stores.map((s) => s.close()))
  }
})
