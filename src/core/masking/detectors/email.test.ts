import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NO_CONTEXT } from './detector.ts'
import { email } from './email.ts'

test('addresses alone and in text', () => {
  for (const value of [
    'jane@example.com',
    'Jane.Doe+billing@mail.example.co.uk',
    'x_y-z%1@sub-domain.io',
    'a@xn--bcher-kva.de',
  ])
    assert.ok(email.test(value, NO_CONTEXT), value)
  const text = 'mail jane@example.com, or bob.smith@corp.example.org.'
  assert.deepEqual(
    email.find(text, NO_CONTEXT).map((s) => text.slice(s.start, s.end)),
    ['jane@example.com', 'bob.smith@corp.example.org'],
  )
})

test('near-misses are left alone', () => {
  for (const value of [
    'user@localhost',
    'icon@2x.png',
    'pkg@1.2.3',
    '@handle',
    'name at example dot com',
    'a..b@example.com',
    'a.@example.com',
    'x@-example.com',
    'x@example.c',
    'lib@next.js',
  ])
    assert.deepEqual(email.find(value, NO_CONTEXT), [], value)
})

test('a leading dot belongs to the sentence, not the address', () => {
  const text = 'end.jane@example.com'
  assert.deepEqual(email.find('...jane@example.com', NO_CONTEXT), [{ start: 3, end: 19 }])
  assert.equal(email.find(text, NO_CONTEXT).length, 1)
})
