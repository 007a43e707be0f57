import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { classifyMysql, loadMysqlParser } from './classify.ts'

before(() => loadMysqlParser())

const computed = (sql: string) => classifyMysql(sql, { database: 'shop' }).action.computesOn?.columns ?? []

test('a column only returned is not computed on; filtered, joined, sorted, grouped or passed to a function is', () => {
  assert.deepEqual(computed('SELECT id, email AS e FROM customers'), [])
  assert.deepEqual(computed('SELECT * FROM customers'), [])
  assert.deepEqual(computed("SELECT id FROM customers WHERE email LIKE 'a%'"), ['email'])
  assert.deepEqual(computed('SELECT upper(name) FROM customers'), ['name'])
  assert.deepEqual(computed('SELECT id FROM customers ORDER BY email'), ['email'])
  assert.deepEqual(computed('SELECT count(*) FROM customers GROUP BY c.email'), ['email'])
  assert.deepEqual(computed('SELECT a.id FROM a JOIN b ON a.card = b.card'), ['card'])
  assert.deepEqual(computed("UPDATE customers SET name = 'x' WHERE email = 'y'"), ['name', 'email'])
  // A column in a nested query's projection is read by the outer statement: computed on.
  assert.deepEqual(computed('SELECT id FROM customers WHERE id IN (SELECT customer FROM orders)'), [
    'id',
    'customer',
  ])
})

test('a * whose rows are stored or compared counts as the whole row; returned, passed on or in EXISTS it does not', () => {
  const wholeRow = (sql: string) =>
    classifyMysql(sql, { database: 'shop' }).action.computesOn?.wholeRow ?? false
  for (const sql of [
    'CREATE VIEW v AS SELECT * FROM cv',
    'CREATE TEMPORARY TABLE t AS SELECT * FROM cv',
    'INSERT INTO t SELECT * FROM cv',
    "SELECT 1 FROM dual WHERE (1, 'a', 'x') IN (SELECT * FROM customers)",
    'SELECT * FROM customers UNION SELECT * FROM customers',
    'SELECT (SELECT * FROM c LIMIT 1)',
  ])
    assert.equal(wholeRow(sql), true, sql)
  for (const sql of [
    'SELECT * FROM customers',
    '(SELECT * FROM customers)',
    'EXPLAIN SELECT * FROM customers',
    'SELECT count(*) FROM customers',
    'WITH w AS (SELECT * FROM c) SELECT * FROM (SELECT * FROM w) d',
    'SELECT * FROM c WHERE EXISTS (SELECT * FROM d)',
  ])
    assert.equal(wholeRow(sql), false, sql)
})
