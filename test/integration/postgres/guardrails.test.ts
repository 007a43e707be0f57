// Every built-in guardrail through the real gateway, with the grant as wide as it gets (`*:*`), so only a
// guardrail stands between the client and the statement: psql (simple protocol, `-c` and scripts) and
// node-postgres (extended protocol, with parameter values) get 42501 naming the rule, and each denial is
// recorded in the session and in the audit log. Each statement then comes in the disguises clients use
// (case, comments, whitespace, quoting, dollar quotes, schemas, several statements, CTEs, PREPARE,
// transactions, tautological WHERE, EXPLAIN ANALYZE): none of them gets past.
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import type { ActionRecord, IssuedCredential, Principal } from '../../../src/core/index.ts'
import { psql, run } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

type Via = 'psql' | 'script' | 'extended'

interface Case {
  rule: string
  family: string
  sql: string
  via?: Via
  /** Extended protocol: the Bind parameter values. */
  values?: unknown[]
  /** The statement the denial is recorded for, when it is not `sql` itself (scripts). */
  denied?: string
}

const CASES: Case[] = [
  // no-program-execution
  { rule: 'no-program-execution', family: 'plain', sql: "COPY t TO PROGRAM 'cat > /dev/null'" },
  { rule: 'no-program-execution', family: 'case', sql: "CoPy t To PrOgRaM 'cat > /dev/null'" },
  { rule: 'no-program-execution', family: 'dollar-quoting', sql: 'COPY t TO PROGRAM $$cat > /dev/null$$' },
  {
    rule: 'no-program-execution',
    family: 'comments',
    sql: "COPY t TO /* a /* nested */ one */ PROGRAM -- a line comment\n 'cat > /dev/null'",
  },
  {
    rule: 'no-program-execution',
    family: 'transaction',
    sql: "BEGIN; COPY (SELECT 1) TO PROGRAM 'cat > /dev/null'; COMMIT;",
  },
  // no-server-files
  { rule: 'no-server-files', family: 'plain', sql: "SELECT pg_read_file('/etc/hostname')" },
  { rule: 'no-server-files', family: 'plain', sql: "COPY t FROM '/etc/hostname'" },
  { rule: 'no-server-files', family: 'quoted identifiers', sql: `SELECT "pg_read_file"('/etc/hostname')` },
  {
    rule: 'no-server-files',
    family: 'schema qualification',
    sql: "SELECT pg_catalog.pg_read_file('/etc/hostname')",
  },
  {
    rule: 'no-server-files',
    family: 'CTE',
    sql: "WITH x AS (SELECT pg_read_file('/etc/hostname') AS f) SELECT * FROM x",
  },
  {
    rule: 'no-server-files',
    family: 'EXPLAIN ANALYZE',
    sql: "EXPLAIN ANALYZE SELECT pg_read_file('/etc/hostname')",
  },
  {
    rule: 'no-server-files',
    family: 'extended protocol',
    sql: 'SELECT pg_read_file($1)',
    via: 'extended',
    values: ['/etc/hostname'],
  },
  // no-role-change
  { rule: 'no-role-change', family: 'plain', sql: 'SET ROLE postgres' },
  { rule: 'no-role-change', family: 'plain', sql: 'CREATE ROLE tg_guardrail_evil' },
  { rule: 'no-role-change', family: 'whitespace', sql: 'SET\n\t ROLE\r\n   postgres' },
  { rule: 'no-role-change', family: 'quoted identifiers', sql: 'SET ROLE "postgres"' },
  {
    rule: 'no-role-change',
    family: 'multi-statement',
    sql: 'SELECT 1; SET SESSION AUTHORIZATION postgres',
  },
  { rule: 'no-role-change', family: 'function', sql: "SELECT set_config('role', 'postgres', false)" },
  // no-system-change
  { rule: 'no-system-change', family: 'plain', sql: "ALTER SYSTEM SET work_mem = '4MB'" },
  { rule: 'no-system-change', family: 'plain', sql: 'SELECT pg_reload_conf()' },
  {
    rule: 'no-system-change',
    family: 'schema qualification',
    sql: "SELECT pg_catalog.set_config('work_mem', '1MB', false)",
  },
  { rule: 'no-system-change', family: 'SQL PREPARE', sql: 'PREPARE p AS SELECT pg_reload_conf()' },
  // no-privilege-change
  { rule: 'no-privilege-change', family: 'plain', sql: 'GRANT SELECT ON t TO PUBLIC' },
  { rule: 'no-privilege-change', family: 'plain', sql: 'REVOKE ALL ON t FROM PUBLIC' },
  {
    rule: 'no-privilege-change',
    family: 'comments',
    sql: 'GRANT/* a /* nested */ comment */SELECT ON "public".t TO PUBLIC',
  },
  // no-dynamic-sql
  { rule: 'no-dynamic-sql', family: 'plain', sql: "SELECT query_to_xml('SELECT 1', true, true, '')" },
  {
    rule: 'no-dynamic-sql',
    family: 'dollar-quoting',
    sql: "SELECT query_to_xml($q$DELETE FROM t RETURNING 1$q$, true, true, '')",
  },
  { rule: 'no-dynamic-sql', family: 'dollar-quoting', sql: "DO $$BEGIN EXECUTE 'DROP TABLE t'; END$$" },
  {
    rule: 'no-dynamic-sql',
    family: 'dollar-quoting',
    sql: 'CREATE FUNCTION tg_sneaky() RETURNS void LANGUAGE sql AS $body$ TRUNCATE t $body$',
  },
  // no-destructive-ddl
  { rule: 'no-destructive-ddl', family: 'plain', sql: 'DROP TABLE t' },
  { rule: 'no-destructive-ddl', family: 'plain', sql: 'TRUNCATE t' },
  { rule: 'no-destructive-ddl', family: 'plain', sql: 'ALTER TABLE t DROP COLUMN v' },
  { rule: 'no-destructive-ddl', family: 'case', sql: 'dRoP tAbLe T' },
  { rule: 'no-destructive-ddl', family: 'comments', sql: 'DROP/**/TABLE/* x /* nested */ */t' },
  { rule: 'no-destructive-ddl', family: 'comments', sql: 'DROP -- not a table\nTABLE t' },
  { rule: 'no-destructive-ddl', family: 'whitespace', sql: 'DROP\n\t  TABLE\r\n  t' },
  { rule: 'no-destructive-ddl', family: 'quoted identifiers', sql: 'DROP TABLE "t"' },
  { rule: 'no-destructive-ddl', family: 'schema qualification', sql: 'DROP TABLE public.t' },
  { rule: 'no-destructive-ddl', family: 'multi-statement', sql: 'SELECT 1; DROP TABLE t' },
  { rule: 'no-destructive-ddl', family: 'transaction', sql: 'BEGIN; DROP TABLE t; COMMIT;' },
  {
    rule: 'no-destructive-ddl',
    family: 'transaction',
    sql: 'BEGIN;\nDROP TABLE t;\nCOMMIT;\n',
    via: 'script',
    denied: 'DROP TABLE t',
  },
  { rule: 'no-destructive-ddl', family: 'extended protocol', sql: 'TRUNCATE t', via: 'extended' },
  // no-unbounded-write
  { rule: 'no-unbounded-write', family: 'plain', sql: 'DELETE FROM t' },
  { rule: 'no-unbounded-write', family: 'plain', sql: 'UPDATE t SET v = 0' },
  { rule: 'no-unbounded-write', family: 'WHERE 1=1', sql: 'DELETE FROM t WHERE 1=1' },
  { rule: 'no-unbounded-write', family: 'WHERE true', sql: 'UPDATE t SET v = 0 WHERE true' },
  { rule: 'no-unbounded-write', family: "WHERE 'a'='a'", sql: "DELETE FROM t WHERE 'a'='a'" },
  { rule: 'no-unbounded-write', family: 'WHERE x = x', sql: 'DELETE FROM t WHERE id = id OR 1 = 2' },
  { rule: 'no-unbounded-write', family: 'quoted identifiers', sql: 'DELETE FROM "public"."t"' },
  {
    rule: 'no-unbounded-write',
    family: 'CTE',
    sql: 'WITH d AS (DELETE FROM t RETURNING *) SELECT count(*) FROM d',
  },
  { rule: 'no-unbounded-write', family: 'SQL PREPARE', sql: 'PREPARE p AS DELETE FROM t WHERE true' },
  {
    rule: 'no-unbounded-write',
    family: 'SQL PREPARE/EXECUTE',
    sql: 'PREPARE p(int) AS UPDATE t SET v = $1;\nEXECUTE p(0);\n',
    via: 'script',
    denied: 'PREPARE p(int) AS UPDATE t SET v = $1',
  },
  {
    rule: 'no-unbounded-write',
    family: 'extended protocol',
    sql: 'DELETE FROM t WHERE $1 = $1',
    via: 'extended',
    values: [1],
  },
  {
    rule: 'no-unbounded-write',
    family: 'extended protocol',
    sql: 'UPDATE t SET v = $1',
    via: 'extended',
    values: [0],
  },
  { rule: 'no-unbounded-write', family: 'EXPLAIN ANALYZE', sql: 'EXPLAIN ANALYZE DELETE FROM t' },
  {
    rule: 'no-unbounded-write',
    family: 'EXPLAIN ANALYZE',
    sql: 'EXPLAIN (ANALYZE, BUFFERS) UPDATE t SET v = 1',
  },
  {
    rule: 'no-unbounded-write',
    family: 'transaction',
    sql: 'BEGIN;\nUPDATE t SET v = 0 WHERE true;\nCOMMIT;\n',
    via: 'script',
    denied: 'UPDATE t SET v = 0 WHERE true',
  },
]

