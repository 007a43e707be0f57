// Scope denials end to end through psql under a narrow grant (`select:billing.*`): each way of reaching
// outside it gets SQLSTATE 42501, a DETAIL naming the missing scope entry and a HINT with the
// `taskgate grant request` command that would allow it, and changes nothing upstream. SET ROLE is the
// exception: a guardrail no grant lifts refuses it first.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { psql } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE SCHEMA billing;
      CREATE TABLE billing.invoices (id serial PRIMARY KEY, amount int NOT NULL);
      INSERT INTO billing.invoices (amount) SELECT g FROM generate_series(1, 5) g;
      CREATE SCHEMA hr;
      CREATE TABLE hr.salaries (id int PRIMARY KEY, amount int);
      CREATE SEQUENCE hr.salary_ids;`,
  })
})
after(() => gw[Symbol.asyncDispose]())

/** Runs `sql` under a fresh `select:billing.*` grant and asserts the denial names `missing`. */
async function expectDenied(sql: string, missing: string): Promise<void> {
  const { credential } = await gw.grant('select:billing.*')
  const r = await psql(gw.env(credential), sql, ['-v', 'VERBOSITY=verbose'])
  assert.equal(r.code, 1, `${sql}: ${r.stderr}`)
  assert.equal(r.stdout, '', sql)
  assert.match(
    r.stderr,
    /ERROR: {2}42501: taskgate denied this statement \(rule scope\): grant \S+ does not allow /,
    sql,
  )
  const escaped = missing.replace(/[.*]/g, '\\$&')
  assert.match(r.stderr, new RegExp(`DETAIL: {2}missing scope: ${escaped}\\n`), sql)
  assert.match(
    r.stderr,
    new RegExp(
      `HINT: {2}taskgate grant request ${gw.resource.id} --scope "select:billing\\.\\*,${escaped}" --task `,
    ),
    sql,
  )
}

const upstreamState = async () =>
  (
    await gw.db.query(
      `SELECT (SELECT sum(amount)::int FROM billing.invoices) AS total,
              (SELECT last_value::int FROM hr.salary_ids) AS seq, (SELECT is_called FROM hr.salary_ids) AS called`,
    )
  ).rows[0]

test('a table in another schema', async () => {
  await expectDenied('SELECT * FROM hr.salaries', 'select:hr.salaries')
})

test('a DELETE hidden in a CTE', async () => {
  await expectDenied(
    'WITH gone AS (DELETE FROM billing.invoices WHERE id = 1 RETURNING *) SELECT count(*) FROM gone',
    'delete:billing.invoices',
  )
  assert.equal((await upstreamState()).total, 15)
})

test('a multi-statement string with one forbidden part: none of it runs', async () => {
  await expectDenied(
    'SELECT count(*) FROM billing.invoices; UPDATE billing.invoices SET amount = 0 WHERE id = 2; SELECT 1',
    'update:billing.invoices',
  )
  assert.equal((await upstreamState()).total, 15)
})

test('functions that write: nextval and setval on a sequence', async () => {
  await expectDenied("SELECT nextval('hr.salary_ids')", 'execute:pg_catalog.nextval')
  await expectDenied("SELECT setval('hr.salary_ids', 42)", 'execute:pg_catalog.setval')
  const state = await upstreamState()
  assert.equal(state.seq, 1)
  assert.equal(state.called, false)
})

// No grant can allow SET ROLE: the no-role-change guardrail answers before the scope check, so the HINT
// sends the agent to an administrator rather than to `taskgate grant request`.
test('SET ROLE is refused by the no-role-change guardrail whatever the grant', async () => {
  for (const scope of ['select:billing.*', 'select:billing.*,set:role']) {
    const { credential } = await gw.grant(scope)
    const r = await psql(gw.env(credential), 'SET ROLE postgres; SELECT current_user', [
      '-v',
      'VERBOSITY=verbose',
    ])
    assert.equal(r.code, 1, scope)
    assert.equal(r.stdout, '', scope)
    assert.match(
      r.stderr,
      /ERROR: {2}42501: taskgate denied this statement \(rule guardrail:no-role-change\)/,
      scope,
    )
    assert.match(r.stderr, /HINT: {2}This guardrail applies whatever the grant; ask an administrator/, scope)
  }
})
