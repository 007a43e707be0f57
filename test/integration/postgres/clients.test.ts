// Real clients through the gateway: pgbench (simple, extended, prepared), node-postgres (prepared
// statements, pipelining, denials as DatabaseError), postgres.js (pipelined extended protocol), COPY in
// and out with psql's \copy.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import postgres from 'postgres'
import { psql, run } from '../../support/clients/psql.ts'
import { type PostgresGateway, startPostgresGateway } from '../../support/start-gateway.ts'

let gw: PostgresGateway

before(async () => {
  gw = await startPostgresGateway({
    setupSql: `CREATE SCHEMA billing;
      CREATE TABLE billing.invoices (id serial PRIMARY KEY, amount int NOT NULL, note text);
      INSERT INTO billing.invoices (amount) SELECT g FROM generate_series(1, 100) g;`,
  })
  // pgbench's tables are created directly on the target: initialisation is DDL outside these grants.
  const init = await run('pgbench', ['-i', '-s', '1', '-q', gw.db.name], {
    PATH: process.env.PATH,
    PGHOST: gw.db.host,
    PGPORT: String(gw.db.port),
    PGUSER: gw.db.user,
  })
  assert.equal(init.code, 0, init.stderr)
})
after(() => gw[Symbol.asyncDispose]())

for (const mode of ['simple', 'extended', 'prepared']) {
  test(`pgbench -S -M ${mode} runs for 3 s through the gateway without errors`, async () => {
    const { credential } = await gw.grant('select:public.pgbench_*')
    const r = await run(
      'pgbench',
      ['-n', '-S', '-M', mode, '-c', '4', '-j', '2', '-T', '3'],
      gw.env(credential),
      {
        timeoutMs: 30_000,
      },
    )
    assert.equal(r.code, 0, r.stderr)
    // Work done and none failed; no rate is asserted (a loaded machine sets the rate, not the gateway).
    const processed = Number(/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1])
    const failed = Number(/number of failed transactions: (\d+)/.exec(r.stdout)?.[1] ?? 0)
    assert.ok(processed > 0, r.stdout)
    assert.equal(failed, 0)
  })
}

test('node-postgres: parameters, named prepared statements, pipelined queries and a denial', async () => {
  const { credential } = await gw.grant('select:billing.*,update:billing.invoices')
  const client = new pg.Client({ connectionString: gw.url(credential) })
  await client.connect()
  try {
    const one = await client.query('SELECT amount FROM billing.invoices WHERE id = $1', [7])
    assert.deepEqual(one.rows, [{ amount: 7 }])
    for (let i = 1; i <= 3; i++) {
      const r = await client.query({
        name: 'by-id',
        text: 'SELECT amount FROM billing.invoices WHERE id = $1',
        values: [i],
      })
      assert.equal(r.rows[0].amount, i)
    }
    // pg queues these and writes them back to back: the relay sees several Parse/Bind/Execute/Sync.
    const many = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        client.query('SELECT $1::int + amount AS v FROM billing.invoices WHERE id = 1', [i]),
      ),
    )
    assert.deepEqual(
      many.map((r) => r.rows[0].v),
      Array.from({ length: 20 }, (_, i) => i + 1),
    )
    const upd = await client.query('UPDATE billing.invoices SET note = $1 WHERE id <= 3', ['seen'])
    assert.equal(upd.rowCount, 3)
    const denied = await client
      .query('DELETE FROM billing.invoices WHERE id = $1', [1])
      .catch((e: unknown) => e)
    assert.ok(denied instanceof Error)
    const e = denied as pg.DatabaseError
    assert.equal(e.code, '42501')
    assert.equal(e.detail, 'missing scope: delete:billing.invoices')
    assert.match(e.hint ?? '', /taskgate grant request/)
    // Pipelined: a denied statement between two allowed ones fails alone.
    const results = await Promise.allSettled([
      client.query('SELECT 1 AS a'),
      client.query('DELETE FROM billing.invoices'),
      client.query('SELECT 3 AS c'),
    ])
    assert.equal(results[0].status, 'fulfilled')
    assert.equal(results[1].status, 'rejected')
    assert.equal(results[2].status, 'fulfilled')
    const count = await client.query('SELECT count(*)::int AS n FROM billing.invoices')
    assert.equal(count.rows[0].n, 100)
  } finally {
    await client.end()
  }
})

test('postgres.js: pipelined prepared queries, a transaction and a denial', async () => {
  const { credential } = await gw.grant('select:billing.*,update:billing.invoices')
  const sql = postgres(gw.url(credential), { max: 1, onnotice: () => {} })
  try {
    const rows = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sql`SELECT amount FROM billing.invoices WHERE id = ${i + 1}`),
    )
    assert.deepEqual(
      rows.map((r) => r[0]?.amount),
      Array.from({ length: 10 }, (_, i) => i + 1),
    )
    await sql.begin(async (tx) => {
      await tx`UPDATE billing.invoices SET note = 'tx' WHERE id = 10`
    })
    const [row] = await sql`SELECT note FROM billing.invoices WHERE id = 10`
    assert.equal(row?.note, 'tx')
    const err = await sql`DELETE FROM billing.invoices WHERE id = 1`.catch((e: unknown) => e)
    assert.equal((err as { code?: string }).code, '42501')
    const [after] = await sql`SELECT count(*)::int AS n FROM billing.invoices`
    assert.equal(after?.n, 100)
  } finally {
    await sql.end({ timeout: 1 })
  }
})

test('COPY out and in with psql \\copy', async () => {
  const { credential } = await gw.grant('select:billing.*,insert:billing.invoices')
  const out = await psql(
    gw.env(credential),
    '\\copy (SELECT id, amount FROM billing.invoices ORDER BY id) TO STDOUT',
  )
  assert.equal(out.code, 0, out.stderr)
  assert.equal(out.stdout.trim().split('\n').length, 100)
  const lines = Array.from({ length: 1000 }, (_, i) => `${10_000 + i}\t${i}\tcopied`).join('\n')
  const inn = await run(
    'psql',
    ['-X', '-v', 'ON_ERROR_STOP=1', '-c', '\\copy billing.invoices FROM STDIN'],
    gw.env(credential),
    {
      input: `${lines}\n`,
    },
  )
  assert.equal(inn.code, 0, inn.stderr)
  assert.match(inn.stdout, /COPY 1000/)
  const n = await gw.db.query("SELECT count(*)::int AS n FROM billing.invoices WHERE note = 'copied'")
  assert.equal(n.rows[0].n, 1000)
})
