// Exfiltration budgets through the gateway with real PostgreSQL clients (issue 16): a warning threshold
// reaches the client as a NOTICE-channel WARNING, a hold pauses the result mid-way until a person decides
// (approved: the rest arrives; denied: the grant ends), an end threshold ends the grant mid-result with
// FATAL 57P01 naming the budget; every crossing is audited.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import type { Principal } from '../../../src/core/index.ts'
import { psql } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway
const dba: Principal = { id: 'oidc:dana', kind: 'person', name: 'dana', groups: ['dbas'], via: 'oidc' }
/** About 2 MB of rows: many chunks, so a threshold is crossed mid-result. */
const BIG = "SELECT repeat('x', 100) AS filler FROM generate_series(1, 20000)"

before(async () => {
  // Continues the fixture's policy mapping (its last line is `maxTtl`).
  gw = await startPostgresGateway({
    extraConfig: `    approvers: [dbas]
    budget:
      rows: { warn: 5, end: 1000000 }
      bytes: { hold: 50000, end: 5000000 }`,
  })
})
after(() => gw[Symbol.asyncDispose]())

async function crossings(grantId: string) {
  const entries = await gw.store.audit.list({ type: 'budget.crossed', subject: grantId })
  return entries.map((e) => `${String(e.data?.metric)}:${String(e.data?.level)}`)
}

async function waitFor<T>(get: () => T | undefined | Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 1000; i++) {
    const value = await get()
    if (value !== undefined) return value
    await sleep(10)
  }
  throw new Error(`timed out waiting for ${what}`)
}

