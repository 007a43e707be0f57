// Left open by session 7: masking denies filtering, sorting or computing on a masked column, by name, but a
// view renames it (`CREATE VIEW cv AS SELECT ssn AS s`), so `SELECT id FROM cv WHERE s LIKE '9%'` asked
// about `ssn` one question at a time and read it back from which rows came. A statement that computes on
// anything now counts as computing on every table column the views it reads carry (pg_depend, through
// nested and materialized views; a view calling a function carries anything): the oracle is refused with
// 42501 naming the rule, the column and the view. A view carrying no masked column filters as before. So
// did a function outside pg_catalog (`SELECT 1 FROM app.ssns() WHERE x LIKE '9%'`: the computed 1 came back
// masked, but whether a row came back answered the question): computing on anything while calling one is
// refused under such a rule.
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
      CREATE FUNCTION app.ssns() RETURNS TABLE(x text) LANGUAGE sql AS 'SELECT ssn FROM app.customers';
      CREATE VIEW app.renamed AS SELECT id, ssn AS s FROM app.customers;
      CREATE VIEW app.nested AS SELECT s AS t FROM app.renamed;
      CREATE VIEW app.by_function AS SELECT id, app.ssn_of(id) AS x FROM app.customers;
      CREATE MATERIALIZED VIEW app.copied AS SELECT ssn AS m FROM app.customers;
      CREATE VIEW app.names AS SELECT id, name FROM app.customers;`,
    'view filter test',
  )
  client = fixture.client
})
after(() => fixture?.[Symbol.asyncDispose]())

async function refusal(query: string | pg.QueryConfig): Promise<pg.DatabaseError> {
  const error = await client.query(query).then(
    (result) => assert.fail(`answered: ${JSON.stringify(result.rows)}`),
    (e: unknown) => e as pg.DatabaseError,
  )
  assert.equal(error.code, '42501', String(error.message))
  assert.match(error.message, /ssn-numbers/)
  return error
}

test("filtering, sorting or grouping on a view's renamed masked column is refused, in every protocol mode", async () => {
  const renamed = await refusal("SELECT id FROM app.renamed WHERE s LIKE '9%'")
  assert.match(renamed.message, /column ssn \(which view renamed carries\)/)
  await refusal("SELECT 1 FROM app.nested WHERE t = '987-65-4321'")
  await refusal('SELECT 1 FROM app.copied ORDER BY m')
  await refusal('SELECT count(*) FROM app.renamed GROUP BY s')
  await refusal({ text: 'SELECT id FROM app.renamed WHERE s LIKE $1', values: ['9%'] })
  await refusal({ name: 'oracle', text: 'SELECT id FROM app.renamed WHERE s LIKE $1', values: ['1%'] })
  // The session goes on: a plain read of the view is still answered, masked.
  const { rows } = await client.query('SELECT s FROM app.renamed')
  assert.equal(rows.length, 2)
  assert.ok(!JSON.stringify(rows).includes('987-65'))
})

test('a view whose definition calls a function may carry anything: filtering on it is refused', async () => {
  const error = await refusal("SELECT id FROM app.by_function WHERE x LIKE '9%'")
  assert.match(
    error.message,
    /what (view by_function|function app\.ssn_of) gives, which may carry masked columns/,
  )
})

test("computing on a non-catalog function's result is refused (its body may read the masked column)", async () => {
  const error = await refusal("SELECT 1 FROM app.ssns() WHERE x LIKE '9%'")
  assert.match(error.message, /what function app\.ssns gives, which may carry masked columns/)
  await refusal("SELECT id FROM app.customers WHERE app.ssn_of(id) LIKE '9%'")
  // Catalog functions read only what they are given: filtering on a column no rule masks goes on.
  const { rows } = await client.query("SELECT id FROM app.customers WHERE upper(name) = 'ANN'")
  assert.deepEqual(rows, [{ id: 1 }])
})

test('a view that carries no masked column is filtered as before', async () => {
  const { rows } = await client.query("SELECT id FROM app.names WHERE name = 'ann'")
  assert.deepEqual(rows, [{ id: 1 }])
  const prepared = await client.query({ text: 'SELECT id FROM app.names WHERE name = $1', values: ['bob'] })
  assert.deepEqual(prepared.rows, [{ id: 2 }])
})
