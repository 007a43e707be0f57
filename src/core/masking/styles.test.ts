import assert from 'node:assert/strict'
import { test } from 'node:test'
import { createStyles, partialMask } from './styles.ts'

test('redact and null', () => {
  const styles = createStyles('k')
  assert.equal(styles.redact('4111111111111111', 'card'), '****')
  assert.equal(styles.null('x', undefined), null)
})

test('partial keeps what helps debugging', () => {
  assert.equal(partialMask('4111 1111 1111 9012', 'card'), '**** **** **** 9012')
  assert.equal(partialMask('378282246310005', 'card'), '**** **** **** 0005')
  assert.equal(partialMask('jane.doe@mail.example.com', 'email'), 'j****@*****.com')
  assert.equal(partialMask('+1 (415) 555-2671', 'phone'), '+* (***) ***-2671')
  assert.equal(partialMask('123-45-6789', 'ssn'), '***-**-6789')
  assert.equal(partialMask('DE89 3704 0044 0532 0130 00', 'iban'), 'DE** **** 3000')
  assert.equal(partialMask('10.1.2.3', 'ip'), '10.1.*.*')
  assert.equal(partialMask('2001:db8::1', 'ip'), '2001:****')
  assert.equal(partialMask('sk_live_abcdefghijklmnopqrstuvwx', 'stripe-key'), 'sk_live_****')
  assert.equal(partialMask('xoxb-1234567890-abcdef', 'slack-token'), 'xoxb-****')
  assert.equal(partialMask('AKIAIOSFODNN7EXAMPLE', 'aws-access-key'), 'AKIA****')
  assert.equal(partialMask('eyJhbGciOiJub25lIn0.e30.', 'jwt'), '****')
})

test('partial on a column rule (no detector) guesses from the value', () => {
  assert.equal(partialMask('jane@example.com', undefined), 'j****@*****.com')
  assert.equal(partialMask('ACCT-00991234', undefined), '****-****1234')
  assert.equal(partialMask('short', undefined), '****')
})

test('hash: the same value and key give the same token; another key another token', () => {
  const a = createStyles('key-one')
  const b = createStyles(new TextEncoder().encode('key-one'))
  const c = createStyles('key-two')
  const token = a.hash('jane@example.com', 'email')
  assert.match(token!, /^tok_[0-9a-f]{12}$/)
  assert.equal(a.hash('jane@example.com', 'email'), token)
  assert.equal(b.hash('jane@example.com', undefined), token)
  assert.notEqual(c.hash('jane@example.com', 'email'), token)
  assert.notEqual(a.hash('john@example.com', 'email'), token)
})

test('without a key, tokens are stable within the process only', () => {
  const a = createStyles(undefined)
  assert.equal(a.hash('x', undefined), a.hash('x', undefined))
  assert.notEqual(createStyles(undefined).hash('x', undefined), a.hash('x', undefined))
})
