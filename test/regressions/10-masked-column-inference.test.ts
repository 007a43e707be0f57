// Issue 10, item 8: a masked column could be read back one question at a time: `WHERE substr(ssn, 1, 3) =
// '987'` returned ids only for matching rows (86 queries recovered an SSN), and `1/(ascii(substr(ssn, 1, 1))
// - 49)` failed only for one digit. A grant that sees a column masked may now return it as it is, and
// nothing else: filtering, joining, sorting, grouping on it, passing it to a function or operator, reading
// it in a nested query or a set operation are denied with 42501 naming the rule and the column, unless the
// rule says `allowPredicates: true` (a `hash` rule keeping equality joins, say).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import type { IssuedCredential, Principal } from '../../src/core/index.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE TABLE customers (id int PRIMARY KEY, name text, ssn text, tax_id text);
      INSERT INTO customers VALUES (1, 'ann', '987-65-4321', 'T-100'), (2, 'bob', '123-45-6789', 'T-200');
      CREATE TABLE invoices (id int, tax_id text, amount int);
      INSERT INTO invoices VALUES (10, 'T-100', 5), (11, 'T-200', 7);`,
    extraConfig: `masking:
  rules:
    - id: ssn-numbers
      style: partial
      columns: [ssn]
      exemptGroups: [dba]
    - id: tax-ids
      style: hash
      columns: [public.*.tax_id]
      allowPredicates: true
`,
  })
})
after(() => gw[Symbol.asyncDispose]())

async function connect(groups: string[]): Promise<pg.Client> {
  const principal: Principal = { ...gw.agent, id: `${gw.agent.id}-${groups.join('-')}`, groups }
  const result = await gw.core.requestGrant(principal, {
    resourceId: gw.resource.id,
    scope: 'select:public.*',
    task: 'inference test',
    ttl: '10m',
  })
  const credential = result.credential as IssuedCredential
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  return client
}

const INFERENCES: Array<[string, unknown[]?]> = [
  ["SELECT id FROM customers WHERE substr(ssn, 1, 3) = '987'"],
  ['SELECT 1 / (ascii(substr(ssn, 1, 1)) - 49) FROM customers'],
  ["SELECT id FROM customers WHERE ssn LIKE '9%'"],
  ['SELECT id FROM customers WHERE ssn = $1', ['987-65-4321']],
  ['SELECT id FROM customers ORDER BY ssn'],
  ['SELECT ssn, count(*) FROM customers GROUP BY ssn'],
  ['SELECT DISTINCT ON (ssn) id FROM customers'],
  ['SELECT id, rank() OVER (ORDER BY ssn) FROM customers'],
  ['SELECT a.id FROM customers a JOIN customers b ON a.ssn = b.ssn'],
  ["SELECT id FROM customers c WHERE c::text LIKE '%987%'"],
  ["SELECT x FROM (SELECT ssn AS x FROM customers) s WHERE x LIKE '9%'"],
  ["WITH c AS (SELECT ssn FROM customers) SELECT count(*) FROM c WHERE ssn > '5'"],
  ["SELECT ssn FROM customers UNION SELECT '987-65-4321'"],
  ["SELECT id FROM customers WHERE CASE WHEN ssn > '5' THEN true END"],
  ["PREPARE q AS SELECT id FROM customers WHERE ssn > '5'"],
  ["SELECT id FROM customers WHERE '987-65-4321' IN (SELECT ssn FROM customers)"],
  ["SELECT * FROM (SELECT ssn FROM customers) s(x) WHERE x LIKE '9%'"],
  ["WITH c(x) AS (SELECT ssn FROM customers) SELECT count(*) FROM c WHERE x > '5'"],
  ["SELECT * FROM (SELECT ssn FROM customers) s WHERE ssn > '5'"],
  ['SELECT a.id FROM customers a JOIN (SELECT id AS other, ssn FROM customers) b USING (ssn)'],
  ['SELECT count(*) FROM customers NATURAL JOIN (SELECT ssn FROM customers) b'],
]

test('predicates, keys and functions reading a masked column are denied, naming rule and column', async () => {
  const client = await connect(['agents'])
  try {
    for (const [sql, params] of INFERENCES) {
      const error = await client.query(sql, params).then(
        (r) => r,
        (e: pg.DatabaseError) => e,
      )
      assert.ok(error instanceof Error, `${sql}: ran, ${JSON.stringify((error as pg.QueryResult).rows)}`)
      const e = error as pg.DatabaseError
      assert.equal(e.code, '42501', `${sql}: ${e.message}`)
      assert.match(e.message, /masking rule ssn-numbers: (column ssn|a whole row)/, sql)
      assert.match(e.hint ?? '', /allowPredicates/, sql)
    }
    // Returning it as it is stays allowed, and masked; so do filters on other columns.
    const plain = await client.query('SELECT id, ssn, name FROM customers WHERE id = 1 ORDER BY name')
    assert.deepEqual(plain.rows, [{ id: 1, ssn: '***-**-4321', name: 'ann' }])
    const all = await client.query('SELECT * FROM customers ORDER BY id')
    assert.equal(all.rows[1].ssn, '***-**-6789')
    // A FROM subquery or CTE passing the column on by its name (a tool's wrapper) still only returns it.
    const wrapped = await client.query(
      'WITH c AS (SELECT id, ssn FROM customers) SELECT * FROM (SELECT * FROM c) s WHERE id = 2',
    )
    assert.deepEqual(wrapped.rows, [{ id: 2, ssn: '***-**-6789' }])
  } finally {
    await client.end()
  }
})

test('a group the rule exempts sees clear values and may filter on them', async () => {
  const client = await connect(['agents', 'dba'])
  try {
    const r = await client.query("SELECT id FROM customers WHERE substr(ssn, 1, 3) = '987'")
    assert.deepEqual(r.rows, [{ id: 1 }])
  } finally {
    await client.end()
  }
})

test('allowPredicates: a hash rule keeps equality joins; its values stay masked', async () => {
  const client = await connect(['agents'])
  try {
    const r = await client.query(
      'SELECT c.name, i.amount, i.tax_id FROM customers c JOIN invoices i ON i.tax_id = c.tax_id ORDER BY i.amount',
    )
    assert.deepEqual(
      r.rows.map((row) => [row.name, row.amount]),
      [
        ['ann', 5],
        ['bob', 7],
      ],
    )
    assert.ok(!r.rows.some((row) => String(row.tax_id).startsWith('T-')), JSON.stringify(r.rows))
  } finally {
    await client.end()
  }
})
