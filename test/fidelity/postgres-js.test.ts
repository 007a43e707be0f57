// postgres.js through the gateway and directly: extended queries with its own Describe-first flow,
// .describe(), cursors (Execute with a row limit, PortalSuspended), COPY streams, savepoints, LISTEN, cancel.
import assert from 'node:assert/strict'
import { Readable, Writable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import postgres from 'postgres'
import { type Check, compareChecks, type Endpoint, fidelitySides, outcomeOf } from './support.ts'

const sides = fidelitySides()

type Sql = postgres.Sql<Record<string, never>>

async function withSql<T>(
  e: Endpoint,
  work: (sql: Sql) => Promise<T>,
  options: postgres.Options<Record<string, never>> = {},
) {
  const sql = postgres({
    host: e.host,
    port: e.port,
    user: e.user,
    ...(e.password === undefined ? {} : { pass: e.password }),
    database: e.database,
    max: 1,
    onnotice: () => {},
    connect_timeout: 10,
    ...options,
  }) as unknown as Sql
  try {
    return await work(sql)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

/** The fields a driver exposes for an error, or the result when there was none. */
const outcome = (run: Promise<unknown>) =>
  outcomeOf(run, (e: postgres.PostgresError) => ({
    code: e.code,
    message: e.message,
    severity: e.severity,
    position: e.position,
    detail: e.detail,
    constraint: e.constraint_name,
  }))

const plain = (rows: unknown) => JSON.parse(JSON.stringify(rows))

const checks: Record<string, Check> = {
  'simple protocol, several statements': (e) =>
    withSql(e, async (sql) => plain(await sql`SELECT 1 AS a; SELECT 'b'::text AS b`.simple())),
  'extended query with typed parameters': (e) =>
    withSql(e, async (sql) =>
      plain(await sql`SELECT ${40}::int + ${2}::int AS sum, ${'x'} AS t, ${null}::int AS n`),
    ),
  'prepared statements reused (prepare: true)': (e) =>
    withSql(e, async (sql) => {
      const out = []
      for (const id of [1, 2, 3, 2]) out.push(plain(await sql`SELECT name FROM items WHERE id = ${id}`))
      return out
    }),
  '.describe() gives parameter and column types': (e) =>
    withSql(e, async (sql) => {
      const d = await sql`SELECT id, name, price FROM items WHERE id = ${1}`.describe()
      return { types: d.types, columns: d.columns.map((c) => [c.name, c.type]) }
    }),
  'type round trips': (e) =>
    withSql(e, async (sql) => {
      const stored = await sql`SELECT * FROM items ORDER BY id`
      const echoed =
        await sql`SELECT ${'12345678901234567890.000000001'}::numeric AS n, ${Buffer.from([0, 1, 254, 255])}::bytea AS b,
        ${sql.json({ z: 1, a: 'é' })}::jsonb AS jb, ${'{"k": [1]}'}::json AS j, ${sql.array([1, 2, 3])}::int[] AS ia,
        ${new Date('2024-02-29T11:34:56.789Z')}::timestamptz AS ts, ${'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'}::uuid AS u,
        ${'1 year 2 mons 3 days 04:05:06.5'}::interval AS i`
      return plain({ stored, echoed })
    }),
  'transactions and savepoints': (e) =>
    withSql(e, async (sql) => {
      const inside: unknown[] = []
      const ended = await sql
        .begin(async (tx) => {
          await tx`INSERT INTO sink VALUES (1, 'kept')`
          inside.push(
            await outcome(
              tx.savepoint(async (sp) => {
                await sp`INSERT INTO sink VALUES (2, 'undone')`
                await sp`SELECT 1/0`
              }),
            ),
          )
          inside.push(await tx`SELECT id, v FROM sink ORDER BY id`)
          await tx`SELECT 1/0`
        })
        .catch((error: postgres.PostgresError) => ({ rolledBack: error.code }))
      const [after] = await sql`SELECT count(*)::int AS n FROM sink`
      return plain({ inside, ended, after })
    }),
  'errors carry SQLSTATE, position, detail, constraint': (e) =>
    withSql(e, async (sql) => [
      await outcome(sql`SELECT 1/0`),
      await outcome(sql`SELECT nope FROM items`),
      await outcome(sql`INSERT INTO items (id, name) VALUES (1, 'dup')`),
      await outcome(sql.unsafe('SELEC 1')),
      await outcome(sql`SELECT ${'x'}::int`),
      plain(await sql`SELECT 2 AS still_usable`),
    ]),
  'notices reach onnotice': async (e) => {
    const notices: unknown[] = []
    await withSql(e, (sql) => sql`CREATE TABLE IF NOT EXISTS items (id int)`, {
      onnotice: (n) => notices.push({ severity: n.severity, code: n.code, message: n.message }),
    })
    return notices
  },
  'LISTEN/NOTIFY': (e) =>
    withSql(
      e,
      async (sql) => {
        const got: string[] = []
        const listening = await sql.listen('fidelity_js', (payload) => got.push(payload))
        await sql.notify('fidelity_js', 'hello')
        await sql`SELECT pg_notify('fidelity_js', 'again')`
        for (let i = 0; i < 100 && got.length < 2; i++) await sleep(20)
        await listening.unlisten()
        return got
      },
      { max: 2 },
    ),
  'COPY TO STDOUT and FROM STDIN streams': (e) =>
    withSql(e, async (sql) => {
      const chunks: Buffer[] = []
      await pipeline(
        await sql`COPY (SELECT id, name, price FROM items ORDER BY id) TO STDOUT`.readable(),
        new Writable({
          write: (c, _, done) => {
            chunks.push(c)
            done()
          },
        }),
      )
      let copied: unknown
      const ended = await sql
        .begin(async (tx) => {
          await pipeline(
            Readable.from(['10\tcopied\n', '11\t\\N\n']),
            await tx`COPY sink (id, v) FROM STDIN`.writable(),
          )
          copied = await tx`SELECT id, v FROM sink WHERE id >= 10 ORDER BY id`
          await tx`SELECT 1/0`
        })
        .catch((error: Error) => error.message)
      return plain({ out: Buffer.concat(chunks).toString(), copied, ended })
    }),
  'cursor with a row limit (portal suspended)': (e) =>
    withSql(e, async (sql) => {
      const batches: number[][] = []
      await sql`SELECT id FROM big WHERE id <= 25 ORDER BY id`.cursor(10, (rows) => {
        batches.push(rows.map((r) => r.id as number))
      })
      return batches
    }),
  'cancel a running query': (e) =>
    withSql(e, async (sql) => {
      const query = sql`SELECT pg_sleep(20)`
      const running = outcome(query.execute())
      await sleep(300)
      query.cancel()
      const result = await running
      return { result, after: plain(await sql`SELECT 1 AS ok`) }
    }),
  'a large result arrives whole': (e) =>
    withSql(e, async (sql) => {
      const rows = await sql`SELECT id, h FROM big ORDER BY id`
      let sum = 0
      for (const row of rows) sum += (row.id as number) + (row.h as string).charCodeAt(0)
      return { count: rows.length, sum }
    }),
  'parameter status': async (e) => {
    const seen: Record<string, string> = {}
    await withSql(
      e,
      async (sql) => {
        await sql`SET TimeZone = 'Asia/Tokyo'`
        Object.assign(seen, sql.parameters)
      },
      {
        onparameter: (k, v) => {
          seen[`changed:${k}`] = v
        },
        connection: { application_name: 'fidelity-js' },
      },
    )
    return seen
  },
  'pipelined queries on one connection, one failing': (e) =>
    withSql(e, async (sql) =>
      plain(
        await Promise.all([
          sql`SELECT ${1}::int AS a`,
          outcome(sql`SELECT 1/${0}::int AS b`),
          sql`SELECT name FROM items WHERE id = ${2}`,
          sql`SELECT 'x'::text AS c`.simple(),
        ]),
      ),
    ),
  'connection close': (e) =>
    withSql(e, async (sql) => {
      const reserved = await sql.reserve()
      const [row] = await reserved`SELECT 1 AS ok`
      reserved.release()
      return plain(row)
    }),
}

compareChecks(sides, checks)

// A documented policy denial (README "Built-in guardrails": no-unbounded-write), not a difference. postgres.js
// describes with Parse/Describe/Flush and waits for the answer before any Sync: the denial must come at Flush.
test('policy: .describe() and a cursor of a denied statement get 42501, as the server answers a Flush', async () => {
  const { direct, gateway } = await sides()
  const described = await withSql(
    direct,
    async (sql) => (await sql`UPDATE sink SET v = ${'x'}`.describe()).types,
  )
  assert.deepEqual(described, [25])
  const denied = await withSql(gateway, async (sql) => [
    await outcome(sql`UPDATE sink SET v = ${'x'}`.describe()),
    await outcome(sql`UPDATE sink SET v = ${'x'} RETURNING id`.cursor(5, () => {})),
    plain(await sql`SELECT 1 AS usable`),
  ])
  assert.equal((denied[0] as { code: string }).code, '42501')
  assert.equal((denied[1] as { code: string }).code, '42501')
  assert.deepEqual(denied[2], [{ usable: 1 }])
})
