// Issue 11 item 9: a statement PostgreSQL's parser rejects was answered 42501 (a policy denial). It must come
// back as the server says it: 42601 syntax_error, the parser's message and the position ('P' field), with
// psql pointing at the same character, and a real policy denial still 42501.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { psql } from '../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({ setupSql: 'CREATE TABLE t (id int); CREATE TABLE secret (id int)' })
})
after(() => gw[Symbol.asyncDispose]())

const BROKEN = [
  'SELEC 1',
  'select 1; selec 2',
  'select (1',
  "select 'abc",
  "select 'éé€' selec 1",
  'select 1 from',
]

const directEnv = () => ({
  PATH: process.env.PATH,
  PGHOST: gw.db.host,
  PGPORT: String(gw.db.port),
  PGUSER: gw.db.user,
  PGDATABASE: gw.db.name,
  PGSSLMODE: 'disable',
})

test('psql shows the same syntax error, code and caret through the gateway as directly', async () => {
  const { credential } = await gw.grant('select:public.t')
  for (const sql of BROKEN) {
    const args = ['-v', 'VERBOSITY=verbose']
    const direct = await psql(directEnv(), sql, args)
    const through = await psql(gw.env(credential), sql, args)
    const withoutLocation = (s: string) => s.replace(/\nLOCATION: .*\n?/, '\n')
    assert.match(direct.stderr, /ERROR: {2}42601: /, sql)
    assert.equal(withoutLocation(through.stderr), withoutLocation(direct.stderr), sql)
    assert.equal(through.code, direct.code, sql)
  }
})

/** The error fields a driver sees, for the simple and the extended protocol. */
async function errorOf(client: pg.Client, sql: string, extended: boolean) {
  const error = (await client.query(extended ? { text: sql, values: [] } : sql).then(
    () => undefined,
    (e: unknown) => e,
  )) as (Error & Record<string, unknown>) | undefined
  assert.ok(error, `${sql} should fail`)
  return { code: error.code, message: error.message, position: error.position, severity: error.severity }
}

test('node-postgres gets 42601 with message and position for Query and Parse, as directly', async () => {
  const { credential } = await gw.grant('select:public.t')
  const through = new pg.Client({ connectionString: gw.url(credential) })
  const direct = new pg.Client({ connectionString: gw.db.url })
  await through.connect()
  await direct.connect()
  try {
    for (const sql of BROKEN) {
      for (const extended of [false, true]) {
        const expected = await errorOf(direct, sql, extended)
        assert.equal(expected.code, '42601')
        assert.deepEqual(await errorOf(through, sql, extended), expected, `${sql} extended=${extended}`)
      }
    }
    // The session is still usable, and a policy denial is still a policy denial.
    assert.deepEqual((await through.query('SELECT count(*)::int AS n FROM t')).rows, [{ n: 0 }])
    const denied = await errorOf(through, 'SELECT * FROM secret', false)
    assert.equal(denied.code, '42501')
    assert.equal(denied.position, undefined)
  } finally {
    await through.end()
    await direct.end()
  }
})
