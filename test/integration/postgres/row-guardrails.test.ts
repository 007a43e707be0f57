// Guardrails with `rowsOver` through the real gateway and real psql: the planner's estimate (EXPLAIN on a
// separate connection) decides whether a statement is held, denied or allowed; an unknown estimate does
// what the rule's `whenUnknown` says; statements no such rule concerns never open that connection.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import type { IssuedCredential, Principal } from '../../../src/core/index.ts'
import { psql, psqlScript } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

const ROWS = 5000
const dba: Principal = { id: 'oidc:rowdba', kind: 'person', name: 'rowdba', groups: ['dbas'], via: 'oidc' }
const admin: Principal = {
  id: 'oidc:row-admin',
  kind: 'person',
  name: 'row-admin',
  groups: ['taskgate-admins'],
  via: 'oidc',
}

let gw: PostgresGateway
let credential: IssuedCredential
let grantId: string

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE TABLE public.big (id int PRIMARY KEY, v int);
      INSERT INTO public.big SELECT g, 0 FROM generate_series(1, ${ROWS}) g;
      ANALYZE public.big;`,
    extraConfig: `guardrails:
  - id: big-delete
    description: large deletes need a second pair of eyes
    action: approve
    match: { kinds: [DeleteStmt], rowsOver: 1000 }
    approvers: [dbas]
  - id: huge-delete
    description: deletes this large go through a migration
    action: deny
    match: { kinds: [DeleteStmt], rowsOver: 4500, whenUnknown: no-match }
  - id: blind-update
    description: updates whose size cannot be estimated are refused
    action: deny
    match: { kinds: [UpdateStmt], rowsOver: 1000, whenUnknown: match }`,
  })
  ;({
    credential,
    grant: { id: grantId },
  } = await gw.grant('*:*'))
})
after(() => gw[Symbol.asyncDispose]())

const count = async (): Promise<number> =>
  (await gw.db.query('SELECT count(*)::int AS n FROM public.big')).rows[0].n as number

async function pendingApproval(text: string): Promise<string> {
  for (let i = 0; i < 500; i++) {
    const pending = await gw.core.listApprovals(admin, { status: ['pending'], grantId })
    const found = pending.find((a) => a.summary.includes(text))
    if (found) return found.id
    await sleep(20)
  }
  assert.fail(`no pending approval for ${text}`)
}

describe('row-count guardrails', () => {
  test('a statement no rowsOver rule concerns opens no estimate connection', async () => {
    const activity = `SELECT count(*) FROM pg_stat_activity
      WHERE application_name = 'taskgate-estimate' AND datname = current_database();`
    const r = await psqlScript(
      gw.env(credential),
      `${activity}\nSELECT count(*) FROM big;\n${activity}\nDELETE FROM big WHERE id < 3;\n${activity}\n`,
    )
    assert.deepEqual(r.stdout.trim().split('\n'), ['0', String(ROWS), '0', 'DELETE 2', '1'], r.stderr)
    assert.equal(await count(), ROWS - 2)
  })

  test('a small DELETE runs at once', async () => {
    const r = await psql(gw.env(credential), 'DELETE FROM big WHERE id < 10')
    assert.equal(r.code, 0, r.stderr)
    assert.equal(await count(), ROWS - 9)
  })

  for (const sql of [
    'DELETE FROM big WHERE id < 4000; SELECT 1',
    'BEGIN; DELETE FROM big WHERE id < 4000; COMMIT',
  ])
    test(`several statements in one query string are estimated one by one: ${sql}`, async () => {
      const before = await count()
      const running = psql(gw.env(credential), sql)
      const id = await pendingApproval(sql)
      const approval = await gw.core.getApproval(admin, id)
      assert.equal(approval.rule, 'guardrail:big-delete')
      assert.match(approval.reason, /\(about 3,\d{3} rows estimated, over 1,000\)$/)
      await gw.core.decideApproval(dba, id, 'deny', 'not today')
      const r = await running
      assert.equal(r.code, 1)
      assert.match(r.stderr, /taskgate/)
      assert.equal(await count(), before)
    })

  test('extended protocol with parameters: each Bind is estimated with its values (PostgreSQL < 16 too)', async () => {
    const client = new pg.Client({ connectionString: gw.url(credential) })
    await client.connect()
    try {
      const before = await count()
      const sql = 'DELETE FROM big WHERE id >= $1'
      // Few rows for these values: runs at once.
      assert.equal((await client.query({ name: 'purge-from', text: sql, values: [100000] })).rowCount, 0)
      // The same statement with values that reach about 2,000 rows is held.
      const outcome = client.query({ name: 'purge-from', text: sql, values: [3000] }).then(
        (r) => r.rowCount,
        (e: unknown) => e as Error,
      )
      const id = await pendingApproval(sql)
      const approval = await gw.core.getApproval(admin, id)
      assert.equal(approval.rule, 'guardrail:big-delete')
      assert.match(approval.reason, /\(about [\d,]+ rows estimated, over 1,000\)$/)
      await gw.core.decideApproval(dba, id, 'deny', 'too many rows')
      const result = await outcome
      assert.ok(result instanceof Error && (result as pg.DatabaseError).code === '42501', String(result))
      // Over the deny threshold: denied at Bind, naming the estimate.
      const denied = await client
        .query('DELETE FROM big WHERE id > $1 AND v = $2', [0, 0])
        .catch((e: unknown) => e as pg.DatabaseError)
      assert.ok(denied instanceof Error, 'the large DELETE ran')
      assert.match(denied.message, /guardrail:huge-delete.*rows estimated, over 4,500/)
      // An UPDATE the blind-update rule would refuse as unknown is known now: one row or none.
      assert.equal((await client.query('UPDATE big SET v = $1 WHERE id = $2', [0, -1])).rowCount, 0)
      assert.equal(await count(), before)
    } finally {
      await client.end()
    }
  })

  test('a DELETE estimated over 1,000 rows waits for an approver, then runs', async () => {
    const sql = 'DELETE FROM big WHERE id < 4000'
    const running = psql(gw.env(credential), sql)
    const id = await pendingApproval(sql)
    const approval = await gw.core.getApproval(admin, id)
    assert.equal(approval.rule, 'guardrail:big-delete')
    assert.match(approval.reason, /\(about 3,\d{3} rows estimated, over 1,000\)$/)
    await gw.core.decideApproval(dba, id, 'approve', 'the estimate is fine')
    const r = await running
    assert.equal(r.code, 0, r.stderr)
    assert.match(r.stderr, /waiting for approval .*rule guardrail:big-delete.*rows estimated, over 1,000/)
    assert.equal(await count(), ROWS - 3999)
  })

  test('a DELETE estimated over the deny threshold is denied, naming the rule and the estimate', async () => {
    const before = await count()
    const r = await psql(gw.env(credential), 'DELETE FROM big WHERE id > 0 AND v = 0')
    assert.equal(r.code, 1)
    assert.match(
      r.stderr,
      /ERROR: {2}taskgate denied .*rule guardrail:huge-delete.*\(about [\d,]+ rows estimated, over 4,500\)/,
    )
    assert.equal(await count(), before)
  })

  test('an unknown estimate: an approve rule (and a deny rule saying no-match) does not apply', async () => {
    // A temporary table is invisible to the estimate connection, so EXPLAIN fails there.
    const r = await psqlScript(
      gw.env(credential),
      `CREATE TEMP TABLE scratch AS SELECT g AS id FROM generate_series(1, 3000) g;
