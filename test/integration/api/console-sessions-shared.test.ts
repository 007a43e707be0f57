// Console sessions live in the store, shared by every gateway on it: created on one, seen on another,
// signed out everywhere at once. The row holds neither the cookie nor the token in the clear.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { ConsoleSessions } from '../../../src/api/console/console-sessions.ts'
import { openPostgresStore } from '../../../src/store/postgres/index.ts'
import { createThrowawayDatabase } from '../../support/postgres.ts'

test('a console session created on one gateway is found on another; sign-out on either ends it', async () => {
  await using db = await createThrowawayDatabase('tg_console')
  const storeA = await openPostgresStore({ url: db.url })
  const storeB = await openPostgresStore({ url: db.url })
  try {
    const a = new ConsoleSessions(storeA.sharedState)
    const b = new ConsoleSessions(storeB.sharedState)
    const token = 'tg_sa_admin_0123456789abcdefSECRET'
    const created = await a.create({
      token,
      tokenExpiresAt: Date.now() + 60_000,
      refreshToken: 'refresh-SECRET',
    })
    const seen = await b.get(created.id)
    assert.deepEqual(seen, created)

    const rows = await db.query('SELECT key, value FROM taskgate.shared_state')
    const stored = JSON.stringify(rows.rows)
    for (const secret of [created.id, token, 'refresh-SECRET', created.csrfToken])
      assert.ok(!stored.includes(secret), 'the store holds no cookie, token or CSRF token in the clear')

    // A refreshed token stored by one gateway is what the other uses next.
    await b.update({ ...created, token: 'fresh-token', tokenExpiresAt: Date.now() + 120_000 })
    assert.equal((await a.get(created.id))?.token, 'fresh-token')

    assert.equal(await a.get(`${created.id.slice(0, -2)}AA`), undefined, 'a forged cookie finds nothing')
    assert.equal(await a.get('x'.repeat(10_000)), undefined)
    await b.delete(created.id)
    assert.equal(await a.get(created.id), undefined)
  } finally {
    await storeA.close()
    await storeB.close()
  }
})
