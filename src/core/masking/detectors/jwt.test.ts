import assert from 'node:assert/strict'
import { test } from 'node:test'
import { NO_CONTEXT } from './detector.ts'
import { jwt } from './jwt.ts'

const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url')
const token = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: '42' })}.c2lnbmF0dXJl`

test('signed and unsecured tokens', () => {
  assert.ok(jwt.test(token, NO_CONTEXT))
  assert.ok(jwt.test(`${part({ alg: 'none' })}.${part({ sub: '42' })}.`, NO_CONTEXT))
  assert.deepEqual(jwt.find(`Authorization: Bearer ${token}`, NO_CONTEXT), [
    { start: 22, end: 22 + token.length },
  ])
})

test('near-misses are left alone', () => {
  assert.ok(!jwt.test(`${part({ typ: 'JWT' })}.${part({ sub: '42' })}.sig`, NO_CONTEXT), 'no alg')
  assert.ok(!jwt.test('eyJhbGciOi.eyJzdWIi', NO_CONTEXT), 'two parts')
  assert.ok(!jwt.test('eyJub3Rqc29u.eyJzdWIi.sig', NO_CONTEXT), 'header not JSON')
  assert.deepEqual(jwt.find('archive.tar.gz a.b.c', NO_CONTEXT), [])
  assert.ok(!jwt.test(`${token}.extra`, NO_CONTEXT), 'four parts (JWE has five, not three)')
})
