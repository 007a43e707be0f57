import assert from 'node:assert/strict'
import { test } from 'node:test'
import { recordableText, redactLiterals } from './redact-literals.ts'

test('string, escape-string and dollar-quoted literals are replaced', () => {
  assert.equal(redactLiterals("ALTER ROLE app PASSWORD 'it''s s3cret'"), "ALTER ROLE app PASSWORD '***'")
  assert.equal(redactLiterals("create role x password E'a\\'b' login"), "create role x password '***' login")
  assert.equal(redactLiterals('create role x password $p$s3cret$p$'), "create role x password '***'")
})

test('only statements that carry a secret are redacted', () => {
  assert.equal(recordableText("select 'a'", ['read-only']), "select 'a'")
  assert.equal(
    recordableText("alter role a password 'x'", ['contains-secret']),
    "alter role a password '***'",
  )
})
