// Issue 11 (item 14): `config check` said only `unknown key "celing"` and passed a policy whose group nobody
// can be in (no agent, no admin group, no IdP). It now suggests the key a typo most likely meant and warns
// (on stderr, exit 0) about each such group, naming where it is used.
import assert from 'node:assert/strict'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { runTaskgate } from '../support/run-taskgate.ts'

let dir: string
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-check-'))
})
after(() => rm(dir, { recursive: true, force: true }))

const RESOURCE = `
resources:
  - id: app-db
    kind: postgres
    listen: { host: 127.0.0.1, port: 15432 }
    target: { host: 127.0.0.1, port: 5432, database: postgres, user: postgres, tlss: prefer }
`

test('unknown keys name the known key they most likely meant, at any depth', async () => {
  const file = join(dir, 'typos.yaml')
  await writeFile(
    file,
    `${RESOURCE}policies:
  - group: agents
    resources: [app-db]
    ceiling: ["select:*"]
    maxTTl: 1h
    frobnicate: 1
grants: { defaultTTL: 15m }
storee: {}
`,
  )
  const run = await runTaskgate(['config', 'check', file])
  assert.equal(run.code, 1)
  assert.match(run.stderr, /resources\[0\]\.target: unknown key "tlss" \(did you mean "tls"\?\)/)
  assert.match(run.stderr, /policies\[0\]: unknown keys "maxTTl" \(did you mean "maxTtl"\?\), "frobnicate"\n/)
  assert.match(run.stderr, /grants: unknown key "defaultTTL" \(did you mean "defaultTtl"\?\)/)
  assert.match(run.stderr, /\(top level\): unknown key "storee" \(did you mean "store"\?\)/)
})

test('a policy or approver group nobody can be in is a warning naming where it is used', async () => {
  const file = join(dir, 'groups.yaml')
  const config = (oidc: string) => `${RESOURCE.replace('tlss', 'tls')}${oidc}
agents:
  - name: bot
    groups: [agents]
policies:
  - group: agents
    resources: [app-db]
    ceiling: ["select:*"]
    approvers: [dbas]
  - group: dbas
    resources: [app-db]
    ceiling: ["*:*"]
`
  await writeFile(file, config(''))
  const run = await runTaskgate(['config', 'check', file])
  assert.equal(run.code, 0, run.stderr)
  assert.match(run.stdout, /: ok \(1 resources, 2 policies\)/)
  assert.equal(run.stderr.split('\n').filter(Boolean).length, 1, run.stderr)
  assert.match(
    run.stderr,
    /^warning: .*groups\.yaml: policies\[0\]\.approvers\[0\], policies\[1\]\.group: nobody is in group "dbas": .*groups in use: agents, taskgate-admins.*taskgate agents create NAME --groups dbas.*only administrators approve/,
  )
  const json = await runTaskgate(['config', 'check', file, '--json'])
  assert.equal((JSON.parse(json.stdout) as { warnings: string[] }).warnings.length, 1)

  // With an IdP, its groups claim may carry any group: nothing to warn about.
  await writeFile(
    file,
    config(`identity:
  oidc: { issuer: "https://idp.example.com", audience: taskgate, clientId: taskgate-cli }`),
  )
  const withIdp = await runTaskgate(['config', 'check', file])
  assert.equal(withIdp.code, 0, withIdp.stderr)
  assert.equal(withIdp.stderr, '')
})
