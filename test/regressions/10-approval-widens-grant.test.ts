// Issue 10, item 6: an `approve` guardrail ran before the scope check and returned, so a statement that read a
// table outside the grant, sent together with a held DELETE, went to an approver and then ran, returning rows
// the grant never covered. Scope comes first: such a statement is denied as out of scope and nobody is asked.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE SCHEMA ops; CREATE SCHEMA secret;
      CREATE TABLE ops.jobs (id int PRIMARY KEY); INSERT INTO ops.jobs VALUES (1), (2);
      CREATE TABLE secret.creds (id int, password text); INSERT INTO secret.creds VALUES (1, 'hunter2');`,
    extraConfig: `guardrails:
  - id: hold-deletes
    description: deletes need a second pair of eyes
    action: approve
    match: { kinds: [DeleteStmt] }
    approvers: [dbas]`,
  })
})
after(() => gw[Symbol.asyncDispose]())

test('a held DELETE that also reads an out-of-scope table is denied for scope, never held', async () => {
  const { credential } = await gw.grant('select:ops.*,delete:ops.*')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  // On the old code the statement waits for an approver: the waiting notice ends the test instead of a hang.
  const held = new Promise<string>((resolve) => client.on('notice', (n) => resolve(n.message ?? '')))
  await client.connect()
  try {
    const outcome = await Promise.race([
      client.query('SELECT * FROM secret.creds; DELETE FROM ops.jobs WHERE id = 1').then(
        () => 'ran',
        (e: pg.DatabaseError) => e,
      ),
      held.then((notice) => `held: ${notice}`),
    ])
    assert.ok(outcome instanceof Error, `expected a denial, got ${String(outcome)}`)
    const error = outcome as pg.DatabaseError
    assert.equal(error.code, '42501')
    assert.match(error.message, /does not allow select:secret\.creds/)
    assert.equal((await gw.db.query('SELECT count(*)::int AS n FROM ops.jobs')).rows[0].n, 2)
  } finally {
    await client.end()
  }
})
