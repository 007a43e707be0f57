// `taskgate advise` on recordings seeded by real psql sessions through a real gateway: per grant the scope
// used and unused, a narrower policy for the group as a diff whose rewritten `policies:` section
// `taskgate config check` accepts, and the task clusters.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { parseConfigText } from '../../../src/config/load.ts'
import type { Principal } from '../../../src/core/index.ts'
import { type Gateway, startGateway } from '../../../src/main.ts'
import { psql } from '../../support/clients/psql.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../support/postgres.ts'
import { runTaskgate } from '../../support/run-taskgate.ts'

const suffix = randomBytes(3).toString('hex')
const resourceId = `pg-${suffix}`
const agents = `agents-${suffix}`
const POLICIES = `policies:
  - group: ${agents}
    resources: [${resourceId}]
    ceiling: ["select:billing.*", "update:billing.*", "delete:billing.*"]
    autoApprove: ["select:billing.*", "update:billing.*"]
`

let dir: string
let db: ThrowawayDatabase
let gateway: Gateway
let adminKey = ''
const grants: Record<'exportA' | 'exportB' | 'typo', string> = { exportA: '', exportB: '', typo: '' }

const configYaml = (database: string, storeDir: string, policies: string) => `
store: { dir: ${JSON.stringify(storeDir)} }
api: { listen: { host: 127.0.0.1, port: 0 } }
resources:
  - id: ${resourceId}
    kind: postgres
    listen: { host: 127.0.0.1, port: 0 }
    target: { host: 127.0.0.1, port: 5432, database: ${database}, user: postgres, tls: disable }
${policies}`

const agent: Principal = {
  id: `sa:bot-${suffix}`,
  kind: 'agent',
  name: `bot-${suffix}`,
  groups: [agents],
  via: 'service-account',
}

async function runAs(scope: string, task: string, statements: string[]): Promise<string> {
  const { grant, credential } = await gateway.core.requestGrant(agent, {
    resourceId,
    scope,
    task,
    ttl: '10m',
  })
  assert.ok(credential, `${task}: granted at once`)
  const address = gateway.resources.get(resourceId)!
  for (const sql of statements) {
    const r = await psql(
      {
        PATH: process.env.PATH,
        PGHOST: address.host,
        PGPORT: String(address.port),
        PGUSER: credential.username,
        PGPASSWORD: credential.password,
        PGDATABASE: db.name,
        PGSSLMODE: 'disable',
      },
      sql,
    )
    assert.equal(r.code, 0, `${sql}: ${r.stderr}`)
  }
  return grant.id
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-advise-'))
  db = await createThrowawayDatabase('tg_advise')
  await db.query(`CREATE SCHEMA billing;
    CREATE TABLE billing.invoices (id int PRIMARY KEY, amount int NOT NULL);
    INSERT INTO billing.invoices VALUES (1, 10), (2, 20);
    CREATE TABLE billing.customers (id int PRIMARY KEY, name text);
    INSERT INTO billing.customers VALUES (1, 'Acme'), (2, 'Globex');`)
  const config = parseConfigText(configYaml(db.name, join(dir, 'data'), POLICIES), 'advise-test.yaml')
  gateway = await startGateway({ config, logger: pino({ level: 'silent' }) })
  adminKey = gateway.createdKeys.get('admin') ?? ''
  grants.exportA = await runAs('select:billing.*,update:billing.*', 'Export monthly invoices to finance', [
    'SELECT sum(amount) FROM billing.invoices',
    'SELECT id FROM billing.invoices WHERE amount > 10',
  ])
  grants.exportB = await runAs('select:billing.*', 'export the monthly invoices for finance', [
    'SELECT c.name, i.amount FROM billing.invoices i JOIN billing.customers c ON c.id = i.id',
  ])
  grants.typo = await runAs('select:billing.*,update:billing.*', 'fix customer name typo', [
    "UPDATE billing.customers SET name = 'Acme Corp' WHERE id = 1",
  ])
})

after(async () => {
  await gateway?.close()
  await db?.[Symbol.asyncDispose]()
  await rm(dir, { recursive: true, force: true })
})

interface AdviceOut {
  grants: Array<{ grantId: string; requested: string[]; used: string[]; unused: string[]; actions: number }>
  suggestions: Array<{
    group: string
    resourceId: string
    grants: number
    current: { ceiling: string[]; autoApprove: string[] }
    suggested: { ceiling: string[]; autoApprove: string[] }
    unused: string[]
    notApplied?: string
  }>
  policiesYaml: string
  diff: string
  clusters: Array<{ words: string[]; grantIds: string[]; suggested: string[] }>
  truncated: boolean
}

