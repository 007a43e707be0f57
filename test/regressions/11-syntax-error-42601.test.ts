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

/** The ErrorResponse fields as bytes on the wire, for a Query written raw on a logged-in connection. */
async function rawErrorFields(url: string, sql: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url })
  // pg reports the ErrorResponse of a query it did not send as a client error: expected here.
  client.on('error', () => {})
  await client.connect()
  const stream = (client as unknown as { connection: { stream: NodeJS.ReadWriteStream } }).connection.stream
  try {
    const received: Buffer[] = []
    const ready = new Promise<void>((resolve) => {
      stream.on('data', (chunk: Buffer) => {
        received.push(chunk)
        const all = Buffer.concat(received)
        if (all.length >= 6 && all[all.length - 6] === 0x5a) resolve()
      })
    })
    const text = Buffer.from(`${sql}\0`)
    const query = Buffer.alloc(5)
    query[0] = 0x51
    query.writeInt32BE(4 + text.length, 1)
    stream.write(Buffer.concat([query, text]))
    await ready
    const all = Buffer.concat(received)
    assert.equal(all[0], 0x45, 'an ErrorResponse first')
    const fields: Record<string, string> = {}
    for (let at = 5; all[at] !== 0; ) {
      const end = all.indexOf(0, at + 1)
      fields[String.fromCharCode(all[at]!)] = all.toString('utf8', at + 1, end)
      at = end + 1
    }
    return fields
  } finally {
    await client.end().catch(() => {})
  }
}

test('on the wire: S, C, M and P as the server sends them (file, line and routine aside)', async () => {
  const { credential } = await gw.grant('select:public.t')
  for (const sql of BROKEN) {
    const direct = await rawErrorFields(gw.db.url, sql)
    const through = await rawErrorFields(gw.url(credential), sql)
    const common = ({ F: _f, L: _l, R: _r, ...rest }: Record<string, string>) => rest
    assert.deepEqual(common(through), common(direct), sql)
    assert.equal(direct.C, '42601')
  }
})
