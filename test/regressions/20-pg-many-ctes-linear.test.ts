// Outside review (session 7): the classifier gave each CTE of a WITH a copy of the names before it, so one
// statement of 30,000 CTEs (about 600 KB, under the 1 MiB statement limit) cost 450 million copies and held
// the event loop (every session of the gateway) for minutes on a loaded machine. The names are now one map
// per WITH. Through a real gateway and server; the bound is generous (a loaded 2-core machine).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { probeEventLoopLag } from '../support/event-loop-lag.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway()
})
after(() => gw[Symbol.asyncDispose]())

test('a WITH of 30,000 CTEs is classified without holding the event loop', async () => {
  const { credential } = await gw.grant('select:public.*')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  try {
    const ctes = Array.from({ length: 30_000 }, (_, i) => `c${i} AS (SELECT ${i} AS n)`).join(', ')
    const probe = probeEventLoopLag()
    const result = await client.query(`WITH ${ctes} SELECT n FROM c29999`)
    const lagMs = probe.stop()
    assert.deepEqual(result.rows, [{ n: 29_999 }])
    assert.ok(lagMs < 30_000, `event loop blocked ${lagMs.toFixed(0)} ms`)
  } finally {
    await client.end()
  }
})
