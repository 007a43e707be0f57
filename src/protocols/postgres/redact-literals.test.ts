import assert from 'node:assert/strict'
import { test } from 'node:test'
import { maskLiterals, recordableText, redactLiterals } from './redact-literals.ts'

test('string, escape-string and dollar-quoted literals are replaced', () => {
  assert.equal(redactLiterals("ALTER ROLE app PASSWORD 'it''s s3cret'"), "ALTER ROLE app PASSWORD '***'")
  assert.equal(redactLiterals("create role x password E'a\\'b' login"), "create role x password '***' login")
  assert.equal(redactLiterals('create role x password $p$s3cret$p$'), "create role x password '***'")
})

test('an unterminated literal is redacted to the end, and many unclosed dollar tags stay one linear pass', () => {
  assert.equal(redactLiterals("create role x password 'abc"), "create role x password '***'")
  assert.equal(redactLiterals('create role x password $p$abc'), "create role x password '***'")
  const tags = Array.from({ length: 20_000 }, (_, i) => `$t${i}$`).join(' ')
  const redacted = redactLiterals(`create role x password 'p' /* ${tags} */`)
  assert.equal(redacted, "create role x password '***' /* '***'")
})

test('only statements that carry a secret are redacted', () => {
  assert.equal(recordableText("select 'a'", ['read-only']), "select 'a'")
  assert.equal(
    recordableText("alter role a password 'x'", ['contains-secret']),
    "alter role a password '***'",
  )
})

// A stand-in for the detectors in force: masks every e-mail-looking run and a 16-digit card number.
const fakeMask = (value: string): string | null =>
  value === 'drop-me'
    ? null
    : value.replace(/\S+@\S+\.\w+/g, 'a****@*****.com').replace(/\d{16}/g, '****1111')

test('masking: what the detectors find in literals is masked in place, the rest kept', () => {
  assert.equal(
    maskLiterals("INSERT INTO c (email, note) VALUES ('ann@example.com', 'it''s ok')", fakeMask),
    "INSERT INTO c (email, note) VALUES ('a****@*****.com', 'it''s ok')",
  )
  assert.equal(
    maskLiterals("select E'mail: ann@example.com\\n', $t$x bob@example.org$t$, $$c@d.io$$", fakeMask),
    "select E'mail: a****@*****.com\\n', $t$x a****@*****.com$t$, $$a****@*****.com$$",
  )
  assert.equal(maskLiterals('select 4111111111111111, 123, $1', fakeMask), 'select ****1111, 123, $1')
  assert.equal(maskLiterals("update t set x = 'drop-me'", fakeMask), "update t set x = '****'")
  const unchanged = "select 'plain', \"col\" from t where a = 'b'"
  assert.equal(maskLiterals(unchanged, fakeMask), unchanged)
})

test('masking: comments and quoted identifiers do not hide a literal; unterminated ones are scanned', () => {
  assert.equal(
    maskLiterals("select 1 -- don't\n, 'ann@example.com' /* bob@example.org */", fakeMask),
    "select 1 -- don't\n, 'a****@*****.com' /* a****@*****.com */",
  )
  assert.equal(
    maskLiterals(`select "it's" , 'ann@example.com'`, fakeMask),
    `select "it's" , 'a****@*****.com'`,
  )
  assert.equal(
    maskLiterals("insert into t values ('ann@example.com", fakeMask),
    "insert into t values ('a****@*****.com'",
  )
})

test('a secret is redacted whole even under masking; without a mask the text is kept', () => {
  assert.equal(
    recordableText("alter role a password 'ann@example.com'", ['contains-secret'], fakeMask),
    "alter role a password '***'",
  )
  assert.equal(recordableText("select 'ann@example.com'", []), "select 'ann@example.com'")
  assert.equal(recordableText("select 'ann@example.com'", [], fakeMask), "select 'a****@*****.com'")
})
