// Policy replay on recordings seeded by a real psql session through the gateway (a few hundred statements),
// on both stores: a candidate configuration's guardrails turn allowed statements into denials and holds and a
// recorded denial into an allowed statement, counted by rule with examples; the grant's own request is
// decided again; `taskgate policy replay` exits 4 when anything changes and 0 when nothing does.
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import pino from 'pino'
import { parseConfigText } from '../../../src/config/load.ts'
import type { PolicyReplay, Principal } from '../../../src/core/index.ts'
import { startGateway } from '../../../src/main.ts'
import { openPostgresStore } from '../../../src/store/postgres/index.ts'
import { psqlScript } from '../../support/clients/psql.ts'
import { createThrowawayDatabase } from '../../support/postgres.ts'
import { runTaskgate } from '../../support/run-taskgate.ts'
import { type PostgresGateway, type StartOptions, startPostgresGateway } from '../../support/start-gateway.ts'

const SETUP = `CREATE SCHEMA billing;
  CREATE TABLE billing.invoices (id int PRIMARY KEY, amount int NOT NULL);
  INSERT INTO billing.invoices SELECT g, g FROM generate_series(1, 200) g;
  CREATE TABLE billing.customers (id int PRIMARY KEY, name text);
  CREATE TABLE billing.notes (id int PRIMARY KEY, note text);`

/** 200 reads of invoices, 50 of notes, 50 updates of invoices, one unbounded update (denied by the
 * built-in guardrail) and one delete outside the grant (denied by scope): 302 statements. */
const SCRIPT = [
  ...Array.from({ length: 200 }, (_, i) => `SELECT amount FROM billing.invoices WHERE id = ${i + 1};`),
  ...Array.from({ length: 50 }, (_, i) => `SELECT note FROM billing.notes WHERE id = ${i + 1};`),
  ...Array.from({ length: 50 }, (_, i) => `UPDATE billing.invoices SET amount = ${i} WHERE id = ${i + 1};`),
  "UPDATE billing.customers SET name = 'x';",
  'DELETE FROM billing.invoices WHERE id = 1;',
].join('\n')

function candidateYaml(gw: PostgresGateway, extra: string, ceiling = '["*:*"]'): string {
  const t = gw.resource.target
  return `resources:
  - id: ${gw.resource.id}
    kind: postgres
    listen: { host: 127.0.0.1, port: 0 }
    target: { host: ${t.host}, port: ${t.port}, database: ${t.database}, user: ${t.user}, tls: prefer }
policies:
  - group: agents
    resources: [${gw.resource.id}]
    ceiling: ${ceiling}
    autoApprove: ${ceiling}
    maxTtl: 1h
${extra}`
}

const GUARDRAILS = `guardrails:
  - id: no-notes
    description: notes are private
    action: deny
    match: { needs: ["select:billing.notes"] }
  - id: hold-invoice-updates
    description: a person looks at invoice changes
    action: approve
    match: { needs: ["update:billing.invoices"] }
  - id: no-unbounded-write
    description: switched off
    action: "off"
`

async function seeded(options: StartOptions): Promise<PostgresGateway> {
  const gw = await startPostgresGateway({ setupSql: SETUP, ...options })
  const { credential } = await gw.grant('select:billing.*,update:billing.*')
  const r = await psqlScript(gw.env(credential), SCRIPT)
  assert.match(r.stderr, /no-unbounded-write/)
  assert.match(r.stderr, /rule scope/)
  return gw
}

const admin: Principal = { id: 'local:admin', kind: 'admin', name: 'admin', groups: [], via: 'local' }