const advise = (...args: string[]) =>
  runTaskgate(['advise', ...args], { env: { TASKGATE_API: gateway.api.url, TASKGATE_TOKEN: adminKey } })

test('advise: per grant the scope used and unused, from what the statements needed', async () => {
  const run = await advise('--group', agents, '--since', '1d', '--json')
  assert.equal(run.code, 0, run.stderr)
  const advice = JSON.parse(run.stdout) as AdviceOut
  assert.equal(advice.truncated, false)
  const byId = new Map(advice.grants.map((g) => [g.grantId, g]))
  assert.equal(advice.grants.length, 3)
  assert.deepEqual(byId.get(grants.exportA), {
    ...byId.get(grants.exportA),
    requested: ['select:billing.*', 'update:billing.*'],
    used: ['select:billing.invoices'],
    unused: ['update:billing.*'],
    actions: 2,
  })
  assert.deepEqual(byId.get(grants.exportB)?.used, ['select:billing.customers', 'select:billing.invoices'])
  assert.deepEqual(byId.get(grants.exportB)?.unused, [])
  assert.deepEqual(byId.get(grants.typo)?.used, ['select:billing.customers', 'update:billing.customers'])
  assert.deepEqual(byId.get(grants.typo)?.unused, [])
})

test('advise: a narrower policy for the group, as a diff; config check accepts the rewritten section', async () => {
  const advice = JSON.parse((await advise('--resource', resourceId, '--json')).stdout) as AdviceOut
  assert.deepEqual(advice.suggestions, [
    {
      group: agents,
      resourceId,
      grants: 3,
      current: {
        ceiling: ['select:billing.*', 'update:billing.*', 'delete:billing.*'],
        autoApprove: ['select:billing.*', 'update:billing.*'],
      },
      suggested: {
        ceiling: ['select:billing.customers', 'select:billing.invoices', 'update:billing.customers'],
        autoApprove: ['select:billing.customers', 'select:billing.invoices', 'update:billing.customers'],
      },
      unused: ['delete:billing.*'],
    },
  ])
  assert.match(advice.diff, /^--- policies \(current\)\n\+\+\+ policies \(suggested\)\n policies:\n/)
  assert.match(advice.diff, /^-\s+- delete:billing\.\*$/m)
  assert.match(advice.diff, /^\+\s+- update:billing\.customers$/m)
  const file = join(dir, 'candidate.yaml')
  await writeFile(file, configYaml(db.name, join(dir, 'data'), advice.policiesYaml))
  const check = await runTaskgate(['config', 'check', file])
  assert.equal(check.code, 0, check.stderr)
  assert.match(check.stdout, /ok \(1 resources, 1 policies\)/)
  const text = await advise('--resource', resourceId)
  if (process.env.SHOW) console.log(text.stdout)
  assert.equal(text.code, 0, text.stderr)
  assert.match(text.stdout, /suggested policies/)
  assert.ok(text.stdout.includes(advice.diff), 'the text output carries the diff')
})

test('advise: tasks that say the same thing form one cluster with the scope they used', async () => {
  const advice = JSON.parse((await advise('--principal', agent.name, '--json')).stdout) as AdviceOut
  const exports = advice.clusters.find((c) => c.grantIds.includes(grants.exportA))
  assert.deepEqual(exports?.grantIds.toSorted(), [grants.exportA, grants.exportB].toSorted())
  assert.deepEqual(exports?.words, ['export', 'monthly', 'invoices', 'finance'])
  assert.deepEqual(exports?.suggested, ['select:billing.customers', 'select:billing.invoices'])
  const typo = advice.clusters.find((c) => c.grantIds.includes(grants.typo))
  assert.deepEqual(typo?.grantIds, [grants.typo])
  assert.deepEqual(typo?.suggested, ['select:billing.customers', 'update:billing.customers'])
})

test('advise: agents may not read it; a malformed --since is refused', async () => {
  const key = (
    await gateway.core.createServiceAccount(
      { id: 'local:admin', kind: 'admin', name: 'admin', groups: [], via: 'local' },
      { name: `peek-${suffix}`, groups: [agents] },
    )
  ).key
  const denied = await runTaskgate(['advise'], {
    env: { TASKGATE_API: gateway.api.url, TASKGATE_TOKEN: key },
  })
  assert.notEqual(denied.code, 0)
  assert.match(denied.stderr, /TG_FORBIDDEN/)
  const bad = await advise('--since', 'forever')
  assert.notEqual(bad.code, 0)
  assert.match(bad.stderr, /duration/)
})
