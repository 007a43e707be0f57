// A statement a guardrail holds for a human: the client is told it waits (NoticeResponse with the
// approval id), then the statement runs once approved, or fails with 42501 when denied.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import type { Principal } from '../../../src/core/index.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway
const dba: Principal = { id: 'oidc:dana', kind: 'person', name: 'dana', groups: ['dbas'], via: 'oidc' }

before(async () => {
  gw = await startPostgresGateway({
    setupSql:
      'CREATE TABLE public.items (id int PRIMARY KEY, v int); INSERT INTO items VALUES (1, 0), (2, 0);',
    extraConfig: `guardrails:
  - id: hold-updates
    description: updates need a second pair of eyes
    action: approve
    match: { kinds: [UpdateStmt] }
    approvers: [dbas]`,
  })
})
after(() => gw[Symbol.asyncDispose]())

async function approvalIdFrom(notices: string[]): Promise<string> {
  for (let i = 0; i < 200 && notices.length === 0; i++) await sleep(10)
  const id = /waiting for approval (\S+)/.exec(notices[0] ?? '')?.[1]
  assert.ok(id, `no waiting notice: ${notices.join('|')}`)
  return id
}

for (const verdict of ['approve', 'deny'] as const) {
  test(`a held UPDATE waits for the approver, then ${verdict === 'approve' ? 'runs' : 'fails with 42501'}`, async () => {
    const { credential } = await gw.grant('select:public.items,update:public.items')
    const client = new pg.Client({ connectionString: gw.url(credential) })
    const notices: string[] = []
    client.on('notice', (n) => notices.push(n.message ?? ''))
    await client.connect()
    try {
      const pending = client.query('UPDATE items SET v = v + 1 WHERE id = $1', [
        verdict === 'approve' ? 1 : 2,
      ])
      const outcome = pending.then(
        (r) => r,
        (e: unknown) => e as pg.DatabaseError,
      )
      const approvalId = await approvalIdFrom(notices)
      await gw.core.decideApproval(dba, approvalId, verdict, `${verdict}: checked the id`)
      const result = await outcome
      if (verdict === 'approve') {
        assert.equal((result as pg.QueryResult).rowCount, 1)
      } else {
        assert.equal((result as pg.DatabaseError).code, '42501')
      }
      // The session goes on, and the approval covered one execution only.
      assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1)
    } finally {
      await client.end()
    }
  })
}
