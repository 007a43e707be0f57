// Issue 11, item 7: a denied Parse was answered only at Sync, so a client that sent Flush and waited (no
// Sync: postgres.js .describe() and cursors) waited for ever. PostgreSQL answers an error at once; so does
// the gateway now, and every Flush after it behaves as the server's (the server skips to Sync).
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import postgres from 'postgres'
import { RawPostgres, sqlstateOf, typesOf, wire } from '../support/clients/raw-postgres.ts'
import { type PostgresGateway, startPostgresGateway } from '../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE TABLE public.open (id int); INSERT INTO public.open SELECT g FROM generate_series(1, 25) g;
      CREATE TABLE public.closed (id int);`,
  })
})
after(() => gw[Symbol.asyncDispose]())

test('Parse of a denied statement, then Flush, no Sync: the denial arrives, then Sync ends the skip', async () => {
  const { credential } = await gw.grant('select:public.open')
  await using raw = await RawPostgres.connect(gw.url(credential))
  raw.send(wire.parse('', 'select * from public.closed'), wire.flush())
  const denied = await raw.until('E', 1, 10_000)
  assert.equal(sqlstateOf(denied.find((f) => f.type === 'E')!), '42501')
  // Skipped like the server skips after an error: Bind/Describe/Execute/Flush get nothing until Sync.
  raw.send(wire.bind('', ''), wire.describe('P', ''), wire.execute(), wire.flush())
  assert.equal(typesOf(await raw.settle(300)), '')
  raw.send(wire.sync())
  assert.equal(typesOf(await raw.until('Z')), 'Z')
  // The session goes on.
  raw.send(wire.parse('', 'select count(*) from public.open'), wire.bind('', ''), wire.execute(), wire.sync())
  assert.equal(typesOf(await raw.until('Z')), '12DCZ')
})

test("Parse 'wat'; Flush: the syntax error arrives without a Sync, as PostgreSQL sends it", async () => {
  const { credential } = await gw.grant('select:public.open')
  await using through = await RawPostgres.connect(gw.url(credential))
  await using direct = await RawPostgres.connect(gw.db.url)
  for (const raw of [through, direct]) raw.send(wire.parse('', 'wat'), wire.flush())
  const [a, b] = [await through.until('E', 1, 10_000), await direct.until('E', 1, 10_000)]
  assert.equal(sqlstateOf(a.find((f) => f.type === 'E')!), sqlstateOf(b.find((f) => f.type === 'E')!))
})

test('postgres.js: .describe() and a cursor of a denied statement fail at once; allowed ones work', async () => {
  const { credential } = await gw.grant('select:public.open')
  const sql = postgres(gw.url(credential), { max: 1, onnotice: () => {}, connect_timeout: 10 })
  try {
    const described = await sql`select id from public.open where id = ${1}`.describe()
    assert.deepEqual(
      described.columns.map((c) => c.name),
      ['id'],
    )
    await assert.rejects(sql`select id from public.closed where id = ${1}`.describe(), { code: '42501' })
    let rows = 0
    for await (const batch of sql`select id from public.open`.cursor(10)) rows += batch.length
    assert.equal(rows, 25)
    await assert.rejects(
      (async () => {
        for await (const _ of sql`select id from public.closed`.cursor(10)) {
        }
      })(),
      { code: '42501' },
    )
    assert.equal((await sql`select 1 as one`)[0]!.one, 1)
  } finally {
    await sql.end({ timeout: 5 })
  }
})
