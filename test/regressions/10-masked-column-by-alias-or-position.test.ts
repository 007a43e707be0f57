// Outside review (PostgreSQL masking, after #10): a masked column may be returned, not sorted or grouped on
// (10-masked-column-inference.test.ts denies `ORDER BY ssn`), but the same sort by its output alias
// (`SELECT ssn s … ORDER BY s`) or its position (`ORDER BY 1`, `GROUP BY 1`, a position inside `*`) was
// allowed: row order and group counts answered questions about the clear values. And since a position is a
// literal, `ORDER BY 1` allowed could not be let to allow `ORDER BY 2` through the decision cache. Plain DISTINCT
// on a masked column (duplicate removal answers "are these equal?", as GROUP BY) is denied too.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import type { IssuedCredential, Principal } from '../../src/core/index.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway
let client: pg.Client

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE TABLE customers (id int PRIMARY KEY, name text, ssn text);
      INSERT INTO customers VALUES (1, 'ann', '987-65-4321'), (2, 'bob', '123-45-6789');`,
    extraConfig: `masking:
  rules:
    - { id: ssn-numbers, style: partial, columns: [ssn] }
`,
  })
  const principal: Principal = { ...gw.agent, groups: ['agents'] }
  const result = await gw.core.requestGrant(principal, {
    resourceId: gw.resource.id,
    scope: 'select:public.*',
    task: 'alias and position test',
    ttl: '10m',
  })
  client = new pg.Client({ connectionString: gw.url(result.credential as IssuedCredential) })
  await client.connect()
})
after(async () => {
  await client.end()
  await gw[Symbol.asyncDispose]()
})

test('sorting or grouping on a masked column by its alias or position is denied', async () => {
  for (const sql of [
    'SELECT ssn FROM customers ORDER BY 1',
    'SELECT ssn s FROM customers ORDER BY s',
    'SELECT ssn FROM customers GROUP BY 1',
    'SELECT ssn AS s, count(*) FROM customers GROUP BY s',
    'SELECT * FROM customers ORDER BY 3',
  ])
    await assert.rejects(client.query(sql), { code: '42501', message: /masking rule ssn-numbers/ }, sql)
})

test('sorting by other columns still works, and ORDER BY 1 allowed does not allow ORDER BY 2', async () => {
  const { rows } = await client.query('SELECT id i, ssn FROM customers ORDER BY i DESC')
  assert.deepEqual(rows, [
    { i: 2, ssn: '***-**-6789' },
    { i: 1, ssn: '***-**-4321' },
  ])
  await client.query('SELECT id, ssn FROM customers ORDER BY 1')
  await assert.rejects(client.query('SELECT id, ssn FROM customers ORDER BY 2'), { code: '42501' })
})

test('DISTINCT compares the masked values it returns, as GROUP BY does: denied', async () => {
  for (const sql of ['SELECT DISTINCT ssn FROM customers', 'SELECT DISTINCT * FROM customers'])
    await assert.rejects(client.query(sql), { code: '42501', message: /masking rule ssn-numbers/ }, sql)
  const { rows } = await client.query('SELECT DISTINCT ON (id) id, ssn FROM customers ORDER BY id')
  assert.equal(rows.length, 2)
})
