// Two gateway processes sharing one PostgreSQL store (two cores on two store connections, each with its
// own LISTEN connection): a session open in one is ended through the other, which reaches it over the
// store's notifications; the session's own process closes it and records the end.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pino from 'pino'
import { createCore } from '../../../src/core/index.ts'
import { openPostgresStore } from '../../../src/store/postgres/index.ts'
import { openClosableSession } from '../../support/open-closable-session.ts'
import { createThrowawayDatabase } from '../../support/postgres.ts'
import { serviceAccountAgent } from '../../support/principals.ts'
import { suffixedPostgresConfig } from '../../support/suffixed-postgres-config.ts'

const suffix = randomBytes(3).toString('hex')
const resourceId = `pg-${suffix}`
const config = suffixedPostgresConfig(suffix, {
  agentsCeiling: ['select:*'],
  agentsAutoApprove: ['select:*'],
  dbasPolicy: false,
})
const agent = serviceAccountAgent('bot', suffix, `agents-${suffix}`)
const approver = serviceAccountAgent('dba', suffix, `dbas-${suffix}`)

test('a session served by one gateway is ended through another sharing the PostgreSQL store', async () => {
  await using db = await createThrowawayDatabase()
  const logger = pino({ level: 'silent' })
  const stores = [await openPostgresStore({ url: db.url }), await openPostgresStore({ url: db.url })]
  const serving = createCore({ config, store: stores[0]!, logger })
  const other = createCore({ config, store: stores[1]!, logger })
  try {
    const { grant } = await serving.requestGrant(agent, {
      resourceId,
      scope: 'select:public.items',
      task: 'read',
    })
    const { session: handle, closed } = await openClosableSession(serving, grant, config.resources[0]!)
    const asked = await other.endSession(approver, handle.id, 'stuck')
    assert.equal(asked.endedAt, undefined, 'the other process only asks')
    for (let i = 0; i < 200 && closed.length === 0; i++) await sleep(25)
    assert.deepEqual(closed, ['session ended by dba: stuck'])
    let ended: Awaited<ReturnType<typeof other.getSession>>['session'] | undefined
    for (let i = 0; i < 200 && !ended?.endedAt; i++) {
      ended = (await other.getSession(approver, handle.id)).session
      if (!ended.endedAt) await sleep(25)
    }
    assert.equal(ended?.endReason, 'session ended by dba: stuck')
    assert.equal((await other.getGrant(agent, grant.id)).status, 'active', 'the grant stays active')
  } finally {
    await serving.close()
    await other.close()
    for (const store of stores) await store.close()
  }
})
