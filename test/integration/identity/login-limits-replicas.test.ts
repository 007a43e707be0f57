// limits.failedLogins across gateways sharing a PostgreSQL store: failures seen by one gateway count on the
// others (announced through the store's LISTEN/NOTIFY), so N replicas do not allow N times the guesses.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { parseConfigText } from '../../../src/config/load.ts'
import { type Core, createCore, isTaskgateError } from '../../../src/core/index.ts'
import { openPostgresStore } from '../../../src/store/postgres/index.ts'
import { createThrowawayDatabase } from '../../support/postgres.ts'

const CONFIG = `
resources:
  - { id: db, kind: postgres, listen: { port: 0 }, target: { host: 127.0.0.1, database: x, user: x } }
policies: []
limits: { failedLogins: { perSource: 100, perPrincipal: 3, window: 10m } }
`

const refused = (core: Core, user: string, client: string) =>
  core.admitLogin('db', user, client).then(
    () => false,
    (error: unknown) => isTaskgateError(error) && error.code === 'TG_LOGIN_RATE_LIMITED',
  )

test('failed logins on one gateway count towards the limit on another sharing the store', async () => {
  await using db = await createThrowawayDatabase('tg_limits')
  const config = parseConfigText(CONFIG, 'limits.yaml')
  const stores = [await openPostgresStore({ url: db.url }), await openPostgresStore({ url: db.url })]
  const [a, b] = stores.map((store) => createCore({ config, store, logger: pino({ level: 'silent' }) })) as [
    Core,
    Core,
  ]
  try {
    // Two failures naming `alice` on gateway a, one on gateway b: three in all, the per-principal limit.
    await a.loginFailed('db', 'alice', 'TG_AUTH_INVALID', '10.0.0.1')
    await a.loginFailed('db', 'alice', 'TG_AUTH_INVALID', '10.0.0.2')
    assert.equal(await refused(b, 'alice', '10.0.0.3'), false, 'two failures: still admitted')
    await b.loginFailed('db', 'alice', 'TG_AUTH_INVALID', '10.0.0.3')
    let both = false
    for (let i = 0; i < 100 && !both; i++) {
      both = (await refused(a, 'alice', '10.0.0.4')) && (await refused(b, 'alice', '10.0.0.5'))
      if (!both) await sleep(50)
    }
    assert.ok(both, 'both gateways refuse alice once the failures on both add up to the limit')
    assert.equal(await refused(a, 'bob', '10.0.0.4'), false, 'others are not affected')
  } finally {
    await a.close()
    await b.close()
    for (const store of stores) await store.close()
  }
})
