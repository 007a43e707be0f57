// `taskgate grant request --from-plan plan.sql`: the planned statements classified by PostgreSQL's own
// classifier give the least covering scope; the approver sees the plan; statements the session runs outside
// it (a different shape, not different literals) are flagged on the grant in `grant show`.
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import pino from 'pino'
import { parseConfigText } from '../../../src/config/load.ts'
import { type Gateway, startGateway } from '../../../src/main.ts'
import { psql } from '../../support/clients/psql.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../../support/postgres.ts'
import { runTaskgate, type TaskgateRun } from '../../support/run-taskgate.ts'

const suffix = randomBytes(3).toString('hex')
const resourceId = `pg-${suffix}`
const agents = `agents-${suffix}`
const dbas = `dbas-${suffix}`

let dir: string
let db: ThrowawayDatabase
let gateway: Gateway
const keys = { admin: '', agent: '', approver: '' }

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tg-plan-'))
  db = await createThrowawayDatabase('tg_plan')
  await db.query(`CREATE SCHEMA billing;
    CREATE TABLE billing.invoices (id int PRIMARY KEY, amount int NOT NULL);
    INSERT INTO billing.invoices VALUES (1, 10), (2, 20);
    CREATE TABLE billing.customers (id int PRIMARY KEY, name text);
    INSERT INTO billing.customers VALUES (1, 'Acme');`)
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
  - group: ${agents}
    resources: [${resourceId}]
    ceiling: ["select:billing.*", "update:billing.*"]
    autoApprove: ["select:billing.*"]
    approvers: [${dbas}]
`,
    'plan-test.yaml',
  )
  gateway = await startGateway({ config, logger: pino({ level: 'silent' }) })
  keys.admin = gateway.createdKeys.get('admin') ?? ''
  const admin = { id: 'local:admin', kind: 'admin', name: 'admin', groups: [], via: 'local' } as const
  keys.agent = (
    await gateway.core.createServiceAccount(
      { ...admin, groups: [] },
      { name: `bot-${suffix}`, groups: [agents] },
    )
  ).key
  keys.approver = (
    await gateway.core.createServiceAccount(
      { ...admin, groups: [] },
      { name: `dba-${suffix}`, groups: [dbas] },
    )
  ).key
})

after(async () => {
  await gateway?.close()
  await db?.[Symbol.asyncDispose]()
  await rm(dir, { recursive: true, force: true })
})

const as = (token: string, ...args: string[]): Promise<TaskgateRun> =>
  runTaskgate(args, { env: { TASKGATE_API: gateway.api.url, TASKGATE_TOKEN: token } })

function json<T>(run: TaskgateRun): T {
  assert.equal(run.stderr, '', run.stderr)
  return JSON.parse(run.stdout) as T
}

interface GrantOut {
  id: string
  status: string
  scope: string
  connection: { host: string; port: number; user: string; password: string; database: string | null } | null
}

async function planFile(name: string, sql: string): Promise<string> {
  const file = join(dir, name)
  await writeFile(file, sql)
  return file
}

test('a plan of reads is granted at once with the least covering scope; off-plan statements are flagged', async () => {
  const plan = await planFile(
    'reads.sql',
    `-- the monthly export
