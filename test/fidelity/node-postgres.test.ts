// node-postgres (pg) through the gateway and directly: the kinds of checks its own test suite makes.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { type Check, compareChecks, type Endpoint, fidelitySides, outcomeOf } from './support.ts'

const sides = fidelitySides()

async function withClient<T>(e: Endpoint, work: (c: pg.Client) => Promise<T>, extra: pg.ClientConfig = {}) {
  const client = new pg.Client({ ...e, ...extra })
  client.on('error', () => {})
  await client.connect()
  try {
    return await work(client)
  } finally {
    await client.end().catch(() => {})
  }
}

/** The fields a driver exposes for an error, or the result when there was none. */
const outcome = (run: Promise<unknown>) =>
  outcomeOf(run, (e: pg.DatabaseError) => ({
    code: e.code,
    message: e.message,
    severity: e.severity,
    position: e.position,
    detail: e.detail,
    hint: e.hint,
    constraint: e.constraint,
    table: e.table,
    column: e.column,
  }))

const rowsOf = (r: pg.QueryResult) => ({
  command: r.command,
  rowCount: r.rowCount,
  rows: r.rows,
  fields: r.fields.map((f) => [f.name, f.dataTypeID]),
})

const checks: Record<string, Check> = {
  'simple query': (e) =>
    withClient(e, async (c) => rowsOf(await c.query("SELECT 1 AS one, 'a'::text AS t, NULL::int AS n"))),
  'extended query with parameters': (e) =>
    withClient(e, async (c) =>
      rowsOf(await c.query('SELECT $1::int + $2::int AS sum, $3::text AS t', [40, 2, 'x'])),
    ),
  'named prepared statement reused with other values': (e) =>
    withClient(e, async (c) => {
      const out = []
      for (const id of [1, 2, 3, 1])
        out.push(
          (await c.query({ name: 'by-id', text: 'SELECT name FROM items WHERE id = $1', values: [id] })).rows,
        )
      return out
    }),
  'type round trips (numeric, bytea, json, jsonb, arrays, timestamptz, uuid, interval)': (e) =>
    withClient(
      e,
      async (c) => {
        const stored = await c.query('SELECT * FROM items ORDER BY id')
        const echoed = await c.query(
          'SELECT $1::numeric AS n, $2::bytea AS b, $3::json AS j, $4::jsonb AS jb, $5::int[] AS ia, $6::text[] AS ta, $7::timestamptz AS ts, $8::uuid AS u, $9::interval AS i',
          [
            '12345678901234567890.000000001',
            Buffer.from([0, 1, 254, 255]),
            '{"k": [1, 2]}',
            { z: 1, a: 'é' },
            [1, null, 3],
            ['a,b', '"q"', null],
            '2024-02-29T11:34:56.789Z',
            'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11',
            '1 year 2 mons 3 days 04:05:06.5',
          ],
        )
        return { stored: stored.rows, echoed: echoed.rows }
      },
      { types: { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig },
    ),
  'transactions and savepoints': (e) =>
    withClient(e, async (c) => {
      await c.query('BEGIN')
      await c.query("INSERT INTO sink VALUES (1, 'kept')")
      await c.query('SAVEPOINT s1')
      await c.query("INSERT INTO sink VALUES (2, 'undone')")
      await c.query('ROLLBACK TO SAVEPOINT s1')
      const failed = await outcome(c.query('SELECT 1/0'))
      const aborted = await outcome(c.query('SELECT 1'))
      await c.query('ROLLBACK')
      const after = await c.query('SELECT count(*)::int AS n FROM sink')
      return { failed, aborted, after: after.rows }
    }),
  'errors carry SQLSTATE, position, detail, constraint': (e) =>
    withClient(e, async (c) => [
      await outcome(c.query('SELECT 1/0')),
      await outcome(c.query('SELECT nope FROM items')),
      await outcome(c.query("INSERT INTO items (id, name) VALUES (1, 'dup')")),
      await outcome(c.query('INSERT INTO items (id) VALUES (9)')),
      await outcome(c.query('SELEC 1')),
      await outcome(c.query({ text: 'SELECT $1::int', values: ['x'] })),
      (await c.query('SELECT 2 AS still_usable')).rows,
    ]),
  'notices reach the client': (e) =>
    withClient(e, async (c) => {
      const notices: unknown[] = []
      c.on('notice', (n) => notices.push({ severity: n.severity, code: n.code, message: n.message }))
      await c.query('CREATE TABLE IF NOT EXISTS items (id int)')
      await c.query("SET client_min_messages = 'notice'")
      await sleep(20)
      return notices
    }),
  'LISTEN/NOTIFY': (e) =>
    withClient(e, async (c) => {
      const got: unknown[] = []
      c.on('notification', (n) => got.push({ channel: n.channel, payload: n.payload }))
      await c.query('LISTEN fidelity_ch')
      await withClient(e, async (other) => {
        await other.query("NOTIFY fidelity_ch, 'from another session'")
        await other.query("SELECT pg_notify('fidelity_ch', 'by function')")
      })
      for (let i = 0; i < 100 && got.length < 2; i++) await sleep(20)
      await c.query('UNLISTEN fidelity_ch')
      return got
    }),
  'cursor with a row limit (DECLARE/FETCH)': (e) =>
    withClient(e, async (c) => {
      await c.query('BEGIN')
      await c.query('DECLARE cur CURSOR FOR SELECT id FROM big ORDER BY id')
      const first = await c.query('FETCH 3 FROM cur')
      const next = await c.query('FETCH 2 FROM cur')
      await c.query('CLOSE cur')
      await c.query('COMMIT')
      return [first.rows, next.rows]
    }),
  'cancel a running query': (e) =>
    withClient(e, async (c) => {
      const running = outcome(c.query('SELECT pg_sleep(20)'))
      await sleep(300)
      // pg's own cancel path (a CancelRequest on a new connection), missing from its type definitions.
      const canceller = new pg.Client(e) as unknown as { cancel(client: pg.Client, query: unknown): void }
      canceller.cancel(c, (c as unknown as { activeQuery: unknown }).activeQuery)
      const result = await running
      return { result, after: (await c.query('SELECT 1 AS ok')).rows }
    }),
  'a large result arrives whole': (e) =>
    withClient(e, async (c) => {
      const r = await c.query('SELECT id, h FROM big ORDER BY id')
      let sum = 0
      for (const row of r.rows) sum += row.id + row.h.charCodeAt(0)
      return { count: r.rowCount, sum, last: r.rows.at(-1) }
    }),
  'parameter status at startup and on SET': async (e) => {
    const client = new pg.Client({ ...e, application_name: 'fidelity' })
    const reported: Record<string, string> = {}
    client.connection.on('parameterStatus', (m: { parameterName: string; parameterValue: string }) => {
      reported[m.parameterName] = m.parameterValue
    })
    await client.connect()
    try {
      await client.query("SET application_name = 'renamed'")
      await client.query("SET TimeZone = 'Asia/Tokyo'")
      return reported
    } finally {
      await client.end()
    }
  },
  'several statements in one simple query': (e) =>
    withClient(e, async (c) => {
      const results = (await c.query(
        'SELECT 1 AS a; SELECT 2 AS b, 3 AS c; UPDATE sink SET v = v WHERE id = -1',
      )) as unknown as pg.QueryResult[]
      return results.map(rowsOf)
    }),
  'the backend pid in BackendKeyData is the server process': (e) =>
    withClient(e, async (c) => {
      const { pid } = (await c.query('SELECT pg_backend_pid() AS pid')).rows[0]
      return pid === (c as unknown as { processID: number }).processID
    }),
  'large objects through SQL functions': (e) =>
    withClient(e, async (c) => {
      await c.query('BEGIN')
      const oid = (await c.query("SELECT lo_from_bytea(0, 'large object data') AS oid")).rows[0].oid
      const read = await c.query('SELECT convert_from(lo_get($1), $2) AS data', [oid, 'UTF8'])
      await c.query('ROLLBACK')
      return read.rows
    }),
  'connection close': async (e) => {
    const client = new pg.Client(e)
    await client.connect()
    const ended = new Promise((resolve) => client.once('end', () => resolve('end')))
    await client.end()
    return {
      ended: await ended,
      after: await outcome(client.query('SELECT 1')).then((o) => Object.keys(o as object)),
    }
  },
}

compareChecks(sides, checks)

// A documented policy denial, not a difference: the no-unbounded-write guardrail (README "Built-in
// guardrails") refuses an UPDATE without WHERE that the server would run.
test('policy: an UPDATE without WHERE runs directly and is 42501 through the gateway', async () => {
  const { direct, gateway } = await sides()
  const sql = 'UPDATE sink SET v = v'
  assert.deepEqual(await withClient(direct, (c) => outcome(c.query(sql).then((r) => r.command))), {
    ok: 'UPDATE',
  })
  const denied = (await withClient(gateway, (c) => outcome(c.query(sql)))) as {
    code: string
    message: string
  }
  assert.equal(denied.code, '42501')
  assert.match(denied.message, /rule guardrail:no-unbounded-write/)
})
