// A read-only grant (only read verbs) stays read-only upstream: every session starts with
// default_transaction_read_only=on whether or not an `admin` credential gives it an ephemeral role, and
// the client cannot switch it off (BEGIN READ WRITE, SET default_transaction_read_only = off, ...); a grant
// that may write is unaffected. Also: the ephemeral role is created VALID UNTIL the grant's expiry.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { roleNameFor } from '../../../src/protocols/postgres/provisioner.ts'
import { psql, psqlScript } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

const SETUP = `CREATE SCHEMA billing;
  CREATE TABLE billing.invoices (id serial PRIMARY KEY, amount int NOT NULL);
  INSERT INTO billing.invoices (amount) VALUES (1), (2);`

const VERBOSE = ['-v', 'VERBOSITY=verbose']

const countInvoices = async (gw: PostgresGateway) =>
  (await gw.db.query('SELECT count(*)::int AS n FROM billing.invoices')).rows[0].n as number

for (const admin of [false, true]) {
  describe(
    admin ? 'with an ephemeral role (admin configured)' : 'logged in as target.user (no admin)',
    () => {
      let gw: PostgresGateway
      before(async () => {
        gw = await startPostgresGateway({ admin, setupSql: SETUP })
      })
      after(() => gw[Symbol.asyncDispose]())

      test('the upstream session of a select-only grant reports default_transaction_read_only = on', async () => {
        const { credential } = await gw.grant('select:billing.*')
        const r = await psql(gw.env(credential), 'SHOW default_transaction_read_only')
        assert.equal(r.stderr, '')
        assert.equal(r.stdout.trim(), 'on')
      })

      test('BEGIN READ WRITE is denied under a select-only grant with 42501 naming transaction:read-write', async () => {
        const { credential } = await gw.grant('select:billing.*')
        const r = await psql(
          gw.env(credential),
          'BEGIN READ WRITE; SELECT count(*) FROM billing.invoices',
          VERBOSE,
        )
        assert.equal(r.code, 1)
        assert.match(r.stderr, /ERROR: {2}42501: /)
        assert.match(r.stderr, /DETAIL: {2}missing scope: transaction:read-write/)
        assert.match(
          r.stderr,
          /HINT: {2}taskgate grant request .* --scope "select:billing\.\*,transaction:read-write"/,
        )
        for (const sql of [
          'START TRANSACTION READ WRITE',
          'SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE',
          'BEGIN; SET TRANSACTION READ WRITE',
        ]) {
          const denied = await psql(gw.env(credential), sql, VERBOSE)
          assert.match(denied.stderr, /42501: .*\n.*DETAIL: {2}missing scope: transaction:read-write/, sql)
        }
      })

      test('SET default_transaction_read_only = off is denied, and the INSERT after it too', async () => {
        const { credential } = await gw.grant('select:billing.*')
        const r = await psqlScript(
          gw.env(credential),
          `SET default_transaction_read_only = off;
         INSERT INTO billing.invoices (amount) VALUES (99);
         SHOW default_transaction_read_only;`,
          VERBOSE,
        )
        assert.match(r.stderr, /42501: .*\n.*DETAIL: {2}missing scope: transaction:read-write/)
        assert.match(r.stderr, /42501: .*\n.*DETAIL: {2}missing scope: insert:billing\.invoices/)
        assert.equal(r.stdout.trim(), 'on')
        assert.equal(await countInvoices(gw), 2)
      })

      test('a grant that may write keeps READ WRITE transactions', async () => {
        const { credential } = await gw.grant('select:billing.*,insert:billing.invoices')
        const r = await psqlScript(
          gw.env(credential),
          `\\set ON_ERROR_STOP 1
         SHOW default_transaction_read_only;
         BEGIN READ WRITE;
         INSERT INTO billing.invoices (amount) VALUES (3);
         COMMIT;
         SET default_transaction_read_only = off;`,
        )
        assert.equal(r.stderr, '')
        assert.equal(r.code, 0)
        assert.equal(r.stdout.trim().split('\n')[0], 'off')
        assert.equal(await countInvoices(gw), 3)
        await gw.db.query('DELETE FROM billing.invoices WHERE amount = 3')
      })
    },
  )
}

describe('the ephemeral role', () => {
  let gw: PostgresGateway
  before(async () => {
    gw = await startPostgresGateway({ admin: true, setupSql: SETUP })
  })
  after(() => gw[Symbol.asyncDispose]())

  test('is created VALID UNTIL the grant expires', async () => {
    const { grant } = await gw.grant('select:billing.*', { ttl: '7m' })
    const admin = new pg.Client({
      host: gw.db.host,
      port: gw.db.port,
      user: gw.db.user,
      database: gw.db.name,
    })
    await admin.connect()
    try {
      const row = await admin.query<{ until: Date | null }>(
        'SELECT rolvaliduntil AS until FROM pg_catalog.pg_roles WHERE rolname = $1',
        [roleNameFor(grant.id)],
      )
      const until = row.rows[0]?.until
      assert.ok(until instanceof Date, `rolvaliduntil is ${until}`)
      const expected = grant.expiresAt ?? new Date(Date.now() + 7 * 60_000)
      assert.ok(
        Math.abs(until.getTime() - expected.getTime()) < 2_000,
        `${until.toISOString()} vs ${expected.toISOString()}`,
      )
      assert.ok(until.getTime() - Date.now() < 7 * 60_000 + 2_000)
    } finally {
      await admin.end()
    }
  })
})
