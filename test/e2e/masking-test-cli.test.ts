// `taskgate masking test` end to end: bin/taskgate against a gateway started by main.ts with a hash key read
// from the environment; only administrators may run it, and it shows per column what masked how many values.
import assert from 'node:assert/strict'
import { createHmac, randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { parseConfigText } from '../../src/config/load.ts'
import type { Principal } from '../../src/core/index.ts'
import { type Gateway, startGateway } from '../../src/main.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres.ts'
import { runTaskgate } from '../support/run-taskgate.ts'

const suffix = randomBytes(3).toString('hex')
const resourceId = `pg-${suffix}`
const hashKeyVar = `TG_TEST_MASKING_KEY_${suffix}`

let dir: string
let db: ThrowawayDatabase
let gateway: Gateway

before(async () => {
  process.env[hashKeyVar] = 'a-test-hash-key'
  dir = await mkdtemp(join(tmpdir(), 'tg-mask-cli-'))
  db = await createThrowawayDatabase('tg_mask_cli')
  await db.query(`CREATE TABLE people (id int, email text, ssn text, notes text);
    INSERT INTO people VALUES (1, 'jane.doe@example.com', '536-22-1234', 'card 4111 1111 1111 1111 on file'),
      (2, 'li.wei@example.org', '536-22-5678', 'build BUILD-555-1234 ok')`)
  const config = parseConfigText(
    `
store: { dir: ${JSON.stringify(join(dir, 'data'))} }
api: { listen: { host: 127.0.0.1, port: 0 } }
resources:
  - id: ${resourceId}
    kind: postgres
    listen: { host: 127.0.0.1, port: 0 }
    target: { host: 127.0.0.1, port: 5432, database: ${db.name}, user: postgres, tls: disable }
policies:
  - group: agents-${suffix}
    resources: [${resourceId}]
    ceiling: ["select:*"]
masking:
  hashKey: { env: ${hashKeyVar} }
  rules:
    - id: contact
      style: hash
      columns: [email]
    - id: pii
      style: partial
      detectors: [card, ssn]
      exemptGroups: [dba]
`,
    'masking-cli.yaml',
  )
  gateway = await startGateway({ config, logger: pino({ level: 'silent' }) })
})

after(async () => {
  await gateway?.close()
  await db?.[Symbol.asyncDispose]()
  await rm(dir, { recursive: true, force: true })
  delete process.env[hashKeyVar]
})

const admin: Principal = {
  id: 'admin',
  kind: 'person',
  name: 'admin',
  groups: ['taskgate-admins'],
  via: 'local',
}

const asAdmin = (args: string[]) =>
  runTaskgate(args, {
    env: { TASKGATE_API: gateway.api.url, TASKGATE_TOKEN: gateway.createdKeys.get('admin') },
  })

test('shows per column what masked how many values, and the masked rows', async () => {
  const sql = 'SELECT id, email, ssn, notes FROM people ORDER BY id'
  const run = await asAdmin(['masking', 'test', '--resource', resourceId, '--group', 'agents', sql, '--json'])
  assert.equal(run.code, 0, run.stderr)
  const result = JSON.parse(run.stdout)
  assert.deepEqual(
    result.columns.map((c: { name: string; table?: string; masked: object }) => [c.name, c.table, c.masked]),
    [
      ['id', 'public.people', {}],
      ['email', 'public.people', { 'rule:contact': 2 }],
      ['ssn', 'public.people', { 'rule:pii/ssn': 2 }],
      ['notes', 'public.people', { 'rule:pii/card': 1 }],
    ],
  )
  assert.match(result.rows[0][1], /^tok_[0-9a-f]{12}$/)
  assert.deepEqual(result.rows[0].slice(2), ['***-**-1234', 'card **** **** **** 1111 on file'])
  assert.equal(result.rows[1][3], 'build BUILD-555-1234 ok')

  const named = await asAdmin(['masking', 'test', '--resource', resourceId, '--group', 'agents', sql])
  assert.match(named.stdout, /ssn\s+public\.people\s+text\s+rule pii \(ssn\): 2/)
  const human = await asAdmin(['masking', 'test', '--resource', resourceId, '--group', 'dba', sql])
  assert.equal(human.code, 0, human.stderr)
  assert.match(human.stdout, /email\s+public\.people\s+text\s+rule contact: 2/)
  assert.match(human.stdout, /536-22-1234/, 'dba is exempt from the pii rule')
  assert.match(human.stdout, /\(2 rows\)/)
})

test('the hash key from the environment gives stable tokens; other principals are refused', async () => {
  const sql = "SELECT 'jane.doe@example.com' AS email"
  const a = JSON.parse(
    (await asAdmin(['masking', 'test', '--resource', resourceId, '--group', 'x', sql, '--json'])).stdout,
  )
  const b = JSON.parse(
    (await asAdmin(['masking', 'test', '--resource', resourceId, '--group', 'y', sql, '--json'])).stdout,
  )
  assert.equal(a.rows[0][0], b.rows[0][0])
  const expected = createHmac('sha256', 'a-test-hash-key').update('jane.doe@example.com').digest('hex')
  assert.equal(a.rows[0][0], `tok_${expected.slice(0, 12)}`, 'the configured key, not a random one')
  const { account, key } = await gateway.core.createServiceAccount(admin, {
    name: `bot-${suffix}`,
    groups: [`agents-${suffix}`],
  })
  assert.ok(account)
  const denied = await runTaskgate(['masking', 'test', '--resource', resourceId, '--group', 'x', sql], {
    env: { TASKGATE_API: gateway.api.url, TASKGATE_TOKEN: key },
  })
  assert.notEqual(denied.code, 0)
  assert.match(denied.stderr, /TG_FORBIDDEN/)
})
