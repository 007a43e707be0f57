// Issue 12 (MySQL classifier): the value of a SET and the WHERE of a SHOW were not walked, so
// `SET @x = (SELECT secret FROM vault.keys)` read a table without needing select on it.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { classifyMysql, loadMysqlParser } from '../../src/protocols/mysql/classify.ts'

before(loadMysqlParser)

test('a subquery in a SET value or a SHOW filter needs select on what it reads', () => {
  for (const sql of [
    'SET @x = (SELECT k FROM vault.keys LIMIT 1)',
    'SET sql_select_limit = (SELECT COUNT(*) FROM vault.keys)',
    'SHOW VARIABLES WHERE Variable_name = (SELECT k FROM vault.keys LIMIT 1)',
  ]) {
    const { action } = classifyMysql(sql, { database: 'app' })
    assert.ok(
      action.needs.some((e) => e.verb === 'select' && e.object === 'vault.keys'),
      sql,
    )
  }
})
