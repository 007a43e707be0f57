import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { test } from 'node:test'
import { resourceKind } from '../../kinds/index.ts'
import {
  cachingSha2Scramble,
  mysqlVerifiers,
  nativePasswordScramble,
  verifyCachingSha2,
  verifyNativePassword,
} from './auth-scramble.ts'

const nonce = randomBytes(20)
const verifiers = mysqlVerifiers('s3cret-minted')

test('both scrambles verify against the verifiers of the same password, and only of it', () => {
  assert.ok(
    verifyNativePassword(
      nativePasswordScramble('s3cret-minted', nonce),
      nonce,
      verifiers.mysqlNativePassword,
    ),
  )
  assert.ok(
    verifyCachingSha2(cachingSha2Scramble('s3cret-minted', nonce), nonce, verifiers.cachingSha2Password),
  )
  assert.ok(
    !verifyNativePassword(nativePasswordScramble('other', nonce), nonce, verifiers.mysqlNativePassword),
  )
  assert.ok(!verifyCachingSha2(cachingSha2Scramble('other', nonce), nonce, verifiers.cachingSha2Password))
  // A scramble made for another nonce (a replay) fails.
  const replay = cachingSha2Scramble('s3cret-minted', randomBytes(20))
  assert.ok(!verifyCachingSha2(replay, nonce, verifiers.cachingSha2Password))
})

test('empty or mis-sized scrambles fail without throwing', () => {
  for (const scramble of [Buffer.alloc(0), Buffer.alloc(19), Buffer.alloc(33)]) {
    assert.equal(verifyNativePassword(scramble, nonce, verifiers.mysqlNativePassword), false)
    assert.equal(verifyCachingSha2(scramble, nonce, verifiers.cachingSha2Password), false)
  }
})

test('the native scramble matches the documented construction (a known MySQL test vector)', () => {
  // SHA1("password") XOR SHA1(nonce + SHA1(SHA1("password"))) for a nonce of twenty 0x01 bytes.
  const fixed = Buffer.alloc(20, 1)
  const scramble = nativePasswordScramble('password', fixed)
  assert.equal(scramble.length, 20)
  assert.ok(verifyNativePassword(scramble, fixed, mysqlVerifiers('password').mysqlNativePassword))
  // MySQL stores the same verifier as PASSWORD('password') = *2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19.
  assert.equal(
    mysqlVerifiers('password').mysqlNativePassword.toString('hex').toUpperCase(),
    '2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19',
  )
})

test('the mysql kind stores exactly these verifiers with each credential (hex)', () => {
  const expected = mysqlVerifiers('tgc_secret')
  assert.deepEqual(resourceKind('mysql').credentialVerifiers?.('tgc_secret'), {
    mysqlNativePassword: expected.mysqlNativePassword.toString('hex'),
    cachingSha2Password: expected.cachingSha2Password.toString('hex'),
  })
})
