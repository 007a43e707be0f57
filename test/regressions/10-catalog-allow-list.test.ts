// Issue 10, item 2: the implicit PostgreSQL scope was `select:pg_catalog.*` and `execute:pg_catalog.*` minus a
// few functions, so a select-only grant on one schema read password hashes (pg_authid), other sessions' SQL
// (pg_stat_activity), column values of any schema, masked ones included (pg_stats), the server's files and
// settings, and ran pg_stat_reset, advisory locks and pg_sleep. The implicit scope is now an allow-list of what
// clients need (implicit-catalog.ts): psql's \d family and drivers' type lookups still work, the rest needs an
// explicit scope. The same with an ephemeral role per grant (`admin:`) and without.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { psql } from '../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

const SETUP = `CREATE SCHEMA app; CREATE SCHEMA secret;
  CREATE TABLE app.orders (id int PRIMARY KEY, customer text NOT NULL, total numeric(10,2));
  CREATE INDEX orders_customer ON app.orders (customer);
  CREATE FUNCTION app.order_total(o int) RETURNS numeric LANGUAGE sql AS 'SELECT total FROM app.orders WHERE id = o';
  INSERT INTO app.orders SELECT g, 'c' || g, g FROM generate_series(1, 50) g;
  CREATE TABLE secret.creds (id int, password text);
  INSERT INTO secret.creds SELECT g, 'hunter' || g FROM generate_series(1, 50) g;
  ANALYZE app.orders; ANALYZE secret.creds;`

const DENIED = [
  'SELECT rolname, rolpassword FROM pg_catalog.pg_authid',
  'SELECT usename, passwd FROM pg_catalog.pg_shadow',
  'SELECT pid, query FROM pg_catalog.pg_stat_activity',
  "SELECT histogram_bounds::text FROM pg_catalog.pg_stats WHERE tablename = 'creds'",
  'SELECT * FROM pg_catalog.pg_statistic',
  'SELECT * FROM pg_catalog.pg_stats_ext',
  'SELECT * FROM pg_catalog.pg_hba_file_rules',
  'SELECT * FROM pg_catalog.pg_file_settings',
  "SELECT setting FROM pg_catalog.pg_settings WHERE name = 'data_directory'",
  'SELECT * FROM pg_catalog.pg_user_mappings',
  'SELECT * FROM pg_catalog.pg_subscription',
  'SELECT * FROM pg_catalog.pg_locks',
  'SELECT * FROM information_schema.user_mapping_options',
  'SELECT pg_catalog.pg_stat_reset()',
  "SELECT pg_stat_reset_shared('bgwriter')",
  'SELECT pg_stat_get_backend_activity(1)',
  'SELECT pg_advisory_lock(42)',
  'SELECT pg_try_advisory_xact_lock(42)',
  'SELECT pg_sleep(0)',
  "SELECT pg_read_file('postgresql.conf')",
  "SELECT * FROM pg_ls_dir('.')",
  'SELECT * FROM pg_show_all_settings()',
  'SELECT pg_sequence_last_value(1)',
  'SELECT lo_get(1)',
  'SHOW data_directory',
  'SHOW hba_file',
  'SHOW ALL',
  "SELECT current_setting('data_directory')",
  "SELECT pg_catalog.current_setting('log_directory', true)",
  'SELECT current_setting(name) FROM (VALUES (1)) v(name)',
]

// Denied by the no-dynamic-sql guardrail anyway; switched off below, the scope must still not imply them.
const READ_TABLES_BY_NAME = [
  "SELECT table_to_xml('secret.creds', true, false, '')",
  "SELECT schema_to_xml('secret', true, false, '')",
  "SELECT query_to_xml('SELECT * FROM secret.creds', true, false, '')",
  "SELECT * FROM ts_stat('SELECT to_tsvector(password) FROM secret.creds')",
]

