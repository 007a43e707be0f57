// Outside review (session 7): `SELECT 1+1+…` of a thousand terms (2 KB) made the MySQL classifier's WASM
// parser trap (its stack overflowed while the tree was converted), and the instance stayed broken: every
// later statement of every MySQL session of the gateway was denied with "memory access out of bounds"
// until a restart. The statement is still denied, and the parser is replaced by a fresh instance.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { type MysqlGateway, startMysqlGateway } from '../support/start-mysql-gateway.ts'

let g: MysqlGateway

before(async () => {
  g = await startMysqlGateway()
})
after(() => g[Symbol.asyncDispose]())

test('a statement that traps the parser is denied, and other sessions go on', async () => {
  const attacker = await g.connect((await g.grant('select:$DB.customers')).credential)
  const bystander = await g.connect((await g.grant('select:$DB.customers')).credential)
  try {
    for (const terms of [1_000, 3_000, 10_000]) {
      await assert.rejects(attacker.query(`SELECT ${'1+'.repeat(terms)}1`), { errno: 1142 })
      const [rows] = await bystander.query('SELECT id, name FROM customers ORDER BY id')
      assert.deepEqual(rows, [
        { id: 1, name: 'Ada' },
        { id: 2, name: 'Grace' },
      ])
      const [mine] = await attacker.query('SELECT count(*) AS n FROM customers')
      assert.deepEqual(mine, [{ n: 2 }])
    }
  } finally {
    await attacker.end()
    await bystander.end()
  }
})
