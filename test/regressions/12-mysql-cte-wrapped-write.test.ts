// Issue 12 (MySQL classifier): `WITH … UPDATE/DELETE/INSERT` parses as a query whose body is the write, and
// was classified as a read-only SELECT needing only select: the write ran under a read-only grant's policy.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { classifyMysql, loadMysqlParser } from '../../src/protocols/mysql/classify.ts'

before(loadMysqlParser)

test('a write wrapped in a WITH clause needs what the write needs and is not read-only', () => {
  for (const [sql, verb] of [
    ['WITH x AS (SELECT 1) UPDATE t SET a = 1 WHERE id = 1', 'update'],
    ['WITH x AS (SELECT 1) DELETE FROM t WHERE id = 1', 'delete'],
    ['WITH x AS (SELECT 1) INSERT INTO t VALUES (1)', 'insert'],
  ] as const) {
    const { action } = classifyMysql(sql, { database: 'app' })
    assert.ok(
      action.needs.some((e) => e.verb === verb && e.object === 'app.t'),
      sql,
    )
    assert.ok(!action.traits.includes('read-only'), sql)
  }
})
