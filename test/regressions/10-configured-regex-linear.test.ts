// Issue #10: regular expressions reachable from outside input must be linear or bounded. A guardrail
// pattern as an operator would write it, `delete.*from.*where`, took 80 s on 24 KB of `delete from ` with
// Node's backtracking engine; configured patterns now run on V8's linear-time engine.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { probeEventLoopLag } from '../support/event-loop-lag.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    extraConfig: `guardrails:
  - id: deletes-need-where
    action: deny
    description: a delete names its rows
    match: { pattern: "delete.*from.*where" }
`,
  })
})
after(() => gw[Symbol.asyncDispose]())

test('a statement built to make a guardrail pattern backtrack is decided at once', async () => {
  const { credential } = await gw.grant('select:public.*')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  try {
    const probe = probeEventLoopLag()
    const r = await client.query(`select length('${'delete from '.repeat(5000)}') as n`)
    const lagMs = probe.stop()
    assert.equal(r.rows[0]?.n, 60_000)
    assert.ok(lagMs < 2000, `event loop blocked ${lagMs.toFixed(0)} ms`)
    const denied = await client.query("select 'DELETE x FROM y WHERE z'").catch((e: Error) => e)
    assert.ok(denied instanceof Error && /deletes-need-where/.test(denied.message), String(denied))
  } finally {
    await client.end()
  }
})
