import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NO_CONTEXT } from './detector.ts'
import { ssn } from './ssn.ts'

const hinted = { column: 'ssn', hinted: true, idLike: false }

test('dashed SSNs anywhere', () => {
  assert.ok(ssn.test('123-45-6789', NO_CONTEXT))
  assert.deepEqual(ssn.find('ssn 078-05-1120 on file', NO_CONTEXT), [{ start: 4, end: 15 }])
})

test('nine digits or spaces only in an SSN column', () => {
  assert.ok(ssn.test('123456789', hinted))
  assert.ok(ssn.test('123 45 6789', hinted))
  assert.ok(!ssn.test('123456789', NO_CONTEXT))
  assert.ok(!ssn.test('123 45 6789', NO_CONTEXT))
})

test('numbers the SSA never issues are not SSNs', () => {
  for (const value of ['000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000'])
    assert.ok(!ssn.test(value, hinted), value)
})

test('near-misses are left alone', () => {
  assert.deepEqual(ssn.find('REF-123-45-6789 and 1123-45-6789 and 123-45-67890', NO_CONTEXT), [])
  assert.deepEqual(ssn.find('2024-01-15', NO_CONTEXT), [])
})
