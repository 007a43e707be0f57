// Issue 11, item 5: a 12 s lock on the PostgreSQL store made logins fail with "cannot reach its store". A store
// that answers but is saturated (every pooled connection waiting on a lock) is waited for (15 s in all), then
// TG_STORE_BUSY, told apart from TG_STORE_UNAVAILABLE; the pool's size is `store.poolSize`. The embedded store says the same of a write lock
// another process holds too long.
import assert from 'node:assert/strict'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DatabaseSync } from 'node:sqlite'
import { test } from 'node:test'
import pg from 'pg'
import { hashEntry } from '../../src/core/audit/hash-chain.ts'
import { openEmbeddedStore } from '../../src/store/embedded/index.ts'
import { LOCK_AUDIT, LOCK_NAMESPACE } from '../../src/store/postgres/database.ts'
import { openPostgresStore } from '../../src/store/postgres/index.ts'
import { createThrowawayDatabase } from '../support/postgres.ts'

test('postgres store: appends behind a 6 s audit lock are waited out and all land', async () => {
  await using db = await createThrowawayDatabase()
  const store = await openPostgresStore({ url: db.url, poolSize: 2 })
  const locker = new pg.Client({ connectionString: db.url })
  await locker.connect()
  try {
    await locker.query('SELECT pg_advisory_lock($1, $2)', [LOCK_NAMESPACE, LOCK_AUDIT])
    const appends = Array.from({ length: 6 }, (_, i) =>
      store.audit.append({ type: 'admin.action', actor: `a${i}` }, new Date(), hashEntry),
    )
    await new Promise((resolve) => setTimeout(resolve, 6_000))
    await locker.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_NAMESPACE, LOCK_AUDIT])
    assert.equal((await Promise.all(appends)).length, 6)
  } finally {
    await locker.end()
    await store.close()
  }
})

test('postgres store: writes waiting for a pooled connection past the busy wait fail as busy, then work', async () => {
  await using db = await createThrowawayDatabase()
  const store = await openPostgresStore({ url: db.url, poolSize: 2, busyWaitMs: 5_000 })
  const ids = Array.from({ length: 6 }, (_, i) => `s-busy-${i}`)
  for (const id of ids) {
    await store.sessions.insert({
      ...{ id, grantId: 'g', principalId: 'p', principalName: 'p', resourceId: 'r', protocol: 'postgres' },
      ...{ client: 'c', startedAt: new Date() },
    })
  }
  const locker = new pg.Client({ connectionString: db.url })
  await locker.connect()
  try {
    // Audit appends go through one connection (the group commit) and would not fill the pool: session ends
    // without an entry are plain pooled writes, and these wait on rows another client holds.
    await locker.query('BEGIN')
    await locker.query('SELECT id FROM taskgate.sessions FOR UPDATE')
    const ends = ids.map((id) =>
      store.sessions.end(id, new Date(), 'closed').then(
        () => 'ok',
        (error: { code?: string }) => error.code,
      ),
    )
    // The two that hold the pool's connections wait for the rows; the others time out waiting for one.
    await new Promise((resolve) => setTimeout(resolve, 6_500))
    await locker.query('COMMIT')
    const results = await Promise.all(ends)
    assert.equal(results.filter((r) => r === 'ok').length, 2, `results: ${results}`)
    assert.deepEqual(
      results.filter((r) => r !== 'ok'),
      ['TG_STORE_BUSY', 'TG_STORE_BUSY', 'TG_STORE_BUSY', 'TG_STORE_BUSY'],
    )
    await store.audit.append({ type: 'admin.action', actor: 'after' }, new Date(), hashEntry)
  } finally {
    await locker.end()
    await store.close()
  }
})

test('embedded store: a write lock held by another process past the busy timeout is TG_STORE_BUSY', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'tg-busy-'))
  const store = await openEmbeddedStore({ dir })
  const other = new DatabaseSync(join(dir, 'taskgate.db'))
  try {
    other.exec('BEGIN IMMEDIATE')
    await assert.rejects(store.audit.append({ type: 'admin.action', actor: 'x' }, new Date(), hashEntry), {
      code: 'TG_STORE_BUSY',
    })
    other.exec('ROLLBACK')
    await store.audit.append({ type: 'admin.action', actor: 'x' }, new Date(), hashEntry)
  } finally {
    other.close()
    await store.close()
    await rm(dir, { recursive: true, force: true })
  }
})
