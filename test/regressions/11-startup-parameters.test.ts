// Issue 11 item 8: the gateway dropped startup parameters (PGOPTIONS, statement_timeout, custom settings)
// silently and logged every client in to the resource's database whatever it named. Each setting is now
// decided as the SET it amounts to: allowed ones reach the server, the others refuse the login with a FATAL
// naming the parameter; a database other than the resource's is 3D000 unless the resource lists it.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { psql } from '../support/clients/psql.ts'
import { createThrowawayDatabase, type ThrowawayDatabase } from '../support/postgres.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway
let other: ThrowawayDatabase

before(async () => {
  other = await createThrowawayDatabase('tg_other')
  await other.query("CREATE TABLE t (v text); INSERT INTO t VALUES ('other')")
  gw = await startPostgresGateway({
    admin: true,
    setupSql: "CREATE SCHEMA foo; CREATE TABLE t (v text); INSERT INTO t VALUES ('main')",
    resourceYaml: `    databases: [${other.name}]`,
  })
})
after(async () => {
  await gw[Symbol.asyncDispose]()
  await other[Symbol.asyncDispose]()
})

const SETTINGS_SQL =
  "SELECT current_setting('statement_timeout') || ',' || current_setting('lock_timeout') || ',' || " +
  "current_setting('idle_in_transaction_session_timeout') || ',' || current_setting('application_name')"

test('PGOPTIONS and PGAPPNAME settings that are harmless reach the server', async () => {
  const { credential } = await gw.grant('select:public.t')
  const r = await psql(
    gw.env(credential, {
      PGOPTIONS: '-c statement_timeout=1234 --lock-timeout=2s -c idle_in_transaction_session_timeout=5min',
      PGAPPNAME: 'fidelity-check',
    }),
    SETTINGS_SQL,
  )
  assert.equal(r.stderr, '')
  assert.equal(r.stdout.trim(), '1234ms,2s,5min,fidelity-check')
})

test('node-postgres startup settings (statement_timeout, options, application_name) take effect', async () => {
  const { credential } = await gw.grant('select:public.t')
  const client = new pg.Client({
    connectionString: gw.url(credential),
    statement_timeout: 4321,
    lock_timeout: 1000,
    application_name: 'node-pg-fidelity',
    options: '-c idle_in_transaction_session_timeout=7s',
  })
  await client.connect()
  try {
    const { rows } = await client.query(SETTINGS_SQL)
    assert.equal(Object.values(rows[0] as object)[0], '4321ms,1s,7s,node-pg-fidelity')
  } finally {
    await client.end()
  }
})

/** `CODE: message` of the FATAL a login with `options` (PGOPTIONS) gets under a fresh grant of `scope`. */
async function loginError(scope: string, options: string): Promise<string> {
  const { credential } = await gw.grant(scope)
  const client = new pg.Client({ connectionString: gw.url(credential), options })
  client.on('error', () => {})
  const error = (await client.connect().then(
    () => client.end(),
    (e: unknown) => e,
  )) as (Error & { code?: string; severity?: string }) | undefined
  assert.ok(error, `login with ${options} should fail`)
  assert.equal(error.severity, 'FATAL')
  return `${error.code}: ${error.message}`
}

test('a setting policy would deny as SET refuses the login with a FATAL naming it', async () => {
  assert.match(
    await loginError('select:public.t', '-c role=postgres'),
    /^42501: taskgate refuses startup parameter "role" \(in options\) \(rule guardrail:no-role-change\): taskgate guardrail no-role-change: /,
  )
  assert.match(
    await loginError('select:public.t', '-c session_authorization=postgres'),
    /^42501: taskgate refuses startup parameter "session_authorization"/,
  )
  assert.match(
    await loginError('select:public.t', '-c search_path=foo'),
    /^42501: taskgate refuses startup parameter "search_path" \(in options\)/,
  )
  // A read-only grant's session stays read-only.
  assert.match(
    await loginError('select:public.t', '-c default_transaction_read_only=off'),
    /^42501: taskgate refuses startup parameter "default_transaction_read_only"/,
  )
  // A custom setting can steer row-level security (current_setting('app.tenant')): decided like SET.
  assert.match(
    await loginError('select:public.t', '-c app.tenant=7'),
    /^42501: taskgate refuses startup parameter "app.tenant" \(in options\) \(rule scope\): grant \S+ does not allow set:app\.tenant$/,
  )
  // Server switches other than -c set things policy does not decide.
  assert.match(
    await loginError('select:public.t', '-d 5'),
    /^22023: taskgate refuses startup parameter "options": taskgate accepts only -c name=value in options, got "-d"/,
  )
})

test('a granted setting passes: a custom setting with its set scope, read-write under a writing grant', async () => {
  // Reading it back with current_setting needs show: as SHOW would (a custom setting may hold anything).
  const { credential } = await gw.grant('select:public.t,set:app.tenant,show:app.tenant')
  const r = await psql(
    gw.env(credential, { PGOPTIONS: '-c app.tenant=7' }),
    "SELECT current_setting('app.tenant')",
  )
  assert.equal(r.stderr, '')
  assert.equal(r.stdout.trim(), '7')
  const writer = await gw.grant('select:public.t,insert:public.t')
  const w = await psql(
    gw.env(writer.credential, { PGOPTIONS: '-c default_transaction_read_only=off' }),
    'SHOW default_transaction_read_only',
  )
  assert.equal(w.stderr, '')
  assert.equal(w.stdout.trim(), 'off')
})

test('a database the resource does not list is 3D000; one it lists is where the session goes', async () => {
  const { credential } = await gw.grant('select:public.t')
  const missing = await psql(gw.env(credential, { PGDATABASE: 'postgres' }), 'SELECT 1')
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /FATAL: {2}database "postgres" does not exist\n$/)
  const url = new URL(gw.url(credential))
  url.pathname = '/postgres'
  const client = new pg.Client({ connectionString: url.toString() })
  const error = (await client.connect().catch((e: unknown) => e)) as { code?: string }
  assert.equal(error.code, '3D000')
  const main = await psql(gw.env(credential), 'SELECT current_database() || v FROM t')
  assert.equal(main.stdout.trim(), `${gw.db.name}main`)
  const there = await psql(
    gw.env(credential, { PGDATABASE: other.name }),
    'SELECT current_database() || v FROM t',
  )
  assert.equal(there.stderr, '')
  assert.equal(there.stdout.trim(), `${other.name}other`)
  // The grant is the same there: a table outside it stays denied.
  const denied = await psql(gw.env(credential, { PGDATABASE: other.name }), 'SELECT * FROM pg_authid')
  assert.match(denied.stderr, /42501|denied/)
})
