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
