import assert from 'node:assert/strict'
import { test } from 'node:test'
import { card } from './card.ts'
import { NO_CONTEXT } from './detector.ts'
import { luhnValid } from './luhn.ts'

const hinted = { column: 'card_number', hinted: true, idLike: false }
const orderId = { column: 'order_id', hinted: false, idLike: true }

test('test numbers of every issuer are cards', () => {
  for (const pan of [
    '4111111111111111', // Visa
    '4222222222222', // Visa 13
    '5555555555554444', // Mastercard 51-55
    '2223003122003222', // Mastercard 2-series
    '378282246310005', // Amex
    '6011111111111117', // Discover
    '3530111333300000', // JCB
    '30569309025904', // Diners
    '6200000000000005', // UnionPay
  ]) {
    assert.ok(card.test(pan, NO_CONTEXT), pan)
  }
})

test('grouped with spaces or dashes, alone or in text', () => {
  assert.ok(card.test('4111 1111 1111 1111', NO_CONTEXT))
  assert.ok(card.test('3782-822463-10005', NO_CONTEXT))
  assert.deepEqual(card.find('paid with 5555-5555-5555-4444, thanks', NO_CONTEXT), [{ start: 10, end: 29 }])
  // An expiry date after the number does not hide it.
  assert.deepEqual(card.find('4111 1111 1111 1111 12/27', NO_CONTEXT), [{ start: 0, end: 19 }])
})

test('near-misses are left alone', () => {
  assert.ok(!card.test('4111111111111112', NO_CONTEXT), 'Luhn-invalid')
  assert.ok(!card.test('1234567812345670', NO_CONTEXT), 'Luhn-valid but no issuer starts with 1')
  assert.ok(!card.test('41111111111111', NO_CONTEXT), 'Visa of 14 digits')
  assert.ok(!card.test('4111 1111-1111 1111', NO_CONTEXT), 'mixed separators')
  assert.deepEqual(
    card.find('BUILD-4111111111111111 and x4111111111111111 and 0.4111111111111111', NO_CONTEXT),
    [],
  )
  assert.deepEqual(card.find('2024-01-15 10:30:00 order 12345', NO_CONTEXT), [])
  assert.deepEqual(
    card.find('41111111111111111111111', NO_CONTEXT),
    [],
    'a longer digit run is something else',
  )
})

test('a bare Luhn-valid number in an id column is an id; grouped it is still a card', () => {
  assert.ok(!card.test('4111111111111111', orderId))
  assert.ok(card.test('4111 1111 1111 1111', orderId))
  assert.ok(card.test('4111111111111111', hinted))
})

test('Luhn', () => {
  assert.ok(luhnValid('79927398713'))
  assert.ok(!luhnValid('79927398710'))
  assert.ok(!luhnValid(''))
})
