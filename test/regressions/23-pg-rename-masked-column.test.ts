// Masking rules name columns (and may name their table), so `ALTER TABLE app.customers RENAME COLUMN ssn TO
// s2` took the column out of every rule: `SELECT s2` came back in clear and `WHERE s2 LIKE '9%'` was
// answered. Under a rule that names columns, a rename (column, table, view, schema: RenameStmt) is refused
// with 42501 naming the rule; a grant without masking renames as before.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type pg from 'pg'
import { type MaskedPostgres, startMaskedPostgres } from '../support/masked-gateways.ts'

let fixture: MaskedPostgres
let client: pg.Client

before(async () => {
  fixture = await startMaskedPostgres(
    'CREATE VIEW app.renamed AS SELECT id, ssn FROM app.customers;',
    'rename masked column',
  )
  client = fixture.client
})
after(() => fixture?.[Symbol.asyncDispose]())

test('renaming a column or table under a rule that names columns is refused; the column stays masked', async () => {
  for (const sql of [
    'ALTER TABLE app.customers RENAME COLUMN ssn TO s2',
    'ALTER TABLE app.customers RENAME ssn TO s2',
    'ALTER VIEW app.renamed RENAME COLUMN ssn TO s2',
    'ALTER TABLE app.customers RENAME TO other',
  ]) {
    const error = await client.query(sql).then(
      () => assert.fail(`${sql}: answered`),
      (e: unknown) => e as pg.DatabaseError,
    )
    assert.equal(error.code, '42501', `${sql}: ${error.message}`)
    assert.match(error.message, /ssn-numbers/)
  }
  const { rows } = await client.query('SELECT id, ssn FROM app.customers ORDER BY id')
  assert.deepEqual(
    rows.map((r) => r.ssn),
    ['***-**-4321', '***-**-6789'],
  )
  await assert.rejects(client.query("SELECT id FROM app.customers WHERE ssn LIKE '9%'"), /ssn-numbers/)
})
