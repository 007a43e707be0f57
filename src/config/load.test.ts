import assert from 'node:assert/strict'
import { test } from 'node:test'
import { parseConfigText, resolveSecret } from './load.ts'

const base = `
resources:
  - id: billing-db
    kind: postgres
    listen: { port: 6432 }
    target: { host: 127.0.0.1, database: billing, user: app }
policies:
  - group: agents
    resources: [billing-db]
    ceiling: ["select:billing.*"]
`

test('a valid file parses with defaults filled in', () => {
  const config = parseConfigText(base, 'a.yaml')
  assert.equal(config.resources[0]?.listen.host, '127.0.0.1')
  assert.equal(config.policies[0]?.maxTtl, '1h')
})

test('a wrong type names the file, the path, what was expected and what was given', () => {
  assert.throws(
    () => parseConfigText(base.replace('port: 6432', 'port: "5432x"'), 'a.yaml'),
    (error: Error) => {
      assert.match(error.message, /a\.yaml: resources\[0\]\.listen\.port: expected number, got "5432x"/)
      return true
    },
  )
})

test('an unknown key is an error', () => {
  assert.throws(() => parseConfigText(`${base}\nbogus: 1\n`, 'a.yaml'), /\(top level\): unknown key "bogus"/)
})

test('a policy naming a missing resource is an error', () => {
  assert.throws(
    () => parseConfigText(base.replace('resources: [billing-db]', 'resources: [nope]'), 'a.yaml'),
    /policies\[0\]\.resources\[0\]: no resource "nope"/,
  )
})

test('a guardrail with rowsOver alone is an error that says what it needs', () => {
  const rule = (match: string) =>
    `${base}guardrails:\n  - id: big\n    description: d\n    action: deny\n    match: ${match}\n`
  assert.throws(
    () => parseConfigText(rule('{ rowsOver: 1000 }'), 'a.yaml'),
    /a\.yaml: guardrails\[0\]\.match\.rowsOver: rowsOver needs kinds, traits, needs or pattern beside it/,
  )
  assert.throws(
    () => parseConfigText(rule('{ kinds: [DeleteStmt], whenUnknown: match }'), 'a.yaml'),
    /guardrails\[0\]\.match\.whenUnknown: whenUnknown applies only with rowsOver/,
  )
  const config = parseConfigText(
    rule('{ kinds: [DeleteStmt], rowsOver: 1000, whenUnknown: match }'),
    'a.yaml',
  )
  assert.deepEqual(config.guardrails[0]?.match, {
    kinds: ['DeleteStmt'],
    rowsOver: 1000,
    whenUnknown: 'match',
  })
})

test('YAML syntax errors are reported with the file', () => {
  assert.throws(() => parseConfigText('resources: [\n', 'bad.yaml'), /bad\.yaml: /)
})

test('a missing secret says which variable', async () => {
  await assert.rejects(
    resolveSecret({ env: 'TG_TEST_SURELY_UNSET' }, 'resources[0].target.password'),
    /TG_TEST_SURELY_UNSET is not set/,
  )
})

test('an unknown scope verb in a ceiling, autoApprove or guardrail names the entry and lists the valid verbs', () => {
  const typo = base.replace(
    'ceiling: ["select:billing.*"]',
    'ceiling: ["select:billing.*", "selcet:public.*"]\n    autoApprove: ["*:billing.x", "reed:billing.*"]',
  )
  const guardrail = `${base}guardrails:\n  - { id: g, description: d, action: deny, match: { needs: ["delet:billing.*"] } }\n`
  assert.throws(
    () => parseConfigText(typo, 'a.yaml'),
    (error: Error) => {
      assert.match(
        error.message,
        /a\.yaml: policies\[0\]\.ceiling\[1\]: unknown verb "selcet" for postgres resources; valid verbs: \*, select, insert, update, delete, .*, got "selcet:public\.\*"/,
      )
      assert.match(error.message, /policies\[0\]\.autoApprove\[1\]: unknown verb "reed"/)
      assert.doesNotMatch(error.message, /ceiling\[0\]|autoApprove\[0\]/)
      return true
    },
  )
  assert.throws(
    () => parseConfigText(guardrail, 'a.yaml'),
    /guardrails\[0\]\.match\.needs\[0\]: unknown verb "delet"/,
  )
  assert.doesNotThrow(() => parseConfigText(base.replace('select:billing', 'truncate:billing'), 'a.yaml'))
})

test('a password written in clear says { env: NAME } or { file: PATH } is expected and does not echo it', () => {
  const clear = base.replace('user: app }', 'user: app, password: hunter2-secret }')
  assert.throws(
    () => parseConfigText(clear, 'a.yaml'),
    (error: Error) => {
      assert.match(
        error.message,
        /resources\[0\]\.target\.password: expected \{ env: NAME \} or \{ file: PATH \}: a secret is never written in the configuration in clear, got a value \(not shown\)/,
      )
      assert.doesNotMatch(error.message, /hunter2/)
      return true
    },
  )
})

test('regular expressions the linear-time engine cannot run, and oversized scopes, are refused at start', () => {
  const withRegexes = `${base}
guardrails:
  - { id: slow, description: slow, action: deny, match: { pattern: "(\\\\w+)\\\\1" } }
masking:
  detectors: [{ id: nested, pattern: "(?!a)b" }]
  rules: [{ id: r, columns: ["/x(?=y)/i"] }]
`
  assert.throws(
    () => parseConfigText(withRegexes, 'a.yaml'),
    (error: Error) => {
      assert.match(error.message, /guardrails\[0\]\.match\.pattern: it cannot run in linear time/)
      assert.match(error.message, /masking\.detectors\[0\]\.pattern: it cannot run in linear time/)
      assert.match(error.message, /masking\.rules\[0\]\.columns\[0\]: it cannot run in linear time/)
      return true
    },
  )
  const many = Array.from({ length: 65 }, (_, i) => `"select:billing.t${i}"`).join(', ')
  assert.throws(
    () => parseConfigText(base.replace('["select:billing.*"]', `[${many}]`), 'a.yaml'),
    /policies\[0\]\.ceiling/,
  )
  assert.throws(
    () => parseConfigText(base.replace('select:billing.*', `select:${'x'.repeat(300)}`), 'a.yaml'),
    /policies\[0\]\.ceiling\[0\]/,
  )
})
