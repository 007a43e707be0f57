// Anomaly signals end to end through a real gateway and psql: a request wider than the principal's similar
// earlier task gets that evidence in its response and an `anomaly.detected` audit entry on the grant; after a
// session that read a table no similar task touched, the grant's evidence and the audit say so.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { psql } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE TABLE public.invoices (id int, total int); INSERT INTO invoices VALUES (1, 10), (2, 20);
      CREATE TABLE public.customers (id int, email text); INSERT INTO customers VALUES (1, 'a@example.com');`,
  })
})
after(() => gw[Symbol.asyncDispose]())

async function anomalies(grantId: string): Promise<unknown[]> {
  const entries = await gw.store.audit.list({ type: 'anomaly.detected', subject: grantId })
  return entries.flatMap((e) => (e.data?.signals as unknown[]) ?? [])
}

test('a wider request and a read of an unseen table are evidence for the approver and audited', async () => {
  const first = await gw.grant('select:public.invoices')
  const ran = await psql(gw.env(first.credential), 'SELECT count(*) FROM invoices')
  assert.equal(ran.stdout.trim(), '2', ran.stderr)
  await gw.core.endGrant(gw.agent, first.grant.id)

  const result = await gw.core.requestGrant(gw.agent, {
    resourceId: gw.resource.id,
    scope: 'select:public.invoices,select:public.customers',
    task: 'integration test again',
    ttl: '10m',
  })
  assert.ok(result.credential)
  assert.deepEqual(
    result.evidence?.similar.map((s) => [s.grantId, s.used]),
    [[first.grant.id, ['select:public.invoices']]],
  )
  assert.deepEqual(result.evidence?.widerThanPast, ['select:public.customers'])
  assert.deepEqual(await anomalies(result.grant.id), [
    {
      kind: 'wider-than-past',
      message: "requests 1 scope entry none of the principal's 1 similar earlier task(s) used",
      items: ['select:public.customers'],
    },
  ])

  const read = await psql(gw.env(result.credential), 'SELECT email FROM customers')
  assert.equal(read.code, 0, read.stderr)
  // The session's end computes the signals from what it ran, after the client has gone.
  let signals: unknown[] = []
  for (let i = 0; i < 500 && signals.length < 2; i++) {
    signals = await anomalies(result.grant.id)
    await sleep(10)
  }
  assert.deepEqual(signals[1], {
    kind: 'unseen-object',
    message: 'used 1 object(s) no similar earlier task of the principal touched',
    items: ['public.customers'],
  })
  const evidence = await gw.core.grantEvidence(gw.agent, result.grant.id)
  assert.deepEqual(
    evidence.signals.map((s) => s.kind),
    ['wider-than-past', 'unseen-object'],
  )
})