SELECT sum(amount) FROM billing.invoices WHERE id > 0;
SELECT c.name FROM billing.customers c WHERE c.id = 1;
`,
  )
  const requested = json<GrantOut>(
    await as(
      keys.agent,
      'grant',
      'request',
      resourceId,
      '--from-plan',
      plan,
      '--task',
      'monthly export',
      '--json',
    ),
  )
  assert.equal(requested.status, 'active')
  assert.equal(requested.scope, 'select:billing.invoices,select:billing.customers')
  const c = requested.connection!
  const env = {
    PATH: process.env.PATH,
    PGHOST: c.host,
    PGPORT: String(c.port),
    PGUSER: c.user,
    PGPASSWORD: c.password,
    PGDATABASE: c.database ?? db.name,
    PGSSLMODE: 'disable',
  }
  // Other literals, same statement: in the plan. A read of the same table in another shape: not in it.
  for (const sql of [
    'SELECT sum(amount) FROM billing.invoices WHERE id > 1',
    'SELECT c.name FROM billing.customers c WHERE c.id = 2',
    'SELECT id, amount FROM billing.invoices',
  ]) {
    const r = await psql(env, sql)
    assert.equal(r.code, 0, r.stderr)
  }
  const shown = json<{
    plan: string[]
    offPlan: { count: number; statements: Array<{ text: string; outcome: string }> }
  }>(await as(keys.agent, 'grant', 'show', requested.id, '--json'))
  assert.deepEqual(shown.plan, [
    'SELECT sum(amount) FROM billing.invoices WHERE id > 0',
    'SELECT c.name FROM billing.customers c WHERE c.id = 1',
  ])
  assert.equal(shown.offPlan.count, 1)
  assert.deepEqual(
    shown.offPlan.statements.map((s) => [s.text, s.outcome]),
    [['SELECT id, amount FROM billing.invoices', 'allow']],
  )
  const text = await as(keys.agent, 'grant', 'show', requested.id)
  assert.match(text.stdout, /^off the plan +1 statements$/m)
  assert.match(
    text.stdout,
    /^run outside the plan\n {2}\S+#1 allow: SELECT id, amount FROM billing\.invoices$/m,
  )
})

test('a plan that writes needs an approver, who sees the plan with the scope it asks for', async () => {
  const plan = await planFile('fix.sql', "UPDATE billing.customers SET name = 'Acme Corp' WHERE id = 1;\n")
  const requested = json<GrantOut>(
    await as(
      keys.agent,
      'grant',
      'request',
      resourceId,
      '--from-plan',
      plan,
      '--task',
      'fix a typo',
      '--json',
    ),
  )
  assert.equal(requested.status, 'pending')
  assert.equal(requested.scope, 'update:billing.customers,select:billing.customers')
  const approvals = json<Array<{ grantId: string; risk?: { plan?: string[]; requested: string[] } }>>(
    await as(keys.approver, 'approvals', 'list', '--json'),
  )
  const mine = approvals.find((a) => a.grantId === requested.id)
  assert.deepEqual(mine?.risk?.plan, ["UPDATE billing.customers SET name = 'Acme Corp' WHERE id = 1"])
})

test('a plan must parse, stay within the ceiling, and come without a scope', async () => {
  const broken = await planFile('broken.sql', 'SELEC amount FROM billing.invoices;')
  const parse = await as(keys.agent, 'grant', 'request', resourceId, '--from-plan', broken, '--task', 't')
  assert.notEqual(parse.code, 0)
  assert.match(parse.stderr, /TG_REQUEST_INVALID.*does not parse as PostgreSQL: syntax error/)
  const dynamic = await planFile('dynamic.sql', "DO $$ BEGIN EXECUTE 'DROP TABLE billing.invoices'; END $$;")
  const refused = await as(keys.agent, 'grant', 'request', resourceId, '--from-plan', dynamic, '--task', 't')
  // A DO block needs execute:do, which the ceiling does not give: denied like any such request.
  assert.equal(refused.code, 3)
  assert.match(refused.stdout, /^scope +execute:do$/m)
  const ok = await planFile('ok.sql', 'SELECT 1 FROM billing.invoices;')
  const both = await as(
    keys.agent,
    'grant',
    'request',
    resourceId,
    '--from-plan',
    ok,
    '--scope',
    'select:billing.*',
    '--task',
    't',
  )
  assert.equal(both.code, 2)
  assert.match(both.stderr, /exclude each other/)
  const neither = await as(keys.agent, 'grant', 'request', resourceId, '--task', 't')
  assert.equal(neither.code, 2)
  assert.match(neither.stderr, /--scope is required/)
})
