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

test('grouped national numbers anywhere; a bare digit run only in a phone column', () => {
  for (const value of [
    '(445) 990-6678',
    '415-555-2671',
    '415.555.0134',
    '1-415-555-2671',
    '(415)555-2671',
    '020 7946 0958',
    '01632 960123',
    '01 23 45 67 89',
    '(0703) 1013354',
    '0044 20 7946 0958',
  ]) {
    assert.ok(phone.test(value, hinted), value)
    assert.ok(phone.test(value, NO_CONTEXT), value)
  }
  assert.ok(phone.test('4155552671', hinted))
  assert.ok(!phone.test('4155552671', NO_CONTEXT), 'a bare run is as likely an account number')
  assert.deepEqual(phone.find('Contact (415-555-2671 x12) today', log), [{ start: 9, end: 21 }])
  assert.deepEqual(phone.find('ref 12 415-555-2671', log), [{ start: 7, end: 19 }])
})

test('look-alikes with other group shapes are not phones in free text', () => {
  for (const value of [
    '123-45-6789 is an SSN shape, not a phone',
    'ISBN 978-0-649-61437-0',
    'ISBN 0-306-40615-2',
    'zip 94103-1234',
    'released 10.0.19041 on 2024-01-15',
    'paid 1 234 567.89 EUR',
    'IMEI 09-875773-776460-3',
    'uuid 394ee413-7b33-4d69-b318-7298a2c38c05',
    'exchange 155-555-0134 starts with 1',
    'meeting 03/12/2024 14:30',
  ])
    assert.deepEqual(phone.find(value, log), [], value)
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
