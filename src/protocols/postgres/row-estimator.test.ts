import assert from 'node:assert/strict'
import { before, test } from 'node:test'
import { loadModule } from 'libpg-query'
import { estimatedRowsOf, isExplainable, type PlanNode, statementsToExplain } from './row-estimator.ts'

before(() => loadModule())

const plan = (p: PlanNode) => [{ Plan: p }]

test('a DELETE counts the rows its ModifyTable reads, not its InitPlans', () => {
  const explained = plan({
    'Node Type': 'ModifyTable',
    'Plan Rows': 0,
    Plans: [
      { 'Node Type': 'Result', 'Parent Relationship': 'InitPlan', 'Plan Rows': 1 },
      { 'Node Type': 'Index Scan', 'Parent Relationship': 'Outer', 'Plan Rows': 1667 },
    ],
  })
  assert.equal(estimatedRowsOf(explained), 1667)
})

test('a DELETE inside a CTE counts, not the one row the SELECT around it returns', () => {
  const explained = plan({
    'Node Type': 'Aggregate',
    'Plan Rows': 1,
    Plans: [
      {
        'Node Type': 'ModifyTable',
        'Parent Relationship': 'InitPlan',
        'Plan Rows': 99,
        Plans: [{ 'Node Type': 'Index Scan', 'Parent Relationship': 'Outer', 'Plan Rows': 99 }],
      },
      { 'Node Type': 'CTE Scan', 'Parent Relationship': 'Outer', 'Plan Rows': 99 },
    ],
  })
  assert.equal(estimatedRowsOf(explained), 99)
})

test('a SELECT counts the rows its top node returns', () => {
  assert.equal(estimatedRowsOf(plan({ 'Node Type': 'Seq Scan', 'Plan Rows': 5000 })), 5000)
})

test('anything else is unknown', () => {
  assert.equal(estimatedRowsOf(undefined), undefined)
  assert.equal(estimatedRowsOf([]), undefined)
  assert.equal(estimatedRowsOf([{ Plan: { 'Node Type': 'Result' } }]), undefined)
  assert.equal(estimatedRowsOf('[{"Plan":{}}]'), undefined)
})

test('statements with an explainable part are estimated', () => {
  assert.equal(isExplainable('DeleteStmt'), true)
  assert.equal(isExplainable('SelectStmt'), true)
  assert.equal(isExplainable('DeleteStmt;DeleteStmt'), true)
  assert.equal(isExplainable('TransactionStmt;DeleteStmt;TransactionStmt'), true)
  assert.equal(isExplainable('TransactionStmt;TransactionStmt'), false)
  assert.equal(isExplainable('ExplainStmt'), false)
  assert.equal(isExplainable('CopyStmt'), false)
})

test('a query string is cut into its statements; those touching no rows are skipped', () => {
  assert.deepEqual(statementsToExplain('DELETE FROM t WHERE id < 4000'), ['DELETE FROM t WHERE id < 4000'])
  assert.deepEqual(statementsToExplain('DELETE FROM t WHERE id < 4000; SELECT 1'), [
    'DELETE FROM t WHERE id < 4000',
    'SELECT 1',
  ])
  assert.deepEqual(statementsToExplain("BEGIN; SET x.y = 'é;'; delete from t; COMMIT;"), ['delete from t'])
  assert.deepEqual(statementsToExplain('create index on t (a); update t set a = 1'), ['update t set a = 1'])
})

test('a statement that touches rows EXPLAIN cannot count makes the whole string unknown', () => {
  for (const text of [
    'SELECT 1; EXECUTE p',
    'BEGIN; TRUNCATE t; COMMIT',
    'SELECT 1; EXPLAIN ANALYZE DELETE FROM t',
    'SELECT 1; CREATE TABLE u AS SELECT * FROM t',
    "SELECT 1; COPY t FROM '/tmp/x'",
    'SELECT 1; CALL p()',
    'SELECT 1; DELETE FROM',
  ])
    assert.equal(statementsToExplain(text), undefined, text)
})
