// psql through the gateway: `-c`, a script on stdin, denials with 42501 + DETAIL + HINT, the session
// still usable after a denial, and a denial inside a transaction block aborting it as PostgreSQL would.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { psql, psqlScript } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE SCHEMA billing;
      CREATE TABLE billing.invoices (id serial PRIMARY KEY, amount int NOT NULL);
      INSERT INTO billing.invoices (amount) SELECT g FROM generate_series(1, 5) g;
      CREATE TABLE billing.customers (id int PRIMARY KEY, name text);`,
  })
})
after(() => gw[Symbol.asyncDispose]())

test('psql -c runs an allowed query and returns rows', async () => {
  const { credential } = await gw.grant('select:billing.*')
  const r = await psql(gw.env(credential), 'SELECT count(*), sum(amount) FROM billing.invoices')
  assert.equal(r.stderr, '')
  assert.equal(r.stdout.trim(), '5|15')
  assert.equal(r.code, 0)
})

test('a statement outside the scope gets 42501 with DETAIL and HINT naming the missing scope', async () => {
  const { credential } = await gw.grant('select:billing.*')
  const r = await psql(gw.env(credential), 'DELETE FROM billing.invoices WHERE id = 1', [
    '-v',
    'VERBOSITY=verbose',
  ])
  assert.equal(r.code, 1)
  assert.match(r.stderr, /ERROR: {2}42501: .*rule scope/)
  assert.match(r.stderr, /DETAIL: {2}missing scope: delete:billing\.invoices/)
  assert.match(
    r.stderr,
    /HINT: {2}taskgate grant request .* --scope "[^"]*select:billing[^"]*,delete:billing\.invoices"/,
  )
  const rows = await gw.db.query('SELECT count(*)::int AS n FROM billing.invoices')
  assert.equal(rows.rows[0].n, 5)
})

test('after a denial the session is still usable; inside a transaction the block is aborted', async () => {
  const { credential } = await gw.grant('select:billing.*')
  const script = [
    'DELETE FROM billing.invoices;',
    "SELECT 'after-denial', count(*) FROM billing.invoices;",
    'BEGIN;',
    'SELECT 1;',
    'DELETE FROM billing.invoices;',
    'SELECT 2;',
    'ROLLBACK;',
    "SELECT 'after-rollback';",
  ].join('\n')
  const r = await psqlScript(gw.env(credential), script)
  assert.match(r.stdout, /after-denial\|5/)
  assert.match(r.stdout, /after-rollback/)
  assert.doesNotMatch(r.stdout, /^2$/m)
  assert.match(r.stderr, /current transaction is aborted/)
  assert.equal((r.stderr.match(/42501|taskgate denied/g) ?? []).length >= 2, true)
})

test('a wrong password gets FATAL 28P01 and the same message for an unknown user', async () => {
  const { credential } = await gw.grant('select:billing.*')
  const wrong = await psql({ ...gw.env(credential), PGPASSWORD: 'wrong' }, 'SELECT 1')
  assert.notEqual(wrong.code, 0)
  assert.match(wrong.stderr, /password authentication failed for user "/)
  const unknown = await psql({ ...gw.env(credential), PGUSER: 'nobody', PGPASSWORD: 'wrong' }, 'SELECT 1')
  assert.match(unknown.stderr, /password authentication failed for user "nobody"/)
})

test('TLS with sslmode=require works with the generated certificate', async () => {
  const { credential } = await gw.grant('select:billing.*')
  const r = await psql(gw.env(credential, { PGSSLMODE: 'require' }), 'SELECT 42')
  assert.equal(r.stdout.trim(), '42', r.stderr)
  const info = await psql(gw.env(credential, { PGSSLMODE: 'require' }), '\\conninfo')
  assert.match(info.stdout, /SSL connection/)
})

test('the statements are recorded with kind, outcome, row count and duration', async () => {
  const { credential } = await gw.grant('select:billing.*')
  await psql(gw.env(credential), 'SELECT id FROM billing.invoices')
  await psql(gw.env(credential), 'TRUNCATE billing.invoices')
  const sessions = await gw.core.listSessions(gw.agent, {})
  const mine = []
  for (const s of sessions.filter((s) => s.grantId === credential.grantId)) {
    mine.push(...(await gw.core.getSession(gw.agent, s.id)).actions)
  }
  const select = mine.find((a) => a.text === 'SELECT id FROM billing.invoices')
  assert.equal(select?.outcome, 'allow')
  assert.equal(select?.rowCount, 5)
  assert.equal(typeof select?.durationMs, 'number')
  const truncate = mine.find((a) => a.text === 'TRUNCATE billing.invoices')
  assert.equal(truncate?.outcome, 'deny')
  assert.equal(truncate?.rule, 'guardrail:no-destructive-ddl')
})
