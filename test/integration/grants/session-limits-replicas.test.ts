// limits.sessionsPerGrant and .sessionsPerPrincipal across gateways sharing a PostgreSQL store: each process
// alone sees only its own sessions, so the store counts them again when a session is inserted, under the
// audit chain's lock, and two replicas logging in at once cannot each admit the cap.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import pino from 'pino'
import { type Core, createCore, isTaskgateError, type SessionHandle } from '../../../src/core/index.ts'
import { openPostgresStore } from '../../../src/store/postgres/index.ts'
import { createThrowawayDatabase } from '../../support/postgres.ts'
import { serviceAccountAgent } from '../../support/principals.ts'
import { suffixedPostgresConfig } from '../../support/suffixed-postgres-config.ts'

const suffix = randomBytes(3).toString('hex')
const config = suffixedPostgresConfig(suffix, {
  agentsCeiling: ['select:*'],
  agentsAutoApprove: ['select:*'],
  dbasPolicy: false,
  more: 'limits: { sessionsPerGrant: 3, sessionsPerPrincipal: 5 }',
})
const resource = config.resources[0]!
const agent = serviceAccountAgent('bot', suffix, `agents-${suffix}`)

type Opened = SessionHandle | 'limit'

const open = (core: Core, grant: Parameters<Core['openSession']>[0]['context']['grant']) =>
  core
    .openSession({
      context: { grant, resource },
      protocol: 'postgres',
      client: '127.0.0.1:5000',
      close: () => {},
    })
    .then(
      (handle): Opened => handle,
      (error: unknown): Opened => {
        if (isTaskgateError(error) && error.code === 'TG_SESSION_LIMIT') return 'limit'
        throw error
      },
    )

test('two replicas opening sessions at once admit no more than the limits between them', async () => {
  await using db = await createThrowawayDatabase('tg_session_limits')
  const logger = pino({ level: 'silent' })
  const stores = [await openPostgresStore({ url: db.url }), await openPostgresStore({ url: db.url })]
  const [a, b] = stores.map((store) => createCore({ config, store, logger })) as [Core, Core]
  try {
    const request = { resourceId: resource.id, scope: 'select:public.items', task: 'read' }
    const { grant } = await a.requestGrant(agent, request)
    // Three per replica at once: each replica alone is under the grant's limit of 3.
    const first = await Promise.all([
      ...[a, a, a].map((c) => open(c, grant)),
      ...[b, b, b].map((c) => open(c, grant)),
    ])
    const admitted = first.filter((o): o is SessionHandle => o !== 'limit')
    assert.equal(admitted.length, 3, 'the grant limit holds across both replicas')
    const live = await db.query('SELECT count(*)::int AS n FROM taskgate.sessions WHERE ended_at IS NULL')
    assert.equal(live.rows[0].n, 3)
    const started = await db.query(
      `SELECT count(*)::int AS n FROM taskgate.audit_events WHERE type = 'session.started'`,
    )
    assert.equal(started.rows[0].n, 3, 'a refused session leaves no session.started entry')

    // A session closed on one replica makes room on the other.
    const onA = admitted.find((h) => first.indexOf(h) < 3) ?? admitted[0]!
    await (first.indexOf(onA) < 3 ? a : b).closeSession(onA, 'client closed')
    assert.notEqual(await open(b, grant), 'limit', 'room again once one ended')
    assert.equal(await open(a, grant), 'limit')

    // The principal's limit (5) counts its sessions of every grant on every replica.
    const { grant: second } = await b.requestGrant(agent, request)
    const more = await Promise.all([open(a, second), open(b, second), open(a, second)])
    assert.deepEqual(
      more.map((o) => (o === 'limit' ? 'limit' : 'ok')).sort(),
      ['limit', 'ok', 'ok'],
      '3 on the first grant + 2 here = the principal limit of 5',
    )
  } finally {
    await a.close()
    await b.close()
    for (const store of stores) await store.close()
  }
})