async function checkReplay(gw: PostgresGateway): Promise<void> {
  const replay = async (yaml: string) =>
    gw.core.replayPolicy(admin, {
      candidate: parseConfigText(yaml, 'candidate.yaml'),
      since: new Date(Date.now() - 3600_000),
    })
  const unchanged = await replay(candidateYaml(gw, ''))
  assert.equal(unchanged.statements, 302)
  assert.equal(unchanged.skipped, 0)
  assert.equal(unchanged.changed, 0)
  assert.deepEqual(unchanged.grants, [])

  const changed = await replay(candidateYaml(gw, GUARDRAILS))
  assert.equal(changed.statements, 302)
  assert.equal(changed.changed, 101)
  assert.deepEqual(
    changed.changes.map(({ examples, ...c }) => ({ ...c, examples: examples.length })),
    [
      { from: 'allow', to: 'hold', rule: 'guardrail:hold-invoice-updates', count: 50, examples: 3 },
      { from: 'allow', to: 'deny', rule: 'guardrail:no-notes', count: 50, examples: 3 },
      { from: 'deny', to: 'allow', rule: 'guardrail:no-unbounded-write', count: 1, examples: 1 },
    ],
  )
  const notes = changed.changes[1]
  assert.equal(notes?.examples[0]?.text, 'SELECT note FROM billing.notes WHERE id = 1;')
  assert.match(notes?.examples[0]?.reason ?? '', /notes are private/)

  // A narrower ceiling refuses the grant itself: its statements go with it.
  const narrower: PolicyReplay = await replay(candidateYaml(gw, '', '["select:billing.*"]'))
  assert.equal(narrower.grants.length, 1)
  assert.equal(narrower.grants[0]?.from, 'granted')
  assert.equal(narrower.grants[0]?.to, 'deny')
  assert.deepEqual(
    narrower.changes.map((c) => [c.from, c.to, c.rule, c.count]),
    [['allow', 'deny', 'policy', 300]],
  )
}

test('policy replay counts what a candidate changes, by rule (embedded store)', async () => {
  await using gw = await seeded({})
  await checkReplay(gw)
})

test('policy replay counts what a candidate changes, by rule (postgres store)', async () => {
  await using storeDb = await createThrowawayDatabase('tg_store')
  await using gw = await seeded({ openStore: () => openPostgresStore({ url: storeDb.url }) })
  await checkReplay(gw)
})

test('taskgate policy replay: exit 4 with the changes by rule, exit 0 when nothing changes', async () => {
  await using gw = await seeded({})
  const dir = gw.storeDir
  // The same recordings served by a full gateway (API and CLI) on the same store directory.
  await gw.store.close()
  const full = await startGateway({
    config: parseConfigText(
      `store: { dir: ${JSON.stringify(dir)} }
api: { listen: { host: 127.0.0.1, port: 0 } }
${candidateYaml(gw, '')}`,
      'full.yaml',
    ),
    logger: pino({ level: 'silent' }),
  })
  try {
    const adminKey = full.createdKeys.get('admin')
    assert.ok(adminKey, 'the first start of the full gateway creates the admin key')
    const env = { TASKGATE_API: full.api.url, TASKGATE_TOKEN: adminKey }
    const same = join(dir, 'same.yaml')
    const stricter = join(dir, 'stricter.yaml')
    await writeFile(same, candidateYaml(gw, ''))
    await writeFile(stricter, candidateYaml(gw, GUARDRAILS))
    const none = await runTaskgate(['policy', 'replay', '--config', same, '--since', '1h'], { env })
    assert.equal(none.code, 0, none.stderr)
    assert.match(none.stdout, /^302 statements replayed since .*: 0 would change$/m)
    const some = await runTaskgate(['policy', 'replay', '--config', stricter], { env })
    assert.equal(some.code, 4, some.stderr)
    assert.match(some.stdout, /^allow -> deny {2}guardrail:no-notes {2}50$/m)
    assert.match(some.stdout, /^allow -> hold {2}guardrail:hold-invoice-updates {2}50$/m)
    assert.match(some.stdout, /^deny -> allow {2}guardrail:no-unbounded-write {2}1$/m)
    assert.match(some.stdout, /^ {2}\S+#\d+ agent-\S+: SELECT note FROM billing\.notes WHERE id = 1;$/m)
    await writeFile(stricter, 'resources: [')
    const broken = await runTaskgate(['policy', 'replay', '--config', stricter], { env })
    assert.equal(broken.code, 1)
    assert.match(broken.stderr, /TG_CONFIG_INVALID/)
  } finally {
    await full.close()
  }
})
