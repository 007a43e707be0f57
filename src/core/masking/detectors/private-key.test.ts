import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NO_CONTEXT } from './detector.ts'
import { privateKey } from './private-key.ts'

const pem = (label: string) =>
  `-----BEGIN ${label}-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END ${label}-----`

test('PEM private keys of every label, whole or cut off', () => {
  for (const label of [
    'PRIVATE KEY',
    'RSA PRIVATE KEY',
    'EC PRIVATE KEY',
    'OPENSSH PRIVATE KEY',
    'ENCRYPTED PRIVATE KEY',
  ])
    assert.ok(privateKey.test(pem(label), NO_CONTEXT), label)
  const text = `key: ${pem('PRIVATE KEY')} done`
  assert.deepEqual(privateKey.find(text, NO_CONTEXT), [{ start: 5, end: text.length - 5 }])
  assert.deepEqual(privateKey.find('x -----BEGIN RSA PRIVATE KEY-----\nMIIE', NO_CONTEXT), [
    { start: 2, end: 38 },
  ])
})

test('public keys and certificates are left alone', () => {
  assert.deepEqual(privateKey.find(pem('PUBLIC KEY'), NO_CONTEXT), [])
  assert.deepEqual(privateKey.find(pem('CERTIFICATE'), NO_CONTEXT), [])
})
