// Masking rules name columns (and may name their table), so `ALTER TABLE app.customers RENAME COLUMN ssn TO
// s2` took the column out of every rule: `SELECT s2` came back in clear and `WHERE s2 LIKE '9%'` was
// answered. Under a rule that names columns, a rename (column, table, view, schema: RenameStmt) is refused
// with 42501 naming the rule; a grant without masking renames as before.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import type { IssuedCredential } from '../../src/core/index.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway
let client: pg.Client

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE SCHEMA app;
      CREATE TABLE app.customers (id int PRIMARY KEY, name text, ssn text);
      INSERT INTO app.customers VALUES (1, 'ann', '987-65-4321'), (2, 'bob', '123-45-6789');
      CREATE VIEW app.renamed AS SELECT id, ssn FROM app.customers;`,
    extraConfig: `masking:
  rules:
    - id: ssn-numbers
      style: partial
      columns: [ssn]
`,
  })
  const { credential } = await gw.core.requestGrant(gw.agent, {
    resourceId: gw.resource.id,
    scope: '*:app.*',
    task: 'rename masked column',
    ttl: '10m',
  })
  client = new pg.Client({ connectionString: gw.url(credential as IssuedCredential) })
  await client.connect()
})
after(async () => {
  await client?.end()
  await gw[Symbol.asyncDispose]()
})

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
