import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NO_CONTEXT } from './detector.ts'
import { iban } from './iban.ts'

test('valid IBANs in electronic and print form', () => {
  for (const value of [
    'DE89370400440532013000',
    'DE89 3704 0044 0532 0130 00',
    'GB29NWBK60161331926819',
    'FR1420041010050500013M02606',
    'NO9386011117947',
  ])
    assert.ok(iban.test(value, NO_CONTEXT), value)
  const text = 'pay to GB29 NWBK 6016 1331 9268 19 today'
  assert.deepEqual(iban.find(text, NO_CONTEXT), [{ start: 7, end: 34 }])
})

test('checksum, length and country are checked', () => {
  assert.ok(!iban.test('DE89370400440532013001', NO_CONTEXT), 'checksum')
  assert.ok(!iban.test('DE8937040044053201300', NO_CONTEXT), 'length')
  assert.ok(!iban.test('ZZ89370400440532013000', NO_CONTEXT), 'no such country')
  assert.ok(!iban.test('XDE89370400440532013000', NO_CONTEXT), 'glued to a word')
})

test('lower case only in an IBAN column', () => {
  assert.ok(!iban.test('de89370400440532013000', NO_CONTEXT))
  assert.ok(iban.test('de89370400440532013000', { column: 'iban', hinted: true, idLike: false }))
})
