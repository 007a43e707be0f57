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

test('YAML syntax errors are reported with the file', () => {
  assert.throws(() => parseConfigText('resources: [\n', 'bad.yaml'), /bad\.yaml: /)
})

test('a missing secret says which variable', async () => {
  await assert.rejects(
    resolveSecret({ env: 'TG_TEST_SURELY_UNSET' }, 'resources[0].target.password'),
    /TG_TEST_SURELY_UNSET is not set/,
  )
})
