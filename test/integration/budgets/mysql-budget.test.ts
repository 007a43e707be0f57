// Exfiltration budgets on MySQL through the gateway with mysql2 against the real MariaDB (issue 16): the
// rows relayed are counted per chunk, so a hold pauses the result set mid-way until a person decides, and
// an end threshold ends the grant with MySQL's ERR (70100) naming the budget. MySQL has no asynchronous
// notice: a warning is audited only.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type MysqlGateway, startMysqlGateway } from '../../support/start-mysql-gateway.ts'

let gw: MysqlGateway
const BIG = "SELECT REPEAT('x', 100) AS filler FROM seq_1_to_20000"

before(async () => {
  // Continues the fixture's policy mapping (its last line is `maxTtl`).
  gw = await startMysqlGateway({
    extraConfig: `    budget:
      rows: { warn: 10, hold: 1000, end: 30000 }`,
  })
})
after(() => gw[Symbol.asyncDispose]())

async function crossings(grantId: string): Promise<string[]> {
  const entries = await gw.gateway.core.listAudit(gw.admin, { type: 'budget.crossed', subject: grantId })
  return entries.map((e) => `${String(e.data?.metric)}:${String(e.data?.level)}`).sort()
}

async function pendingHold(grantId: string): Promise<string> {
  for (let i = 0; i < 1000; i++) {
    const pending = await gw.gateway.core.listApprovals(gw.approver, { status: ['pending'] })
    const hold = pending.find((a) => a.grantId === grantId && a.rule === 'budget:rows')
    if (hold) return hold.id
    await sleep(10)
  }
  throw new Error('no budget hold')
}

for (const verdict of ['approve', 'deny'] as const) {
  test(`rows over the hold threshold pause the result set until a person decides: ${verdict}`, async () => {
    const { grant, credential } = await gw.grant('*:*')
    const conn = await gw.connect(credential)
    conn.on('error', () => {})
    try {
      let settled = false
      const outcome = conn.query(BIG).then(
        ([rows]) => rows as unknown[],
        (e: unknown) => e as { code?: string; sqlState?: string; message: string },
      )
      void outcome.then(() => {
        settled = true
      })
      const approvalId = await pendingHold(grant.id)
      await sleep(100)
      assert.equal(settled, false, 'the result set waits for the decision')
      await gw.gateway.core.decideApproval(gw.approver, approvalId, verdict, `${verdict}: checked`)
      const result = await outcome
      if (verdict === 'approve') {
        assert.equal((result as unknown[]).length, 20000)
      } else {
        const error = result as { sqlState?: string; message: string }
        assert.equal(error.sqlState, '70100')
        assert.match(
          error.message,
          /grant ended: .*exfiltration budget: .*rows read.*the hold was not approved/,
        )
      }
    } finally {
      await conn.end().catch(() => {})
    }
    // The warning is audited on its own only when a chunk ended between the two thresholds.
    const crossed = await crossings(grant.id)
    assert.ok(crossed.includes('rows:hold') && crossed.every((c) => c === 'rows:hold' || c === 'rows:warn'))
    const after = await gw.gateway.core.getGrant(gw.agent, grant.id)
    assert.equal(after.status, verdict === 'approve' ? 'active' : 'ended')
  })
}

test('rows over the end threshold end the grant mid-result with ERR 70100 naming the budget', async () => {
  const { grant, credential } = await gw.grant('*:*')
  const conn = await gw.connect(credential)
  conn.on('error', () => {})
  try {
    const outcome = conn.query('SELECT seq FROM seq_1_to_100000').then(
      () => undefined,
      (e: unknown) => e as { sqlState?: string; message: string },
    )
    await gw.gateway.core.decideApproval(gw.approver, await pendingHold(grant.id), 'approve', 'go on')
    const error = await outcome
    assert.ok(error, 'the query failed')
    assert.equal(error.sqlState, '70100')
    assert.match(
      error.message,
      /grant ended: the grant was revoked: exfiltration budget: grant \S+ has [\d,]+ rows read, over its budget's end threshold of 30,000/,
    )
  } finally {
    await conn.end().catch(() => {})
  }
  const crossed = await crossings(grant.id)
  assert.ok(crossed.includes('rows:end') && crossed.includes('rows:hold'), crossed.join())
  assert.equal((await gw.gateway.core.getGrant(gw.agent, grant.id)).status, 'ended')
})
