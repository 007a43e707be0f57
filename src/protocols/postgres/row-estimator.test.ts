import assert from 'node:assert/strict'
import { test } from 'node:test'
import { estimatedRowsOf, isExplainable, type PlanNode } from './row-estimator.ts'

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

test('only single explainable statements are estimated', () => {
  assert.equal(isExplainable('DeleteStmt'), true)
  assert.equal(isExplainable('SelectStmt'), true)
  assert.equal(isExplainable('DeleteStmt;DeleteStmt'), false)
  assert.equal(isExplainable('ExplainStmt'), false)
  assert.equal(isExplainable('CopyStmt'), false)
})