test('crossing the rows warning sends a WARNING notice the agent sees, and audits it', async () => {
  const { grant, credential } = await gw.grant('select:*')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  const notices: Array<{ severity?: string; code?: string; message?: string; hint?: string }> = []
  client.on('notice', (n) => notices.push(n))
  await client.connect()
  try {
    assert.equal((await client.query('SELECT generate_series(1, 3)')).rowCount, 3)
    assert.equal(notices.length, 0, 'under the threshold: nothing')
    assert.equal((await client.query('SELECT generate_series(1, 3)')).rowCount, 3)
    await waitFor(() => (notices.length > 0 ? true : undefined), 'the warning')
    assert.equal(notices[0]?.severity, 'WARNING')
    assert.equal(notices[0]?.code, '01000')
    assert.match(notices[0]?.message ?? '', /6 rows read, over its budget's warn threshold of 5/)
    assert.match(notices[0]?.hint ?? '', /read only what it needs/)
    // Once only.
    await client.query('SELECT generate_series(1, 3)')
    assert.equal(notices.length, 1)
  } finally {
    await client.end()
  }
  assert.deepEqual(await crossings(grant.id), ['rows:warn'])
  // What `grant show` and the console show.
  const budget = await gw.core.grantBudget(gw.agent, grant.id)
  assert.deepEqual(budget?.crossed, ['rows:warn'])
  assert.equal(budget?.used.rows, 9)
  assert.equal(budget?.used.statements, 3)
  assert.deepEqual(budget?.limits.rows, { warn: 5, end: 1000000 })
})

for (const verdict of ['approve', 'deny'] as const) {
  test(`crossing the bytes hold pauses the result mid-way until a person decides: ${verdict}`, async () => {
    const { grant, credential } = await gw.grant('select:*')
    const client = new pg.Client({ connectionString: gw.url(credential) })
    const notices: string[] = []
    client.on('notice', (n) => notices.push(n.message ?? ''))
    client.on('error', () => {})
    await client.connect()
    try {
      const outcome = client.query(BIG).then(
        (r) => r,
        (e: unknown) => e as pg.DatabaseError,
      )
      const approvalId = await waitFor(
        () => notices.map((n) => /waiting for approval (\S+) \(rule budget\)/.exec(n)?.[1]).find(Boolean),
        'the waiting notice',
      )
      let settled = false
      void outcome.then(() => {
        settled = true
      })
      const approval = await gw.core.getApproval(dba, approvalId)
      await sleep(100)
      assert.equal(settled, false, 'the result waits for the decision')
      assert.equal(approval.rule, 'budget:bytes')
      assert.match(approval.summary, /^exfiltration budget: grant \S+ has [\d,]+ bytes read, over/)
      await gw.core.decideApproval(dba, approvalId, verdict, `${verdict}: looked at the task`)
      const result = await outcome
      if (verdict === 'approve') {
        assert.equal((result as pg.QueryResult).rowCount, 20000, 'the rest of the result arrived')
        assert.equal((await client.query('SELECT 1 AS one')).rows[0].one, 1, 'the session goes on')
      } else {
        const error = result as pg.DatabaseError
        assert.equal(error.code, '57P01')
        assert.match(error.message, /grant ended: .*exfiltration budget: .*the hold was not approved/)
      }
    } finally {
      await client.end().catch(() => {})
    }
    // Rows are counted per chunk too: the warning is crossed in the first chunk, or (when that chunk
    // crossed the hold as well) once the result goes on.
    const crossed = await crossings(grant.id)
    assert.ok(crossed.includes('bytes:hold'), crossed.join())
    assert.deepEqual(
      crossed.filter((c) => c !== 'bytes:hold' && c !== 'rows:warn'),
      [],
    )
    if (verdict === 'approve') assert.ok(crossed.includes('rows:warn'))
    const ended = await gw.core.getGrant(gw.agent, grant.id)
    assert.equal(ended.status, verdict === 'approve' ? 'active' : 'ended')
  })
}

test('crossing the bytes end threshold ends the grant mid-result: psql gets FATAL 57P01 naming the budget', async () => {
  const { grant, credential } = await gw.grant('select:*')
  // A second grant's hold must not be what stops this one: approve holds as they come.
  const approving = (async () => {
    for (let i = 0; i < 3000; i++) {
      const pending = await gw.core.listApprovals(dba, { status: ['pending'] })
      for (const a of pending.filter((p) => p.grantId === grant.id))
        await gw.core.decideApproval(dba, a.id, 'approve', 'go on').catch(() => {})
      if ((await gw.core.getGrant(gw.agent, grant.id)).status === 'ended') return
      await sleep(10)
    }
  })()
  const result = await psql(gw.env(credential), "SELECT repeat('x', 1000) FROM generate_series(1, 10000)")
  await approving
  assert.notEqual(result.code, 0)
  assert.match(
    result.stderr,
    /grant ended: the grant was revoked: exfiltration budget: grant \S+ has [\d,]+ bytes read, over its budget's end threshold of 5,000,000/,
  )
  assert.ok(result.stdout.split('\n').length < 10000, 'the result was cut off')
  const ended = await gw.core.getGrant(gw.agent, grant.id)
  assert.equal(ended.status, 'ended')
  const crossed = (await crossings(grant.id)).sort()
  assert.deepEqual(
    crossed.filter((c) => c !== 'rows:warn'),
    ['bytes:end', 'bytes:hold'],
  )
})

test('rows are counted as they are relayed: a rows end threshold ends the grant mid-result', async () => {
  await using rowsGw = await startPostgresGateway({
    extraConfig: `    budget:
      rows: { end: 5000 }`,
  })
  const { grant, credential } = await rowsGw.grant('select:*')
  const result = await psql(rowsGw.env(credential), 'SELECT g FROM generate_series(1, 200000) g')
  assert.notEqual(result.code, 0)
  assert.match(
    result.stderr,
    /grant ended: the grant was revoked: exfiltration budget: grant \S+ has [\d,]+ rows read, over its budget's end threshold of 5,000/,
  )
  assert.ok(result.stdout.split('\n').length < 200000, 'the result was cut off')
  assert.equal((await rowsGw.core.getGrant(rowsGw.agent, grant.id)).status, 'ended')
})
