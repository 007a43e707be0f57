import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NO_CONTEXT } from './detector.ts'
import { phone } from './phone.ts'

const hinted = { column: 'mobile_phone', hinted: true, idLike: false }
const log = { column: 'log_line', hinted: false, idLike: false }

test('international numbers anywhere', () => {
  for (const value of [
    '+14155552671',
    '+1 (415) 555-2671',
    '+44 20 7946 0958',
    '+49 151 1234 5678',
    '+33 1 23 45 67 89',
    '+1.415.555.2671',
  ])
    assert.ok(phone.test(value, NO_CONTEXT), value)
  const text = 'called +44 20 7946 0958 twice'
  assert.deepEqual(phone.find(text, log), [{ start: 7, end: 23 }])
})

test('national numbers only in a phone column', () => {
  for (const value of ['(415) 555-2671', '415-555-2671', '415.555.2671', '020 7946 0958', '4155552671']) {
    assert.ok(phone.test(value, hinted), value)
    assert.ok(!phone.test(value, NO_CONTEXT), value)
  }
})

test('near-misses are left alone', () => {
  assert.deepEqual(phone.find('BUILD-555-1234 passed', log), [])
  assert.deepEqual(phone.find('BUILD-555-1234', hinted), [])
  assert.deepEqual(phone.find('at 2024-01-15T10:30:00+05:30', log), [])
  assert.deepEqual(phone.find('balance +1500000.00 EUR', log), [])
  assert.deepEqual(phone.find('1+1234567890', log), [])
  assert.ok(!phone.test('2024-01-15', hinted), 'a date in a phone column')
  assert.ok(!phone.test('+1234', NO_CONTEXT), 'too short')
  assert.ok(!phone.test('+1234567890123456', NO_CONTEXT), 'longer than E.164')
  assert.ok(!phone.test('+1 (415 555-2671', NO_CONTEXT), 'unbalanced parenthesis')
})
