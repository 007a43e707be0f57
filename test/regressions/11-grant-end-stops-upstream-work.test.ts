// Issue 11, item 2: without `admin`, a revoke closed the client in 8 ms but pg_sleep(30) ran 24–28 s more upstream
// and a write in flight committed, unrecorded. Grant end now cancels the session's statement with the backend's
// own key and terminates the backend if it lingers; the statements were recorded when they started.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

const SCOPE = 'select:public.t,update:public.t,execute:pg_catalog.pg_sleep'

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url })
  client.on('error', () => {})
  await client.connect()
  return client
}

/** Backends of the throwaway database (other than the test's own admin connection) running pg_sleep. */
const sleeping = async (gw: PostgresGateway) =>
  (
    await gw.db.query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%pg_sleep%'`,
    )
  ).rows[0].n as number

test('revoke: a running pg_sleep and an uncommitted write stop upstream; the write never commits', async () => {
  await using gw = await startPostgresGateway({
    setupSql: 'CREATE TABLE t (id int PRIMARY KEY, v int); INSERT INTO t VALUES (1, 0);',
  })
  const { grant, credential } = await gw.grant(SCOPE)
  const sleeper = await connect(gw.url(credential))
  const writer = await connect(gw.url(credential))
  const sleeping30 = sleeper.query('SELECT pg_sleep(30)').catch((e: Error) => e)
  // Autocommit: it would commit once the sleep in its WHERE ends.
  const writing = writer
    .query('UPDATE t SET v = 1 WHERE id = 1 AND pg_sleep(30) IS NOT NULL')
    .catch((e: Error) => e)
  for (let i = 0; (await sleeping(gw)) < 2; i++) {
    assert.ok(i < 100, 'both statements reached the target')
    await sleep(50)
  }

  const revokedAt = Date.now()
  await gw.core.revokeGrant(
    { ...gw.agent, groups: ['taskgate-admins'] },
    grant.id,
    'test: stop in-flight work',
  )
  assert.ok((await sleeping30) instanceof Error)
  assert.ok((await writing) instanceof Error)
  while ((await sleeping(gw)) > 0) {
    // Generous for a loaded machine; before the fix the backends ran for the rest of their 30 s.
    assert.ok(Date.now() - revokedAt < 10_000, 'the upstream statements stopped soon after the revoke')
    await sleep(100)
  }
  assert.equal((await gw.db.query('SELECT v FROM t WHERE id = 1')).rows[0].v, 0, 'the write did not commit')

  const sessions = await gw.core.listSessions(gw.agent, { grantId: grant.id })
  const texts = (
    await Promise.all(sessions.map((s) => gw.core.getSession(gw.agent, s.id).then((r) => r.actions)))
  )
    .flat()
    .map((a) => a.text)
  assert.ok(texts.includes('SELECT pg_sleep(30)'), 'the sleep was recorded when it started')
  assert.ok(
    texts.some((t) => t.startsWith('UPDATE t SET v = 1')),
    'the write was recorded when it started',
  )
})
