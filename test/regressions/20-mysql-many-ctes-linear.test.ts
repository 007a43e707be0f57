// Outside review (session 7): the MySQL classifier built each CTE's scope as a new set of the names before
// it, so one statement of 10,000 CTEs (200 KB, under the 1 MiB statement limit) held the event loop (every
// session of the gateway) for most of a minute on a loaded machine. A WITH now keeps one map of its names.
// Through a real gateway and server; the bound is generous (a loaded 2-core machine).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { probeEventLoopLag } from '../support/event-loop-lag.ts'
import { type MysqlGateway, startMysqlGateway } from '../support/start-mysql-gateway.ts'

let g: MysqlGateway

before(async () => {
  g = await startMysqlGateway()
})
after(() => g[Symbol.asyncDispose]())

test('a WITH of 16,000 CTEs is classified (and denied: it reads beyond the grant) without holding the event loop', async () => {
  const c = await g.connect((await g.grant('select:$DB.customers')).credential)
  try {
    const ctes = Array.from({ length: 16_000 }, (_, i) => `c${i} AS (SELECT ${i} AS n)`).join(', ')
    const probe = probeEventLoopLag()
    await assert.rejects(c.query(`WITH ${ctes} SELECT n FROM c15999 JOIN mysql.user`), {
      errno: 1142,
      message: /does not allow select:mysql.user/,
    })
    const lagMs = probe.stop()
    const [rows] = await c.query('SELECT count(*) AS n FROM customers')
    assert.deepEqual(rows, [{ n: 2 }])
    assert.ok(lagMs < 30_000, `event loop blocked ${lagMs.toFixed(0)} ms`)
  } finally {
    await c.end()
  }
})
