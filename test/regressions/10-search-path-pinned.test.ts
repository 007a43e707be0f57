// Issue 10, item 7: the classifier reads an unqualified name as `public.x`, but the upstream session's
// search_path was whatever the database said: after `ALTER DATABASE … SET search_path = public, secret`,
// `SELECT * FROM creds` under `select:public.*` returned secret.creds. Every upstream session now starts with
// search_path pinned to `public` (a startup parameter: it outranks database and role defaults, and it is what
// RESET, SET … TO DEFAULT and DISCARD ALL go back to), and moving the path needs `set:search_path`.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { psql } from '../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

// The secret table is readable by every role, so an ephemeral role (admin:) would read it too if the path
// reached it: only the pin keeps the session in `public`.
const SETUP = `CREATE SCHEMA secret;
  CREATE TABLE secret.creds (id int, password text); INSERT INTO secret.creds VALUES (1, 'hunter2');
  GRANT USAGE ON SCHEMA secret TO PUBLIC; GRANT SELECT ON secret.creds TO PUBLIC;
  CREATE TABLE public.notes (id int); INSERT INTO public.notes VALUES (1);`

const run = (client: pg.Client, sql: string) =>
  client.query(sql).then(
    (r) => r,
    (e: pg.DatabaseError) => e,
  )

for (const setting of ['database', 'role'] as const) {
  for (const admin of [false, true]) {
    describe(`ALTER ${setting.toUpperCase()} … SET search_path, ${admin ? 'with' : 'without'} an ephemeral role`, () => {
      let gw: PostgresGateway
      before(async () => {
        gw = await startPostgresGateway({ admin, setupSql: SETUP })
        // Scoped to the throwaway database, which takes these settings with it when it is dropped.
        await gw.db.query(
          setting === 'database'
            ? `ALTER DATABASE ${gw.db.name} SET search_path = public, secret`
            : `ALTER ROLE ALL IN DATABASE ${gw.db.name} SET search_path = secret, public`,
        )
      })
      after(() => gw[Symbol.asyncDispose]())

      test('unqualified names resolve in public only, also after RESET, DEFAULT and DISCARD ALL', async () => {
        const { credential } = await gw.grant('select:public.*')
        const client = new pg.Client({ connectionString: gw.url(credential) })
        await client.connect()
        try {
          for (const reset of [
            '',
            'RESET search_path',
            'SET search_path TO DEFAULT',
            'DISCARD ALL',
            'SET search_path = public',
          ]) {
            if (reset) await client.query(reset)
            assert.equal((await client.query('SHOW search_path')).rows[0].search_path, 'public', reset)
            const creds = await run(client, 'SELECT * FROM creds')
            assert.ok(
              creds instanceof Error,
              `${reset || 'at start'}: read ${JSON.stringify((creds as pg.QueryResult).rows)}`,
            )
            assert.equal((creds as pg.DatabaseError).code, '42P01', reset)
            assert.equal((await client.query('SELECT count(*)::int AS n FROM notes')).rows[0].n, 1)
          }
        } finally {
          await client.end()
        }
      })

      test('moving the search path is denied unless the grant covers set:search_path', async () => {
        const { credential } = await gw.grant('select:public.*')
        const client = new pg.Client({ connectionString: gw.url(credential) })
        await client.connect()
        try {
          for (const sql of [
            'SET search_path = secret',
            'SET search_path = public, secret',
            "SET SCHEMA 'secret'",
            'SET LOCAL search_path = secret',
            "SELECT set_config('search_path', 'secret', false)",
          ]) {
            const error = await run(client, sql)
            assert.ok(error instanceof Error, sql)
            assert.equal((error as pg.DatabaseError).code, '42501', sql)
          }
          assert.equal((await client.query('SHOW search_path')).rows[0].search_path, 'public')
        } finally {
          await client.end()
        }
        // At login too (PGOPTIONS), decided like the SET it amounts to.
        const r = await psql(gw.env(credential, { PGOPTIONS: '-c search_path=secret' }), 'SELECT 1')
        assert.notEqual(r.code, 0)
        assert.match(r.stderr, /refuses startup parameter "search_path"/)
      })
    })
  }
}