ANALYZE scratch;
DELETE FROM scratch WHERE id > 0;
`,
    )
    assert.equal(r.stderr, '')
    assert.match(r.stdout, /DELETE 3000/)
  })

  test('an unknown estimate: whenUnknown: match denies, and says the estimate is unknown', async () => {
    const r = await psqlScript(
      gw.env(credential),
      `CREATE TEMP TABLE scratch AS SELECT g AS id FROM generate_series(1, 10) g;
UPDATE scratch SET id = id + 1 WHERE id < 5;
`,
    )
    assert.match(r.stderr, /ERROR: {2}taskgate denied .*rule guardrail:blind-update.*\(row count unknown/)
    // Known estimates under the threshold pass the same rule.
    const small = await psql(gw.env(credential), 'UPDATE big SET v = 1 WHERE id = 4500')
    assert.equal(small.code, 0, small.stderr)
  })

  test('extended protocol: a prepared DELETE is held at Bind with its estimate', async () => {
    const client = new pg.Client({ connectionString: gw.url(credential) })
    await client.connect()
    try {
      const sql = 'DELETE FROM big WHERE id >= 3000'
      const outcome = client.query({ name: 'purge', text: sql, values: [] }).then(
        (r) => r.rowCount,
        (e: unknown) => e as Error,
      )
      const id = await pendingApproval(sql)
      assert.equal((await gw.core.getApproval(admin, id)).rule, 'guardrail:big-delete')
      await gw.core.decideApproval(dba, id, 'deny', 'too many rows')
      const result = await outcome
      assert.ok(result instanceof Error && (result as pg.DatabaseError).code === '42501', String(result))
      assert.equal(
        (await client.query('SELECT count(*)::int AS n FROM big WHERE id >= 4000')).rows[0].n,
        1001,
      )
    } finally {
      await client.end()
    }
  })

  test('an EXPLAIN that cannot finish in 2 s counts as unknown: the statement is not held', async () => {
    // An exclusive lock makes EXPLAIN wait (planning locks the table); the estimate then times out.
    const locker = new pg.Client({ connectionString: gw.db.url })
    await locker.connect()
    try {
      await locker.query('BEGIN; LOCK TABLE public.big IN ACCESS EXCLUSIVE MODE')
      const sql = 'DELETE FROM big WHERE id >= 3000 AND v = 0'
      const running = psql(gw.env(credential), sql)
      // The statement reaches the target (where it waits for the lock too) instead of an approver.
      let waiting = false
      for (let i = 0; i < 500 && !waiting; i++) {
        const r = await gw.db.query(
          `SELECT 1 FROM pg_stat_activity WHERE query = $1 AND application_name = 'psql' AND wait_event_type = 'Lock'`,
          [sql],
        )
        waiting = r.rowCount === 1
        if (!waiting) await sleep(20)
      }
      assert.ok(waiting, 'the DELETE never reached the target')
      assert.deepEqual(await gw.core.listApprovals(admin, { status: ['pending'], grantId }), [])
      await locker.query('COMMIT')
      const r = await running
      assert.equal(r.code, 0, r.stderr)
      assert.match(r.stdout, /DELETE 1000/)
    } finally {
      await locker.end()
    }
  })
})
