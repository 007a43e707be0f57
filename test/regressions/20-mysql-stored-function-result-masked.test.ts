// Outside review (session 7): MariaDB describes a stored function's result with an org_name (the call,
// `db.email_of(1)`) and no org_table. The relay took any org_name for a plain column reference, so the
// result had a known origin no rule named, and `SELECT email_of(1)` returned a masked e-mail in clear
// (as did a derived table or subquery around it). A column with no org_table is now computed: every rule
// naming columns applies to it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type mysql from 'mysql2/promise'
import { type MaskedMysql, startMaskedMysql } from '../support/masked-gateways.ts'

let fixture: MaskedMysql
let c: mysql.Connection

before(async () => {
  fixture = await startMaskedMysql('*:$DB.*', async (root, db) => {
    await root.query(
      `CREATE FUNCTION ${db}.email_of(i INT) RETURNS VARCHAR(100) READS SQL DATA
       RETURN (SELECT email FROM ${db}.customers WHERE id = i)`,
    )
  })
  c = fixture.c
})
after(() => fixture?.[Symbol.asyncDispose]())

test("a stored function's result is masked: its body may read a masked column", async () => {
  for (const sql of [
    'SELECT email_of(1)',
    'SELECT * FROM (SELECT email_of(1)) t',
    'SELECT (SELECT email_of(2))',
  ]) {
    const [rows] = await c.query(sql)
    const text = JSON.stringify(rows)
    assert.ok(!text.includes('@example.com'), `${sql} returned ${text}`)
  }
  // Plain columns are as before.
  const [plain] = await c.query('SELECT id, name, email FROM customers ORDER BY id')
  assert.deepEqual(plain, [
    { id: 1, name: 'Ada', email: '****' },
    { id: 2, name: 'Grace', email: '****' },
  ])
})
