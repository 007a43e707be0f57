// Issue 11, item 4: a grant requested while the target was down stayed `pending` forever (the client got 503);
// a grant ended while the target was down kept its tg_<grant> role there; grants became active while their
// clients got 503. Provisioning now retries, a grant the target could not be prepared for is cancelled (the
// answer says so), and a periodic reconcile drops the roles of ended grants and cancels grants stuck pending.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { roleNameFor } from '../../src/protocols/postgres/provisioner.ts'
import { type PostgresCluster, startPostgresCluster } from '../support/postgres-cluster.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

async function gatewayInFrontOf(cluster: PostgresCluster): Promise<PostgresGateway> {
  return startPostgresGateway({
    admin: true,
    target: `{ host: 127.0.0.1, port: ${cluster.port}, database: postgres, user: postgres, tls: disable }`,
    reconcileIntervalMs: 200,
  })
}

async function roleExists(cluster: PostgresCluster, grantId: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: cluster.url })
  await admin.connect()
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [
      roleNameFor(grantId),
    ])
    return rowCount === 1
  } finally {
    await admin.end()
  }
}

test('a grant requested while the target is down is cancelled, and the requester is told so', async () => {
  await using cluster = await startPostgresCluster()
  await using gw = await gatewayInFrontOf(cluster)
  await cluster.stop()
  await assert.rejects(gw.grant('select:public.t'), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'TG_UPSTREAM_UNAVAILABLE')
    assert.match(error.message, /could not prepare access for grant g\w+, so it was cancelled/)
    return true
  })
  const grants = await gw.core.listGrants(gw.agent, { resourceId: gw.resource.id })
  assert.equal(grants.length, 1)
  assert.equal(grants[0]?.status, 'ended', 'the state matches the answer: not pending, not active')
  assert.equal(grants[0]?.endReason, 'cancelled')
  await cluster.start()
  const { grant } = await gw.grant('select:public.t')
  assert.equal(grant.status, 'active', 'with the target back, the next request works')
})

test('a grant ended while the target is down loses its role once the target is back', async () => {
  await using cluster = await startPostgresCluster()
  await using gw = await gatewayInFrontOf(cluster)
  const { grant } = await gw.grant('select:public.t')
  assert.ok(await roleExists(cluster, grant.id))
  await cluster.stop()
  await gw.core.endGrant(gw.agent, grant.id)
  await cluster.start()
  for (let i = 0; await roleExists(cluster, grant.id); i++) {
    assert.ok(i < 100, 'the reconcile dropped the role of the ended grant')
    await sleep(100)
  }
})

test('a pending grant nothing will ever decide is cancelled by the reconcile', async () => {
  await using cluster = await startPostgresCluster()
  await using gw = await gatewayInFrontOf(cluster)
  const stuck = {
    id: `gstuck${Math.random().toString(36).slice(2, 10)}`,
    principalId: gw.agent.id,
    principalName: gw.agent.name,
    groups: gw.agent.groups,
    resourceId: gw.resource.id,
    scope: [{ verb: 'select', object: 'public.t' }],
    task: 'activation interrupted by a crash',
    status: 'pending' as const,
    sessionBound: false,
    ttlSeconds: 600,
    requestedAt: new Date(Date.now() - 10 * 60_000),
  }
  await gw.store.grants.insert(stuck)
  for (let i = 0; (await gw.store.grants.get(stuck.id))?.status === 'pending'; i++) {
    assert.ok(i < 100, 'the stuck grant was cancelled')
    await sleep(100)
  }
  assert.equal((await gw.store.grants.get(stuck.id))?.endReason, 'cancelled')
})
