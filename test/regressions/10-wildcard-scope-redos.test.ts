// Issue #10 item 3: a wildcard scope (`select:sales.*a*a*…*b`, within an auto-approved `sales.*`) matched
// through a backtracking RegExp, so a table name of forty `a`s blocked the event loop 8.5 s. Scope objects
// now match as globs in linear time, and a scope's entry count and entry length are bounded at request.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { isTaskgateError } from '../../src/core/index.ts'
import { probeEventLoopLag } from '../support/event-loop-lag.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

const longName = 'a'.repeat(40)
let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE SCHEMA sales; CREATE TABLE sales.${longName} (id int); INSERT INTO sales.${longName} VALUES (1);`,
  })
})
after(() => gw[Symbol.asyncDispose]())

test('a wildcard scope built to backtrack decides at once and covers only what it names', async () => {
  const { credential } = await gw.grant(`select:sales.${'*a'.repeat(8)}*b`)
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  try {
    const probe = probeEventLoopLag()
    const denied = await client.query(`select * from sales.${longName}`).catch((e: Error) => e)
    const lagMs = probe.stop()
    assert.ok(denied instanceof Error && /does not allow/.test(denied.message), String(denied))
    assert.ok(lagMs < 1000, `event loop blocked ${lagMs.toFixed(0)} ms`)
  } finally {
    await client.end()
  }
})

test('a scope with too many entries, or an entry too long, is refused with TG_SCOPE_TOO_LARGE', async () => {
  const many = Array.from({ length: 65 }, (_, i) => `select:sales.t${i}`).join(',')
  const tooLong = `select:sales.${'x*'.repeat(200)}`
  for (const scope of [many, tooLong]) {
    const error = await gw.grant(scope).catch((e: unknown) => e)
    assert.ok(isTaskgateError(error), String(error))
    assert.equal(error.code, 'TG_SCOPE_TOO_LARGE')
  }
  const asEntries = Array.from({ length: 65 }, (_, i) => ({ verb: 'select', object: `sales.t${i}` }))
  const error = await gw.core
    .requestGrant(gw.agent, { resourceId: gw.resource.id, scope: asEntries, task: 'too many' })
    .catch((e: unknown) => e)
  assert.ok(isTaskgateError(error) && error.code === 'TG_SCOPE_TOO_LARGE', String(error))
})
