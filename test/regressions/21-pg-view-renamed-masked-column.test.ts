// Outside review (session 7): a view that renames a masked column (`CREATE VIEW cv AS SELECT ssn AS s`)
// returned it in clear: RowDescription names the view's column `s`, not the `ssn` a rule masks. Agents cannot
// create such views (the gateway denies it), but views the database already has were a way around masking.
// A view's columns now carry, as origins, every table column its definition references (pg_depend, through
// nested views and materialized views); a view that calls a function may carry any column. Views that
// reference no masked column stay in clear.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type pg from 'pg'
import { type MaskedPostgres, startMaskedPostgres } from '../support/masked-gateways.ts'

let fixture: MaskedPostgres
let client: pg.Client

before(async () => {
  fixture = await startMaskedPostgres(
    `CREATE FUNCTION app.ssn_of(i int) RETURNS text LANGUAGE sql
        AS 'SELECT ssn FROM app.customers WHERE id = i';
      CREATE VIEW app.renamed AS SELECT id, ssn AS s FROM app.customers;
      CREATE VIEW app.nested AS SELECT s AS t FROM app.renamed;
      CREATE VIEW app.by_function AS SELECT id, app.ssn_of(id) AS x FROM app.customers;
      CREATE VIEW app.whole AS SELECT c AS r FROM app.customers c;
      CREATE MATERIALIZED VIEW app.copied AS SELECT ssn AS m FROM app.customers;
      CREATE VIEW app.names AS SELECT id, name FROM app.customers;`,
    'view masking test',
  )
  client = fixture.client
})
after(() => fixture?.[Symbol.asyncDispose]())

const CLEAR = ['987-65-4321', '123-45-6789', '9876', '1234']

test('a view renaming a masked column, nested, through a function or a whole row, or materialized, is masked', async () => {
  for (const sql of [
    'SELECT s FROM app.renamed',
    'SELECT * FROM app.renamed',
    'SELECT t FROM app.nested',
    'SELECT x FROM app.by_function',
    'SELECT r FROM app.whole',
    'SELECT m FROM app.copied',
  ]) {
    const result = await client.query(sql)
    const text = JSON.stringify(result.rows)
    assert.equal(result.rows.length, 2, `${sql}: ${text}`)
    for (const clear of CLEAR) assert.ok(!text.includes(clear), `${sql} returned ${text}`)
  }
})

test('a view that references no masked column stays in clear', async () => {
  const { rows } = await client.query('SELECT id, name FROM app.names ORDER BY id')
  assert.deepEqual(rows, [
    { id: 1, name: 'ann' },
    { id: 2, name: 'bob' },
  ])
})
