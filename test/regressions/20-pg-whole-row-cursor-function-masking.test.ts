// Outside review (session 7): three ways a masked column left the gateway in clear through PostgreSQL.
// A whole-row reference (`SELECT c FROM customers c`) is described by the server with the table's OID and
// attribute number 0, which the relay took for a system column no rule names; a cursor's FETCH names no
// table, so a computed value it returns (a subquery's whole row) had no origins; a function of the
// granted schema returning a masked column (`SELECT app.ssn_of(1)`) had none either. Each now masks (the
// origin is unknown, so every rule naming columns applies), and plain columns stay as they were.
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
      CREATE FUNCTION app.everyone() RETURNS SETOF app.customers LANGUAGE sql
        AS 'SELECT * FROM app.customers';`,
    'whole-row masking test',
  )
  client = fixture.client
})
after(() => fixture?.[Symbol.asyncDispose]())

const CLEAR = ['987-65-4321', '123-45-6789', '9876', '1234']

async function assertNoClearSsn(sql: string): Promise<void> {
  const result = await client.query(sql)
  const text = JSON.stringify(result.rows)
  assert.equal(result.rows.length > 0, true, `${sql}: no rows`)
  for (const clear of CLEAR) assert.ok(!text.includes(clear), `${sql} returned ${text}`)
}

test('a whole-row reference to a table with a masked column is masked', async () => {
  await assertNoClearSsn('SELECT c FROM app.customers c')
  await assertNoClearSsn('SELECT customers FROM app.customers')
  await assertNoClearSsn('SELECT c.id, c FROM app.customers c')
})

test('rows fetched from a cursor are masked, computed ones too', async () => {
  await client.query('BEGIN')
  try {
    await client.query('DECLARE whole CURSOR FOR SELECT t FROM (SELECT * FROM app.customers) t')
    await assertNoClearSsn('FETCH ALL FROM whole')
    await client.query('DECLARE plain CURSOR FOR SELECT id, name, ssn FROM app.customers')
    const plain = await client.query('FETCH ALL FROM plain')
    assert.deepEqual(plain.rows, [
      { id: 1, name: 'ann', ssn: '***-**-4321' },
      { id: 2, name: 'bob', ssn: '***-**-6789' },
    ])
  } finally {
    await client.query('COMMIT')
  }
})

test("a granted function's result is masked: its body may read a masked column", async () => {
  await assertNoClearSsn('SELECT app.ssn_of(1)')
  await assertNoClearSsn('SELECT e FROM app.everyone() e')
  // Columns that need no mask stay readable.
  const plain = await client.query('SELECT id, name FROM app.customers ORDER BY id')
  assert.deepEqual(plain.rows, [
    { id: 1, name: 'ann' },
    { id: 2, name: 'bob' },
  ])
  const count = await client.query('SELECT count(*)::int AS n FROM app.customers')
  assert.deepEqual(count.rows, [{ n: 2 }])
})
