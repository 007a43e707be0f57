import assert from 'node:assert/strict'
import { test } from 'node:test'
import { tlsFor } from './tls-for.ts'

test('the data path encrypts without verifying only on this host, and verifies the name elsewhere', () => {
  for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1', '0.0.0.0'])
    assert.deepEqual(tlsFor(host), { rejectUnauthorized: false }, host)
  assert.deepEqual(tlsFor('db.example.com'), { rejectUnauthorized: true, servername: 'db.example.com' })
  assert.deepEqual(tlsFor('10.0.0.5'), { rejectUnauthorized: true })
  assert.deepEqual(tlsFor('128.0.0.1'), { rejectUnauthorized: true })
})

test('a certificate the credential carries is verified against, on loopback too, with the name dialled', () => {
  const pem = '-----BEGIN CERTIFICATE-----\n…\n-----END CERTIFICATE-----\n'
  assert.deepEqual(tlsFor('127.0.0.1', pem), { rejectUnauthorized: true, ca: pem })
  assert.deepEqual(tlsFor('localhost', pem), { rejectUnauthorized: true, ca: pem, servername: 'localhost' })
  assert.deepEqual(tlsFor('gw.example.com', pem), {
    rejectUnauthorized: true,
    ca: pem,
    servername: 'gw.example.com',
  })
})
