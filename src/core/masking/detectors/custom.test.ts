import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createCustomDetector } from './custom.ts'
import { NO_CONTEXT } from './detector.ts'

test('every match of the configured pattern is a span; g and y in flags are ignored', () => {
  const employeeId = createCustomDetector({ id: 'employee-id', pattern: 'EMP-\\d{6}', flags: 'gy' })
  assert.deepEqual(employeeId.find('EMP-123456 and EMP-654321', NO_CONTEXT), [
    { start: 0, end: 10 },
    { start: 15, end: 25 },
  ])
  assert.ok(employeeId.test(' EMP-123456 ', NO_CONTEXT))
  assert.ok(!employeeId.test('EMP-123456 x', NO_CONTEXT))
})

test('an empty match does not loop', () => {
  assert.deepEqual(createCustomDetector({ id: 'x', pattern: 'a*' }).find('bbb', NO_CONTEXT), [])
})
