// Turning read-only off (BEGIN READ WRITE, SET TRANSACTION / SESSION CHARACTERISTICS ... READ WRITE,
// SET [default_]transaction_read_only = off) needs `transaction:read-write`, which the implicit scope gives only
// to grants that may write; other transaction control stays `transaction:*`.
import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { parseScope, scopeCovers } from '../../core/index.ts'
import { classifySql, createClassifier, loadSqlParser } from './classify.ts'
import { isReadOnlyScope, POSTGRES_IMPLICIT_SCOPE } from './implicit-scope.ts'

before(async () => {
  await loadSqlParser()
})

const needsOf = (sql: string) => {
  const action = classifySql(sql)
  assert.equal(action.unclassified, undefined, `${sql}: ${action.unclassified}`)
  return action.needs.map((e) => `${e.verb}:${e.object}`).sort()
}

test('switching to READ WRITE needs transaction:read-write', () => {
  for (const sql of [
    'BEGIN READ WRITE',
    'START TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ WRITE',
    'SET TRANSACTION READ WRITE',
    'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE',
    'SET default_transaction_read_only = off',
    'SET LOCAL transaction_read_only TO false',
    "SET default_transaction_read_only = 'no'",
    'SET default_transaction_read_only = 0',
    'SET SESSION default_transaction_read_only TO off',
  ]) {
    assert.deepEqual(needsOf(sql), ['transaction:*', 'transaction:read-write'], sql)
  }
})

test('plain and read-only transaction control needs transaction:* only', () => {
  for (const sql of [
    'BEGIN',
    'COMMIT',
    'ROLLBACK',
    'BEGIN READ ONLY',
    'START TRANSACTION ISOLATION LEVEL REPEATABLE READ',
    'SET TRANSACTION READ ONLY',
    'SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE',
    'SET default_transaction_read_only = on',
    'SET transaction_read_only = true',
    'RESET default_transaction_read_only',
    'SET default_transaction_read_only TO DEFAULT',
  ]) {
    assert.deepEqual(needsOf(sql), ['transaction:*'], sql)
  }
})

test('the setting value is not cached across texts that differ only in it', () => {
  const classifier = createClassifier()
  const on = classifier.classify('SET default_transaction_read_only = on')
  const off = classifier.classify('SET default_transaction_read_only = off')
  assert.ok(!on.needs.some((e) => e.object === 'read-write'))
  assert.ok(off.needs.some((e) => e.object === 'read-write'))
})

test('transaction:read-write is implied for writers only', () => {
  const implicit = POSTGRES_IMPLICIT_SCOPE
  const entry = { verb: 'transaction', object: 'read-write' }
  assert.ok(scopeCovers(implicit.allow, entry) && scopeCovers(implicit.except, entry))
  assert.ok(implicit.writers && scopeCovers(implicit.writers.allow, entry))
  assert.equal(isReadOnlyScope(parseScope('select:billing.*,show:*')), true)
  assert.equal(isReadOnlyScope(parseScope('select:billing.*,insert:billing.invoices')), false)
  assert.equal(isReadOnlyScope(parseScope('*:billing.*')), false)
})
