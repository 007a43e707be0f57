import assert from 'node:assert/strict'
import { test } from 'node:test'
import { redactStringLiterals } from './redact-literals.ts'

test('every string literal of a statement holding a secret is recorded as ***', () => {
  const sql = "CREATE USER 'bob'@'%' IDENTIFIED BY 'hunter2 \\' still secret'"
  const redacted = redactStringLiterals(sql, {})
  assert.doesNotMatch(redacted, /hunter2|still secret/)
  assert.match(redacted, /IDENTIFIED BY '\*\*\*'/)
  assert.equal(redacted.includes('\u0001'), false)
  assert.equal(redactStringLiterals("SET PASSWORD FOR x = PASSWORD('a') -- 12", {}).includes('\u0001'), false)
  assert.doesNotMatch(
    redactStringLiterals("SET PASSWORD = PASSWORD('p\"w')", { noBackslashEscapes: true }),
    /p"w/,
  )
})