for (const admin of [false, true]) {
  describe(`a select-only grant on one schema, ${admin ? 'with' : 'without'} an ephemeral role`, () => {
    let gw: PostgresGateway
    let env: NodeJS.ProcessEnv
    let url: string
    before(async () => {
      gw = await startPostgresGateway({ admin, setupSql: SETUP })
      const { credential } = await gw.grant('select:app.*,execute:app.*')
      env = gw.env(credential)
      url = gw.url(credential)
    })
    after(() => gw[Symbol.asyncDispose]())

    test('statistics, settings, activity, files and password hashes are denied with 42501', async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        for (const sql of DENIED) {
          const error = await client.query(sql).then(
            () => undefined,
            (e: pg.DatabaseError) => e,
          )
          assert.equal(error?.code, '42501', `${sql}: ${error?.message ?? 'ran'}`)
          assert.match(error.message, /taskgate/, sql)
        }
      } finally {
        await client.end()
      }
    })

    test('unqualified catalog relations read as PostgreSQL reads them; nothing may be created under their names', async () => {
      // Session 11: `pg_tables` without `pg_catalog.` (what agents write first) was denied as public.pg_tables.
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        const tables = await client.query("SELECT tablename FROM pg_tables WHERE schemaname = 'app'")
        assert.deepEqual(
          tables.rows.map((r) => r.tablename),
          ['orders'],
        )
        for (const sql of [
          'SELECT viewname FROM pg_views',
          'SELECT usename FROM pg_user',
          'SELECT relname FROM pg_class',
        ])
          await client.query(sql)
        // A temporary object is searched before pg_catalog: one under a catalog name would be read as the catalog.
        const refused = await client.query('CREATE TEMP VIEW pg_tables AS SELECT * FROM secret.creds').then(
          () => undefined,
          (e: pg.DatabaseError) => e,
        )
        assert.equal(refused?.code, '42501', refused?.message ?? 'ran')
        assert.match(refused.message, /may not be named pg_tables/)
      } finally {
        await client.end()
      }
    })

    test('psql \\d, \\dt, \\df, \\di, \\dn, \\du and \\l work on the granted schema', async () => {
      for (const command of [
        '\\d app.orders',
        '\\dt app.*',
        '\\df app.*',
        '\\di app.*',
        '\\dn',
        '\\du',
        '\\l',
        '\\d+ app.orders',
        '\\dt+ app.*',
      ]) {
        const r = await psql(env, command)
        assert.equal(r.stderr, '', command)
        assert.equal(r.code, 0, command)
      }
      const d = await psql(env, '\\d app.orders')
      assert.match(d.stdout, /customer\|text/)
      assert.match((await psql(env, '\\df app.*')).stdout, /order_total/)
      assert.match((await psql(env, '\\di app.*')).stdout, /orders_customer/)
      assert.match((await psql(env, '\\dt app.*')).stdout, /app\|orders\|table/)
    })

    test('drivers load types and read harmless settings; ORMs introspect the schema', async () => {
      const client = new pg.Client({ connectionString: url })
      await client.connect()
      try {
        // The shape of a driver's type lookup (extended protocol, a parameter), as pg-types users and Npgsql run.
        const types = await client.query(
          `SELECT t.oid, t.typname, t.typarray, t.typtype, n.nspname FROM pg_catalog.pg_type t
             JOIN pg_catalog.pg_namespace n ON n.oid = t.typnamespace WHERE t.typname = ANY($1::text[])`,
          [['numeric', 'text', 'int4']],
        )
        assert.equal(types.rowCount, 3)
        const columns = await client.query(
          `SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod) AS type,
                  pg_catalog.pg_get_expr(d.adbin, d.adrelid) AS default, a.attnotnull
             FROM pg_catalog.pg_attribute a
             LEFT JOIN pg_catalog.pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
            WHERE a.attrelid = 'app.orders'::regclass AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`,
        )
        assert.deepEqual(
          columns.rows.map((r) => r.attname),
          ['id', 'customer', 'total'],
        )
        const info = await client.query(
          `SELECT column_name, data_type FROM information_schema.columns
            WHERE table_schema = 'app' AND table_name = 'orders' ORDER BY ordinal_position`,
        )
        assert.equal(info.rowCount, 3)
        const settings = await client.query(
          `SELECT version() AS v, current_setting('server_version_num') AS n, current_schema() AS s,
                  pg_catalog.current_setting('standard_conforming_strings') AS scs`,
        )
        assert.match(settings.rows[0].v, /PostgreSQL/)
        assert.equal(settings.rows[0].scs, 'on')
        for (const show of [
          'SHOW search_path',
          'SHOW TRANSACTION ISOLATION LEVEL',
          'SHOW TIME ZONE',
          'SHOW server_version',
        ])
          await client.query(show)
        assert.equal((await client.query('SELECT count(*)::int AS n FROM app.orders')).rows[0].n, 50)
      } finally {
        await client.end()
      }
    })
  })
}

test('functions reading tables by name are not implied, even with the dynamic-SQL guardrail off', async () => {
  await using gw = await startPostgresGateway({
    setupSql: SETUP,
    extraConfig: `guardrails:
  - id: no-dynamic-sql
    description: switched off for this test
    action: off`,
  })
  const { credential } = await gw.grant('select:app.*')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  try {
    for (const sql of READ_TABLES_BY_NAME) {
      const error = await client.query(sql).then(
        () => undefined,
        (e: pg.DatabaseError) => e,
      )
      assert.equal(error?.code, '42501', `${sql}: ${error?.message ?? 'ran'}`)
      assert.match(error.message, /rule scope/, sql)
    }
  } finally {
    await client.end()
  }
})

test('an explicit scope on a catalog view allows it', async () => {
  await using gw = await startPostgresGateway({ setupSql: SETUP })
  const { credential } = await gw.grant('select:app.*,select:pg_catalog.pg_stat_activity,show:data_directory')
  const r = await psql(gw.env(credential), 'SELECT count(*) > 0 FROM pg_catalog.pg_stat_activity')
  assert.equal(r.stderr, '')
  assert.equal(r.stdout.trim(), 't')
  assert.equal((await psql(gw.env(credential), 'SHOW data_directory')).code, 0)
})
