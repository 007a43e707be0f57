// Policy replay and grant plans on MySQL (issue 16), through a real gateway with mysql2 against the real
// MariaDB: a plan is split and classified by the MySQL engine's own classifier (unqualified names in the
// resource's database) into the least scope; a statement of another shape is flagged off the plan, one that
// differs only in its literals is not; a candidate guardrail replayed over the recorded statements changes
// exactly the reads of the table it names.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { configSchema } from '../../../src/config/schema.ts'
import { formatScope } from '../../../src/core/grants/scope.ts'
import { type MysqlGateway, startMysqlGateway } from '../../support/start-mysql-gateway.ts'

let gw: MysqlGateway

before(async () => {
  gw = await startMysqlGateway()
})
after(() => gw[Symbol.asyncDispose]())

test('a MySQL plan gives the least scope, flags statements of another shape, and replays', async () => {
  const core = gw.gateway.core
  const db = gw.database
  const result = await core.requestGrant(gw.agent, {
    resourceId: gw.resourceId,
    plan: "SELECT name FROM customers WHERE id = 1;\nUPDATE customers SET name = 'Ada L.' WHERE id = 1;",
    task: 'fix a customer name',
    ttl: '10m',
  })
  assert.ok(result.credential, result.grant.decisionReason)
  assert.equal(formatScope(result.grant.scope), `select:${db}.customers,update:${db}.customers`)
  assert.deepEqual(result.grant.plan?.statements, [
    {
      text: 'SELECT name FROM customers WHERE id = 1',
      shape: 'SELECT name FROM customers WHERE id = \u0001n',
    },
    {
      text: "UPDATE customers SET name = 'Ada L.' WHERE id = 1",
      shape: 'UPDATE customers SET name = \u0001s WHERE id = \u0001n',
    },
  ])

  const conn = await gw.connect(result.credential)
  try {
    await conn.query('SELECT name FROM customers WHERE id = 2')
    await conn.query("UPDATE customers SET name = 'Grace H.' WHERE id = 2")
    await conn.query('SELECT email FROM customers')
  } finally {
    await conn.end()
  }
  const off = await core.offPlanStatements(gw.agent, result.grant.id)
  assert.equal(off?.count, 1)
  assert.deepEqual(
    off?.statements.map((s) => [s.text, s.outcome]),
    [['SELECT email FROM customers', 'allow']],
  )

  const guardrails = configSchema.shape.guardrails.parse([
    {
      id: 'no-customer-reads',
      description: 'customers are read through the API only',
      action: 'deny',
      match: { needs: [`select:${db}.customers`] },
    },
  ])
  const replay = await core.replayPolicy(gw.admin, {
    candidate: { ...core.config, guardrails },
    since: new Date(Date.now() - 3_600_000),
  })
  const mine = replay.changes.map((c) => ({
    ...c,
    examples: c.examples.filter((e) => e.grantId === result.grant.id).map((e) => e.text),
  }))
  // The UPDATE reads the table too (its WHERE): MySQL's classifier says select as well as update.
  assert.deepEqual(
    mine.map((c) => [c.from, c.to, c.rule, c.examples]),
    [
      [
        'allow',
        'deny',
        'guardrail:no-customer-reads',
        [
          'SELECT name FROM customers WHERE id = 2',
          "UPDATE customers SET name = 'Grace H.' WHERE id = 2",
          'SELECT email FROM customers',
        ],
      ],
    ],
  )
})

test('a plan that does not classify is refused whole, naming the statement', async () => {
  await assert.rejects(
    gw.gateway.core.requestGrant(gw.agent, {
      resourceId: gw.resourceId,
      plan: "SELECT 1; LOAD DATA INFILE '/etc/passwd' INTO TABLE customers",
      task: 'load a file',
    }),
    /cannot be classified/,
  )
})
