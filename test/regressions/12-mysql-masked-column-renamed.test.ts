// Outside review (MySQL masking): a masked column may be returned, not computed on (REVIEW.md, #10). Three
// ways to compute on it under another name were open, each a yes/no question about the clear value:
// - stored into a variable, then filtered on: `SELECT email INTO @v FROM customers LIMIT 1` and then
//   `SELECT id FROM customers WHERE @v LIKE 'ada%'` answered rows or none;
// - by its alias: `SELECT email e FROM customers HAVING e LIKE 'a%'`;
// - by its position: `ORDER BY 1`, `GROUP BY 1` (and a position inside `*`).
// Each now counts as computing on the column and is denied by the masking rule, as does DISTINCT over it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type mysql from 'mysql2/promise'
import { type MaskedMysql, startMaskedMysql } from '../support/masked-gateways.ts'

let fixture: MaskedMysql
let c: mysql.Connection

before(async () => {
  fixture = await startMaskedMysql('select:$DB.customers')
  c = fixture.c
})
after(() => fixture?.[Symbol.asyncDispose]())

test('a masked column stored in a variable, named by its alias or by its position is computed on: denied', async () => {
  for (const sql of [
    'SELECT email INTO @v FROM customers LIMIT 1',
    "SELECT email e FROM customers HAVING e LIKE 'a%'",
    'SELECT c.email AS x FROM customers c ORDER BY x',
    'SELECT email FROM customers ORDER BY 1 DESC LIMIT 1',
    'SELECT id, email FROM customers GROUP BY 2',
    'SELECT * FROM customers ORDER BY 3',
  ])
    await assert.rejects(c.query(sql), { errno: 1142, message: /masking rule hide-email/ }, sql)
  // The variable was never set, so the question it would answer has no answer.
  const [rows] = await c.query("SELECT id FROM customers WHERE @v LIKE 'ada%'")
  assert.deepEqual(rows, [])
})

test('returning a masked column, and sorting by other columns, still work', async () => {
  const [masked] = await c.query('SELECT id, email AS e FROM customers ORDER BY 1')
  assert.deepEqual(masked, [
    { id: 1, e: '****' },
    { id: 2, e: '****' },
  ])
  const [byName] = await c.query('SELECT id, name FROM customers ORDER BY 2 DESC')
  assert.deepEqual(byName, [
    { id: 2, name: 'Grace' },
    { id: 1, name: 'Ada' },
  ])
  await c.query('SELECT id INTO @w FROM customers LIMIT 1')
})

test('a position is not shared through the decision cache: ORDER BY 1 allowed does not allow ORDER BY 2', async () => {
  await c.query('SELECT id, email FROM customers ORDER BY 1')
  await assert.rejects(c.query('SELECT id, email FROM customers ORDER BY 2'), {
    errno: 1142,
    message: /masking rule hide-email/,
  })
})

test('DISTINCT compares the masked values it returns, as GROUP BY does: denied', async () => {
  for (const sql of ['SELECT DISTINCT email FROM customers', 'SELECT DISTINCT * FROM customers'])
    await assert.rejects(c.query(sql), { errno: 1142, message: /masking rule hide-email/ }, sql)
  const [rows] = await c.query('SELECT DISTINCT name FROM customers ORDER BY name')
  assert.deepEqual(rows, [{ name: 'Ada' }, { name: 'Grace' }])
})
