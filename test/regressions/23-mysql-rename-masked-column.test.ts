// Masking rules name columns (and may name their table), so `ALTER TABLE customers RENAME COLUMN email TO
// e2` (or `CHANGE email e2 ...`) took the column out of every rule: `SELECT e2` came back in clear and
// `WHERE e2 LIKE 'a%'` was answered. Under a rule that names columns, a rename (RENAME COLUMN, CHANGE to
// another name, RENAME TO, RENAME TABLE) is refused with ERR 1142 naming the rule; CHANGE keeping the
// name is not a rename.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type mysql from 'mysql2/promise'
import { type MaskedMysql, startMaskedMysql } from '../support/masked-gateways.ts'

let fixture: MaskedMysql
let c: mysql.Connection

before(async () => {
  fixture = await startMaskedMysql('*:$DB.*')
  c = fixture.c
})
after(() => fixture?.[Symbol.asyncDispose]())

test('renaming a column or table under a rule that names columns is refused; the column stays masked', async () => {
  for (const sql of [
    'ALTER TABLE customers RENAME COLUMN email TO e2',
    'ALTER TABLE customers CHANGE email e2 VARCHAR(100)',
    'ALTER TABLE customers CHANGE COLUMN email E2 VARCHAR(100)',
    'ALTER TABLE customers RENAME TO other',
    'RENAME TABLE customers TO other',
  ])
    await assert.rejects(
      () => c.query(sql),
      (error: mysql.QueryError) => {
        assert.equal(error.errno, 1142, `${sql}: ${error.message}`)
        assert.match(error.message, /hide-email/, sql)
        return true
      },
    )
  const [rows] = await c.query('SELECT id, email FROM customers ORDER BY id')
  assert.ok(!JSON.stringify(rows).includes('@example'), JSON.stringify(rows))
  await assert.rejects(() => c.query("SELECT id FROM customers WHERE email LIKE 'a%'"), /hide-email/)
})