const ROWS = 3
const admin: Principal = {
  id: 'oidc:guardrail-admin',
  kind: 'person',
  name: 'guardrail-admin',
  groups: ['taskgate-admins'],
  via: 'oidc',
}

let gw: PostgresGateway
let credential: IssuedCredential
let grantId: string

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE TABLE public.t (id int PRIMARY KEY, v int);
      INSERT INTO public.t SELECT g, g FROM generate_series(1, ${ROWS}) g;`,
  })
  ;({
    credential,
    grant: { id: grantId },
  } = await gw.grant('*:*'))
})
after(() => gw[Symbol.asyncDispose]())

const verbose = ['-v', 'VERBOSITY=verbose']

/** Runs one case as its client would; returns SQLSTATE and message of the error it got. */
async function attempt(c: Case): Promise<{ code: string; message: string }> {
  if (c.via === 'extended') {
    const client = new pg.Client({ connectionString: gw.url(credential) })
    await client.connect()
    try {
      // A statement name forces Parse/Bind/Execute even without parameter values.
      await client.query({ name: 'guarded', text: c.sql, values: c.values ?? [] })
      return { code: 'none', message: 'the statement ran' }
    } catch (error) {
      const e = error as pg.DatabaseError
      return { code: e.code ?? 'none', message: e.message }
    } finally {
      await client.end()
    }
  }
  const r =
    c.via === 'script'
      ? await run('psql', ['-X', '-At', '-v', 'ON_ERROR_STOP=1', ...verbose], gw.env(credential), {
          input: c.sql,
        })
      : await psql(gw.env(credential), c.sql, verbose)
  const m = /ERROR: {2}(\w{5}): (.*)/.exec(r.stderr)
  return m ? { code: m[1]!, message: m[2]! } : { code: 'none', message: r.stderr || r.stdout }
}

describe('built-in guardrails through the gateway', () => {
  for (const c of CASES) {
    test(`${c.rule} / ${c.family} (${c.via ?? 'psql'}): ${JSON.stringify(c.sql)}`, async () => {
      const { code, message } = await attempt(c)
      assert.equal(code, '42501', `${c.sql}: ${message}`)
      assert.match(message, new RegExp(`rule guardrail:${c.rule}\\b`))
    })
  }

  test('every denial is recorded in its session and audited', async () => {
    const actions: ActionRecord[] = []
    for (const s of await gw.core.listSessions(gw.agent, {})) {
      if (s.grantId === grantId) actions.push(...(await gw.core.getSession(gw.agent, s.id)).actions)
    }
    const audited = (await gw.core.listAudit(admin, { type: 'action.denied', limit: 10_000 })).map(
      (e) => e.data as { rule: string; text: string },
    )
    for (const c of CASES) {
      const text = c.denied ?? c.sql
      const rule = `guardrail:${c.rule}`
      assert.ok(
        actions.some((a) => a.outcome === 'deny' && a.rule === rule && a.text.includes(text)),
        `no recorded denial for ${JSON.stringify(text)}`,
      )
      assert.ok(
        audited.some((d) => d.rule === rule && d.text.includes(text)),
        `no action.denied audit event for ${JSON.stringify(text)}`,
      )
    }
  })

  test('nothing got through: the table, its rows and the server settings are untouched', async () => {
    const rows = await gw.db.query('SELECT count(*)::int AS n, sum(v)::int AS s FROM public.t')
    assert.deepEqual(rows.rows[0], { n: ROWS, s: (ROWS * (ROWS + 1)) / 2 })
    const roles = await gw.db.query("SELECT 1 FROM pg_roles WHERE rolname = 'tg_guardrail_evil'")
    assert.equal(roles.rowCount, 0)
    const fn = await gw.db.query("SELECT 1 FROM pg_proc WHERE proname = 'tg_sneaky'")
    assert.equal(fn.rowCount, 0)
  })
})

describe('the session reads SQL the way the classifier does', () => {
  test('client_encoding UTF8 and standard_conforming_strings on, whatever the database default', async () => {
    await gw.db.query(`ALTER DATABASE ${gw.db.name} SET standard_conforming_strings = off`)
    try {
      const r = await psql(gw.env(credential), 'SHOW standard_conforming_strings; SHOW client_encoding')
      assert.equal(r.code, 0, r.stderr)
      assert.deepEqual(r.stdout.trim().split('\n'), ['on', 'UTF8'])
    } finally {
      await gw.db.query(`ALTER DATABASE ${gw.db.name} RESET standard_conforming_strings`)
    }
  })

  test('a client asking for another encoding is refused with a FATAL that says why', async () => {
    const r = await psql(gw.env(credential, { PGCLIENTENCODING: 'SJIS' }), 'SELECT 1')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /FATAL: {2}taskgate supports only client_encoding UTF8, got "SJIS"/)
    const client = new pg.Client({
      connectionString: gw.url(credential),
      options: '--client-encoding=LATIN1',
    })
    await assert.rejects(client.connect(), { code: '22023', message: /client_encoding UTF8/ })
  })

  test('a client turning standard_conforming_strings off is refused', async () => {
    const env = gw.env(credential, { PGOPTIONS: '-c standard_conforming_strings=off' })
    const r = await psql(env, 'SELECT 1')
    assert.equal(r.code, 2)
    assert.match(r.stderr, /FATAL: {2}taskgate requires standard_conforming_strings=on/)
  })
})
