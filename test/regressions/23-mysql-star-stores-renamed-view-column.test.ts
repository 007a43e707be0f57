// `CREATE VIEW v3 AS SELECT * FROM cv` (cv renames the masked email to s) was allowed: a `*` names no
// column, so the statement computed on nothing and no view lineage was asked for. v3 (or `CREATE TEMPORARY
// TABLE t AS SELECT * FROM cv`) then held the clear email under a name no rule knows, read back in clear and
// filtered at will. Likewise `WHERE (1, 'ada', 'x@y') IN (SELECT * FROM customers)` and `SELECT * … UNION
// SELECT …` compared whole rows holding the masked column. A `*` whose rows are stored or compared now
// counts as the whole row (refused under a rule that forbids computing on its columns, ERR 1142).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type mysql from 'mysql2/promise'
import { type MaskedMysql, startMaskedMysql } from '../support/masked-gateways.ts'

let fixture: MaskedMysql
let c: mysql.Connection

before(async () => {
  fixture = await startMaskedMysql('*:$DB.*', async (root, db) => {
    await root.query(`CREATE VIEW ${db}.cv AS SELECT id, email AS s FROM ${db}.customers`)
  })
  c = fixture.c
})
after(() => fixture?.[Symbol.asyncDispose]())

test('a * that stores or compares rows holding a masked column is refused; one returned or in EXISTS is not', async () => {
  for (const sql of [
    'CREATE VIEW v3 AS SELECT * FROM cv',
    'CREATE TEMPORARY TABLE t5 AS SELECT * FROM cv',
    'CREATE TABLE t6 AS SELECT * FROM cv',
    "SELECT 1 FROM dual WHERE (1, 'x', 'ada@example.com') IN (SELECT id, name, email FROM customers)",
    "SELECT 1 FROM dual WHERE ROW(1, 'x', 'ada@example.com') IN (SELECT * FROM customers)",
    "SELECT * FROM customers UNION SELECT 1, 'x', 'ada@example.com'",
  ])
    await assert.rejects(
      () => c.query(sql),
      (error: mysql.QueryError) => {
        assert.equal(error.errno, 1142, `${sql}: ${error.message}`)
        assert.match(error.message, /hide-email/, sql)
        return true
      },
    )
  await assert.rejects(() => c.query('SELECT s FROM v3'), /doesn't exist/)
  const [rows] = await c.query('SELECT * FROM cv')
  assert.ok(!JSON.stringify(rows).includes('@example'), JSON.stringify(rows))
  const [exists] = await c.query('SELECT id FROM customers WHERE EXISTS (SELECT * FROM customers)')
  assert.equal((exists as unknown[]).length, 2)
})
